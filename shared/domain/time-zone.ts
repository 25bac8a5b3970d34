/**
 * Time-zone arithmetic that asks `Intl` once per zone and span of time, not once per question.
 *
 * Luxon finds a zone's UTC offset by formatting the instant with `Intl.DateTimeFormat` every time
 * it is asked, which was most of the engine's CPU when planning. Here a zone's offsets are found
 * once per chunk of about a year: `Intl` is sampled every {@link SAMPLE_MS}, every change between
 * two samples is pinned to the second by bisection, and the chunk keeps the list of offset changes.
 * An offset lookup is then a binary search in that list. The offsets are luxon's to the
 * millisecond (`IANAZone#offset`: minutes, local minus UTC, constant within a second), clock
 * changes that skip or repeat wall times included.
 */

import { DAY_MS } from './vocabulary.ts';

const SECOND_MS = 1000;
const MINUTE_MS = 60_000;
/**
 * Sampling step. Two changes closer than this that come back to the same offset would be missed:
 * the closest in any zone from 1970 to 2060 are 6.96 days apart (America/Boa_Vista, October 2000),
 * and tables sampled every day matched luxon every three hours in every zone over 2000–2040.
 */
const SAMPLE_MS = 4 * DAY_MS;
/** Offsets are worked out a chunk at a time: [index × CHUNK_MS, (index + 1) × CHUNK_MS). */
const CHUNK_MS = 366 * DAY_MS;
/**
 * Instants this far from 1970 at most: `Date`'s range, less two days so that the local time of
 * each is a `Date` too (luxon answers NaN for a few hours less at each end; nobody plans there).
 */
const MAX_INSTANT_MS = 8.64e15 - 2 * DAY_MS;

/** A chunk's offsets: `offsets[i]` holds from `starts[i]` (the chunk's start, then each change) to the next start. */
interface Chunk {
  readonly starts: readonly number[];
  readonly offsets: readonly number[];
}

/** One zone's offsets, worked out chunk by chunk as they are asked for. */
class ZoneOffsets {
  readonly #chunks = new Map<number, Chunk>();
  readonly #format: Intl.DateTimeFormat;

  constructor(format: Intl.DateTimeFormat) {
    this.#format = format;
  }

  /** The offset in minutes (local minus UTC) at `instantMs`; NaN beyond {@link MAX_INSTANT_MS}. */
  offsetAt(instantMs: number): number {
    if (!(Math.abs(instantMs) <= MAX_INSTANT_MS)) return Number.NaN;
    const chunk = this.#chunk(Math.floor(instantMs / CHUNK_MS));
    return chunk.offsets[lastAtOrBefore(chunk.starts, instantMs)]!;
  }

  /** Each stretch of constant offset that overlaps [fromMs, toMs), clipped to it, in time order. */
  stretches(fromMs: number, toMs: number): Array<{ from: number; to: number; offset: number }> {
    const result: Array<{ from: number; to: number; offset: number }> = [];
    let from = fromMs;
    while (from < toMs) {
      const chunkIndex = Math.floor(from / CHUNK_MS);
      const chunk = this.#chunk(chunkIndex);
      const index = lastAtOrBefore(chunk.starts, from);
      const to = Math.min(chunk.starts[index + 1] ?? (chunkIndex + 1) * CHUNK_MS, toMs);
      const last = result.at(-1);
      if (last && last.offset === chunk.offsets[index]) last.to = to;
      else result.push({ from, to, offset: chunk.offsets[index]! });
      from = to;
    }
    return result;
  }

  #chunk(index: number): Chunk {
    let chunk = this.#chunks.get(index);
    if (!chunk) {
      chunk = this.#measure(index * CHUNK_MS, (index + 1) * CHUNK_MS);
      this.#chunks.set(index, chunk);
    }
    return chunk;
  }

  /** Samples [from, to] every {@link SAMPLE_MS} and pins each change in [from, to) to its second. */
  #measure(from: number, to: number): Chunk {
    const starts = [from];
    const offsets = [this.#intlOffset(from)];
    for (let previous = from; previous < to; ) {
      const sample = Math.min(previous + SAMPLE_MS, to);
      const target = this.#intlOffset(sample);
      // Walk from the last change to this sample, change by change (there may be more than one).
      while (offsets.at(-1) !== target) {
        const change = this.#firstChange(Math.max(starts.at(-1)!, previous), sample, offsets.at(-1)!);
        if (change >= to) break;
        starts.push(change);
        offsets.push(this.#intlOffset(change));
      }
      previous = sample;
    }
    return { starts, offsets };
  }

  /** `intlOffset` for this zone; beyond {@link MAX_INSTANT_MS}, the offset there ({@link offsetAt} answers NaN beyond it). */
  #intlOffset(instantMs: number): number {
    return intlOffset(this.#format, Math.min(Math.max(instantMs, -MAX_INSTANT_MS), MAX_INSTANT_MS));
  }

  /** The first whole second in (fromMs, toMs] whose offset is not `offset`, by bisection (both ends whole seconds). */
  #firstChange(fromMs: number, toMs: number, offset: number): number {
    let low = fromMs / SECOND_MS;
    let high = toMs / SECOND_MS;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (this.#intlOffset(middle * SECOND_MS) === offset) low = middle;
      else high = middle;
    }
    return high * SECOND_MS;
  }
}

/** The index of the last element of ascending `values` at or before `at` (0 when none is). */
function lastAtOrBefore(values: readonly number[], at: number): number {
  let low = 0;
  let high = values.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (values[middle]! <= at) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The fields luxon reads from `Intl` for an offset, in its order. */
const PART_INDEX: Readonly<Record<string, number>> = { year: 0, month: 1, day: 2, hour: 3, minute: 4, second: 5 };

/**
 * The offset at `instantMs` as luxon's `IANAZone#offset` works it out: the wall clock `Intl`
 * shows, read as if it were UTC, minus the instant truncated to its second, in minutes.
 */
function intlOffset(format: Intl.DateTimeFormat, instantMs: number): number {
  const fields = [0, 1, 1, 0, 0, 0];
  let beforeChrist = false;
  for (const { type, value } of format.formatToParts(instantMs)) {
    if (type === 'era') beforeChrist = value === 'BC';
    const index = PART_INDEX[type];
    if (index !== undefined) fields[index] = Number.parseInt(value, 10);
  }
  const [year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0] = fields;
  const asUtc = utcMs(beforeChrist ? -Math.abs(year) + 1 : year, month, day, hour === 24 ? 0 : hour, minute, second);
  const secondStart = instantMs - (((instantMs % SECOND_MS) + SECOND_MS) % SECOND_MS);
  return (asUtc - secondStart) / MINUTE_MS;
}

/** `Date.UTC` without its reading of years 0–99 as 1900–1999. */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (year < 0 || year >= 100) return ms;
  const date = new Date(ms);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

/** The offsets of each zone asked for so far, under its canonical name: a few hundred at most. */
const byCanonicalName = new Map<string, ZoneOffsets>();
/**
 * Each name asked for so far (`undefined`: not a zone). Names come from outside, and `Intl` reads
 * them in any letter case, so only the first {@link MAX_NAMES} are remembered; past them a name is
 * looked up afresh each time (its zone's offsets stay remembered under the canonical name).
 */
const byName = new Map<string, ZoneOffsets | undefined>();
const MAX_NAMES = 5000;

/**
 * The offsets of the IANA zone `zone` (any name `Intl` accepts, as luxon does), or `undefined`
 * when `Intl` does not know it. Worked out lazily and kept for the life of the process.
 */
export function zoneOffsets(zone: string): ZoneOffsets | undefined {
  const known = byName.get(zone);
  if (known || byName.has(zone)) return known;
  let offsets: ZoneOffsets | undefined;
  try {
    const format = new Intl.DateTimeFormat('en-US', {
      hour12: false,
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      era: 'short',
    });
    const canonical = format.resolvedOptions().timeZone;
    offsets = byCanonicalName.get(canonical) ?? new ZoneOffsets(format);
    byCanonicalName.set(canonical, offsets);
  } catch {
    offsets = undefined;
  }
  if (byName.size < MAX_NAMES) byName.set(zone, offsets);
  return offsets;
}

export type { ZoneOffsets };

/** True when `zone` is a time zone `Intl` knows (what luxon's `IANAZone.isValidZone` checks), remembered. */
export const isKnownZone = (zone: string): boolean => zone !== '' && zoneOffsets(zone) !== undefined;

/** UTC offset of `zone` at `instantMs`, in minutes (local minus UTC), as luxon gives it; NaN for an unknown zone. */
export function offsetMinutes(zone: string, instantMs: number): number {
  return zoneOffsets(zone)?.offsetAt(instantMs) ?? Number.NaN;
}
