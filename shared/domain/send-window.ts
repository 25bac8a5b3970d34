import { DateTime } from 'luxon';

/** A daily local send window, [start, end) in "HH:mm", on the given ISO weekdays (1 = Monday). */
export interface SendWindow {
  start: string;
  end: string;
  weekdays: readonly number[];
}

/** A half-open span of instants, [from, to), in epoch milliseconds. */
export type Span = readonly [from: number, to: number];

const MINUTE_MS = 60_000;

/** True when the instant's local wall time in `zone` falls inside the window, on an allowed weekday. */
export function isInsideSendWindow(instantMs: number, zone: string, window: SendWindow): boolean {
  const local = DateTime.fromMillis(instantMs, { zone });
  if (!window.weekdays.includes(local.weekday)) return false;
  const wallTime = local.toFormat('HH:mm');
  // "24:00" sorts after every "HH:mm" a clock shows, so it means "until midnight".
  return wallTime >= window.start && wallTime < window.end;
}

function clockParts(time: string): { hour: number; minute: number } {
  const [hour = 0, minute = 0] = time.split(':').map(Number);
  return { hour, minute };
}

/**
 * {@link computeWindowOnDate}, remembered: a window on a date in a zone never changes, and
 * planning a journey asks for the same dates over and over (every customer churned the same day
 * in the same zone, every touch of a 30-day window). Luxon answers each with several
 * `Intl.DateTimeFormat` calls, which were the larger part of ingesting a churn.
 * Bounded: the oldest entry goes first past {@link WINDOW_CACHE_SIZE}.
 */
const windowCache = new Map<string, readonly Span[]>();
const WINDOW_CACHE_SIZE = 20_000;

function windowOnDate(date: DateTime, zone: string, window: SendWindow): readonly Span[] {
  const key = `${zone}|${window.start}|${window.end}|${date.year}-${date.month}-${date.day}`;
  let spans = windowCache.get(key);
  if (!spans) {
    spans = computeWindowOnDate(date, zone, window);
    if (windowCache.size >= WINDOW_CACHE_SIZE) windowCache.delete(windowCache.keys().next().value!);
    windowCache.set(key, spans);
  }
  return spans;
}

/** The window's instants on one local calendar date (several spans when a DST change falls inside). */
function computeWindowOnDate(date: DateTime, zone: string, window: SendWindow): Span[] {
  const day = { year: date.year, month: date.month, day: date.day };
  const start = DateTime.fromObject({ ...day, ...clockParts(window.start) }, { zone });
  const end =
    window.end === '24:00'
      ? DateTime.fromObject(day, { zone }).plus({ days: 1 }).startOf('day')
      : DateTime.fromObject({ ...day, ...clockParts(window.end) }, { zone });
  const midnight = DateTime.fromObject(day, { zone }).startOf('day');
  const nextMidnight = DateTime.fromObject(day, { zone }).plus({ days: 1 }).startOf('day');
  // No clock change on this date, and both ends are wall times that exist: the window is one
  // exact span. (Comparing only the ends' offsets is not enough: luxon moves a time the clocks
  // skip forward and picks one pass of a repeated time, so a window inside a skipped hour would
  // become an hour outside the window, and a window inside a repeated hour would lose a pass.)
  const shows = (instant: DateTime, time: string) => instant.toFormat('HH:mm') === time;
  if (
    midnight.offset === nextMidnight.offset &&
    start.offset === end.offset &&
    shows(start, window.start) &&
    (window.end === '24:00' || shows(end, window.end))
  ) {
    return start < end ? [[start.toMillis(), end.toMillis()]] : [];
  }
  // A clock change falls on this date: walk the day a minute at a time, keeping the minutes
  // whose wall time is inside. Rare (a few days a year, only in some zones).
  const spans: Span[] = [];
  const dayStart = midnight.toMillis();
  const dayEnd = nextMidnight.toMillis();
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

/** Every span of [fromMs, toMs) that lies inside the local send window, in time order. */
export function sendableSpans(fromMs: number, toMs: number, zone: string, window: SendWindow): Span[] {
  const spans: Span[] = [];
  if (toMs <= fromMs) return spans;
  const last = DateTime.fromMillis(toMs, { zone }).startOf('day');
  for (let date = DateTime.fromMillis(fromMs, { zone }).startOf('day'); date <= last; date = date.plus({ days: 1 }).startOf('day')) {
    if (!window.weekdays.includes(date.weekday)) continue;
    for (const [from, to] of windowOnDate(date, zone, window)) {
      const clippedFrom = Math.ceil(Math.max(from, fromMs) / MINUTE_MS) * MINUTE_MS;
      const clippedTo = Math.min(to, toMs);
      if (clippedFrom < clippedTo) spans.push([clippedFrom, clippedTo]);
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
