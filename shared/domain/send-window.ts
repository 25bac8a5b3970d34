import { zoneOffsets, type ZoneOffsets } from './time-zone.ts';
import { DAY_MS } from './vocabulary.ts';

/** A daily local send window, [start, end) in "HH:mm", on the given ISO weekdays (1 = Monday). */
export interface SendWindow {
  start: string;
  end: string;
  weekdays: readonly number[];
}

/** A half-open span of instants, [from, to), in epoch milliseconds. */
export type Span = readonly [from: number, to: number];

const MINUTE_MS = 60_000;
const MINUTES_PER_DAY = 1440;

/** "HH:mm" of each minute of a day, as a clock shows it. */
const CLOCK = Array.from(
  { length: MINUTES_PER_DAY },
  (_, minute) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`,
);

/** The local calendar day (days since 1970-01-01) of a wall-clock time read as if it were UTC. */
const dayOf = (wallMs: number) => Math.floor(wallMs / DAY_MS);

/** ISO weekday (1 = Monday) of a day number; day 0, 1970-01-01, was a Thursday. */
const weekdayOf = (day: number) => ((((day + 3) % 7) + 7) % 7) + 1;

/** The wall-clock time in the zone at an instant, read as if it were UTC (NaN outside `Date`'s range). */
const wallMs = (offsets: ZoneOffsets, instantMs: number) => instantMs + offsets.offsetAt(instantMs) * MINUTE_MS;

/** True when the instant's local wall time in `zone` falls inside the window, on an allowed weekday. */
export function isInsideSendWindow(instantMs: number, zone: string, window: SendWindow): boolean {
  const offsets = zoneOffsets(zone);
  if (!offsets) return false;
  const wall = wallMs(offsets, instantMs);
  const day = dayOf(wall);
  if (!window.weekdays.includes(weekdayOf(day))) return false;
  const clock = CLOCK[Math.floor((wall - day * DAY_MS) / MINUTE_MS)]!;
  // "24:00" sorts after every "HH:mm" a clock shows, so it means "until midnight".
  return clock >= window.start && clock < window.end;
}

/** Minutes after midnight of each "HH:mm" a clock shows. */
const MINUTE_OF_CLOCK = new Map(CLOCK.map((clock, minute) => [clock, minute]));

/** Minutes after midnight of a window's "HH:mm", when a clock shows it as written (so never "24:00"). */
const shownMinute = (time: string): number | undefined => MINUTE_OF_CLOCK.get(time);

/**
 * The window's spans on days with a clock change near them, remembered: working one out walks the
 * day a minute at a time. Bounded: the oldest entry goes first past {@link WINDOW_CACHE_SIZE}.
 */
const windowCache = new Map<string, readonly Span[]>();
const WINDOW_CACHE_SIZE = 20_000;

/** The window on a day with a clock change near it: walked once, then remembered. */
function walkedDay(offsets: ZoneOffsets, zone: string, window: SendWindow, day: number): readonly Span[] {
  const key = `${zone}|${window.start}|${window.end}|${day}`;
  let spans = windowCache.get(key);
  if (!spans) {
    spans = walkDay(offsets, zone, window, day);
    if (windowCache.size >= WINDOW_CACHE_SIZE) windowCache.delete(windowCache.keys().next().value!);
    windowCache.set(key, spans);
  }
  return spans;
}

/**
 * The first instant whose wall clock shows `wall` or later: the wall time itself when it exists
 * (its first pass when the clocks repeat it), else the clock change that skips over it.
 */
function firstInstantShowing(offsets: ZoneOffsets, wall: number): number {
  for (const { from, to, offset } of offsets.stretches(wall - 2 * DAY_MS, wall + 2 * DAY_MS)) {
    const instant = Math.max(from, wall - offset * MINUTE_MS);
    if (instant < to) return instant;
  }
  return Number.NaN;
}

/**
 * A day with a clock change near it: walk it a minute at a time, from its first instant to the
 * next day's, keeping the minutes whose wall time is inside. Rare (a few days a year, in some zones).
 */
function walkDay(offsets: ZoneOffsets, zone: string, window: SendWindow, day: number): Span[] {
  const spans: Span[] = [];
  const dayStart = firstInstantShowing(offsets, day * DAY_MS);
  const dayEnd = firstInstantShowing(offsets, (day + 1) * DAY_MS);
  let runStart: number | undefined;
  for (let t = dayStart; t < dayEnd; t += MINUTE_MS) {
    const inside = isInsideSendWindow(t, zone, window);
    if (inside && runStart === undefined) runStart = t;
    if (!inside && runStart !== undefined) {
      spans.push([runStart, t]);
      runStart = undefined;
    }
  }
  if (runStart !== undefined) spans.push([runStart, dayEnd]);
  return spans;
}

/** Adds the part of [from, to) inside [fromMs, toMs), starting on a whole minute, if any. */
function pushClipped(spans: Span[], from: number, to: number, fromMs: number, toMs: number): void {
  const clippedFrom = Math.ceil(Math.max(from, fromMs) / MINUTE_MS) * MINUTE_MS;
  const clippedTo = Math.min(to, toMs);
  if (clippedFrom < clippedTo) spans.push([clippedFrom, clippedTo]);
}

/** Every span of [fromMs, toMs) that lies inside the local send window, in time order. */
export function sendableSpans(fromMs: number, toMs: number, zone: string, window: SendWindow): Span[] {
  const spans: Span[] = [];
  const offsets = zoneOffsets(zone);
  if (toMs <= fromMs || !offsets) return spans;
  const first = dayOf(wallMs(offsets, fromMs));
  const last = dayOf(wallMs(offsets, toMs));
  if (!(first <= last)) return spans; // an instant outside `Date`'s range
  const start = shownMinute(window.start);
  const end = window.end === '24:00' ? MINUTES_PER_DAY : shownMinute(window.end);
  // The stretches of constant offset around the range, walked in step with its days.
  const stretches = offsets.stretches((first - 1) * DAY_MS, (last + 2) * DAY_MS + 1);
  let at = 0;
  for (let day = first; day <= last; day++) {
    if (!window.weekdays.includes(weekdayOf(day))) continue;
    // The instants whose wall clock shows this day lie between the day before it and the day after
    // (offsets are under a day): one offset over those three days, and the day is one exact span.
    while (stretches[at]!.to <= (day - 1) * DAY_MS) at++;
    const stretch = stretches[at]!;
    if (stretch.to > (day + 2) * DAY_MS && start !== undefined && end !== undefined) {
      const dayStart = day * DAY_MS - stretch.offset * MINUTE_MS;
      if (start < end) pushClipped(spans, dayStart + start * MINUTE_MS, dayStart + end * MINUTE_MS, fromMs, toMs);
    } else {
      for (const [from, to] of walkedDay(offsets, zone, window, day)) pushClipped(spans, from, to, fromMs, toMs);
    }
  }
  return spans;
}

function minuteSlots([from, to]: Span): number {
  return Math.ceil((to - from) / MINUTE_MS);
}

/**
 * A whole-minute instant inside the send window within [fromMs, toMs), chosen by `seed` in
 * [0, 1): the same seed always gives the same minute, and seeds spread uniformly over every
 * sendable minute, so a cohort churned on one day does not fire at once. Undefined when no
 * sendable minute is left.
 */
export function pickSendInstant(fromMs: number, toMs: number, zone: string, window: SendWindow, seed: number): number | undefined {
  return pickInSpans(sendableSpans(fromMs, toMs, zone, window), seed);
}

/**
 * The next sendable instant at or after `fromMs` (and before `toMs`), spread by `seed` over the
 * first `spreadMinutes` of that opening so deferred touches do not all fire on the minute.
 */
export function nextSendInstant(
  fromMs: number,
  toMs: number,
  zone: string,
  window: SendWindow,
  seed: number,
  spreadMinutes = 60,
): number | undefined {
  const first = sendableSpans(fromMs, toMs, zone, window)[0];
  if (!first) return undefined;
  return pickInSpans([[first[0], Math.min(first[1], first[0] + spreadMinutes * MINUTE_MS)]], seed);
}

function pickInSpans(spans: readonly Span[], seed: number): number | undefined {
  const total = spans.reduce((sum, span) => sum + minuteSlots(span), 0);
  if (total === 0) return undefined;
  let slot = Math.min(Math.floor(seed * total), total - 1);
  for (const span of spans) {
    const slots = minuteSlots(span);
    if (slot < slots) return span[0] + slot * MINUTE_MS;
    slot -= slots;
  }
  return undefined;
}
