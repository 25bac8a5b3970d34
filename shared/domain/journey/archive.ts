import { type ArchivedJourney, keptJourney } from '../erasure.ts';
import { RecordTooLargeError } from '../errors.ts';
import type { PolicyRegistry } from '../policy-registry.ts';
import { horizonEndMs } from '../policy.ts';
import { wonBackByWinback } from './planning.ts';
import { type CustomerRecord, isTaskOpen, type Journey, ms, policyOf } from './record.ts';

/**
 * Keeping a customer's record bounded. Every churn adds a journey, and an upstream system that
 * backfills years of history can post hundreds for one customer; the record is one DynamoDB item,
 * which must stay under 400 KB. So finished journeys beyond the latest few move out of the record
 * into items of their own, keyed by the customer's keyed hash, as erased journeys are: their facts
 * stay for the KPIs, the record keeps only what the engine still works with.
 */

/** Finished journeys a record keeps: what later events may still refer to (a click, a survey answer, a return). */
export const FINISHED_JOURNEYS_KEPT = 10;

/**
 * Journeys moved out by one save at most, so they fit in the save's one transaction (DynamoDB
 * takes 100 items; the record, its receipt and phone lookups take a few): a record from before
 * records were bounded sheds its backlog over its next saves.
 */
export const MAX_ARCHIVED_PER_SAVE = 25;

/**
 * The largest record saved, as JSON bytes: DynamoDB's item limit is 400 KB (names and values, UTF-8),
 * and the JSON of a record is larger than its DynamoDB size, so a record under this fits.
 */
export const MAX_RECORD_BYTES = 350_000;

/**
 * Whether a journey is finished for the engine: returned, ineligible, or past its horizon; with
 * no touch still to fire or being sent and no retention task still open.
 */
export function isFinished(journey: Journey, nowMs: number, policies: PolicyRegistry): boolean {
  const ended = journey.status !== 'active' || nowMs >= horizonEndMs(policyOf(policies, journey), ms(journey.churnedAt));
  const open = journey.touches.some((t) => t.status === 'planned' || t.status === 'sending') || (journey.task && isTaskOpen(journey.task));
  return ended && !open;
}

/**
 * Moves the finished journeys past the latest {@link FINISHED_JOURNEYS_KEPT} out of `record` (in
 * place), oldest first, and returns them as archived facts. The record counts what it moved
 * (`archived`), so a rule that looks at past journeys (no new journey after a win-back) still sees
 * them (as the win-back rule counts them: a return after a message). The nightly job links each to
 * its customer hash's next churn, as it does erased journeys.
 */
export function archiveFinished(record: CustomerRecord, nowMs: number, policies: PolicyRegistry, hashKey: string): ArchivedJourney[] {
  const finished = record.journeys.filter((journey) => isFinished(journey, nowMs, policies));
  const moving = new Set(finished.slice(0, Math.max(0, finished.length - FINISHED_JOURNEYS_KEPT)).slice(0, MAX_ARCHIVED_PER_SAVE));
  if (moving.size === 0) return [];
  const archivedAt = new Date(nowMs).toISOString();
  const archived = record.journeys.flatMap((journey) => {
    if (!moving.has(journey)) return [];
    return [{ ...keptJourney(record.customerId, journey, hashKey), archivedAt }];
  });
  record.journeys = record.journeys.filter((journey) => !moving.has(journey));
  const before = record.archived ?? { journeys: 0, wonBack: 0 };
  record.archived = {
    journeys: before.journeys + archived.length,
    wonBack: before.wonBack + [...moving].filter(wonBackByWinback).length,
  };
  return archived;
}

/**
 * Refuses a record that would still be over {@link MAX_RECORD_BYTES} once finished journeys moved
 * out (a profile with huge attributes, many journeys with open tasks): a 422 naming the cause,
 * rather than a write the store refuses again at every retry.
 */
export function assertRecordFits(record: CustomerRecord): void {
  // Most records take a few kilobytes: a bound on their JSON's size spares writing it out.
  if (jsonBytesAtMost(record) <= MAX_RECORD_BYTES) return;
  const bytes = Buffer.byteLength(JSON.stringify(record), 'utf8');
  if (bytes <= MAX_RECORD_BYTES) return;
  throw new RecordTooLargeError(`the customer's record would take ${bytes} bytes, over the ${MAX_RECORD_BYTES} a record may take`, [
    {
      path: 'customerId',
      code: 'record_too_large',
      message: `this customer's record would grow past ${MAX_RECORD_BYTES} bytes (profile attributes, journeys still running, open tasks); the event is refused`,
    },
  ]);
}

/** A number as JSON takes at most this many characters (`-2.2250738585072014e-308`). */
const NUMBER_CHARS = 25;

/**
 * A bound on the UTF-8 bytes of `JSON.stringify(value)`, from the lengths of its strings alone: a
 * UTF-16 code unit of a string or key takes at most 6 bytes (an escape such as `\u001f`), a number
 * {@link NUMBER_CHARS}, a literal 5, and each value its quotes, brackets, colon and comma. Infinite
 * for anything but plain objects and arrays (a `toJSON` would write something else).
 */
export function jsonBytesAtMost(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return 6 * value.length + 2;
    case 'number':
      return NUMBER_CHARS;
    case 'boolean':
    case 'undefined':
      return 5;
    case 'object': {
      if (value === null) return 4;
      const prototype = Object.getPrototypeOf(value);
      if (Array.isArray(value) && prototype === Array.prototype) {
        let bytes = 2;
        for (const item of value) bytes += jsonBytesAtMost(item) + 1;
        return bytes;
      }
      if (prototype !== Object.prototype && prototype !== null) return Number.POSITIVE_INFINITY;
      let bytes = 2;
      for (const key in value) bytes += 6 * key.length + 4 + jsonBytesAtMost((value as Record<string, unknown>)[key]);
      return bytes;
    }
    default:
      return Number.POSITIVE_INFINITY;
  }
}
