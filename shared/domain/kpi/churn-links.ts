import type { KeptJourney } from '../erasure.ts';
import type { PolicyRegistry } from '../policy-registry.ts';
import { erasedFactRow, nextChurnAfter } from './facts.ts';
import type { JourneyFactRow } from './tables.ts';

/** 13 hex digits (52 bits) are exact in a double. */
const HEX_DIGITS = 13;
const prefixOf = (customerHash: string, part: 0 | 1) => Number.parseInt(customerHash.slice(part * HEX_DIGITS, (part + 1) * HEX_DIGITS), 16);

/**
 * Links each journey kept after erasure to the next churn of the same customer hash, for its
 * retention: the customer's later journeys may be erased too (each its own stored item) or live
 * again in a new record, and a scan meets them in any order. So erased journeys are held until the
 * scan ends (there are as many as erased journeys, a small share of all), and every live record's
 * churns are noted by the first 104 bits of its customer hash (24 bytes a journey, in arrays of
 * unboxed doubles): a false match of two customers has a chance of about n² / 2¹⁰⁴.
 */
export class ChurnLinks {
  private readonly erased = new Map<string, KeptJourney[]>();
  private readonly liveHigh: number[] = [];
  private readonly liveLow: number[] = [];
  private readonly liveChurns: number[] = [];

  /** Notes the churns of a live customer record, from its fact rows (its own rows link within the record). */
  addLive(rows: readonly JourneyFactRow[]): void {
    for (const row of rows) {
      if (row.customer_hash === null || row.churned_at === null) continue;
      this.liveHigh.push(prefixOf(row.customer_hash, 0));
      this.liveLow.push(prefixOf(row.customer_hash, 1));
      this.liveChurns.push(row.churned_at);
    }
  }

  /**
   * Holds a journey kept apart from its customer (erased, or archived out of a bounded record)
   * until every item has been scanned.
   */
  addErased(journey: KeptJourney): void {
    const same = this.erased.get(journey.customerHash);
    if (same) same.push(journey);
    else this.erased.set(journey.customerHash, [journey]);
  }

  /** Erased journeys held so far. */
  get erasedCount(): number {
    let count = 0;
    for (const journeys of this.erased.values()) count += journeys.length;
    return count;
  }

  /** The fact rows of the erased journeys, each with the next churn of its customer hash, erased or live. */
  erasedRows(asOfMs: number, policies: PolicyRegistry): JourneyFactRow[] {
    const live = this.liveChurnsOfErased();
    const rows: JourneyFactRow[] = [];
    for (const [customerHash, journeys] of this.erased) {
      for (const journey of journeys) {
        const returnedAt = journey.returnedAt ? Date.parse(journey.returnedAt) : undefined;
        const others = journeys.filter((j) => j.journeyId !== journey.journeyId).map((j) => Date.parse(j.churnedAt));
        const churns = [...others, ...(live.get(customerHash) ?? [])];
        const next = returnedAt === undefined ? undefined : nextChurnAfter(churns, returnedAt);
        rows.push(erasedFactRow(journey, next, asOfMs, policies));
      }
    }
    return rows;
  }

  /** The live churns of the customer hashes that have erased journeys. */
  private liveChurnsOfErased(): Map<string, number[]> {
    const byPrefix = new Map<number, string[]>();
    for (const customerHash of this.erased.keys()) {
      const high = prefixOf(customerHash, 0);
      byPrefix.set(high, [...(byPrefix.get(high) ?? []), customerHash]);
    }
    const found = new Map<string, number[]>();
    for (let i = 0; i < this.liveChurns.length; i += 1) {
      const candidates = byPrefix.get(this.liveHigh[i]!);
      const customerHash = candidates?.find((hash) => prefixOf(hash, 1) === this.liveLow[i]);
      if (customerHash) found.set(customerHash, [...(found.get(customerHash) ?? []), this.liveChurns[i]!]);
    }
    return found;
  }
}
