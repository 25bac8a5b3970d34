/**
 * The send window as it was computed before shared/domain/time-zone.ts: straight from luxon, which
 * asks `Intl` for every offset. Kept as the reference the faster code must match, instant for
 * instant (tests/unit/domain/time-zone.property.test.ts).
 */
import { DateTime } from 'luxon';
import type { SendWindow, Span } from '#shared/domain/send-window';

const MINUTE_MS = 60_000;

/** True when the instant's local wall time in `zone` falls inside the window, on an allowed weekday. */
function isInsideSendWindow(instantMs: number, zone: string, window: SendWindow): boolean {
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
export function luxonSendableSpans(fromMs: number, toMs: number, zone: string, window: SendWindow): Span[] {
  const spans: Span[] = [];
  if (toMs <= fromMs) return spans;
  const last = DateTime.fromMillis(toMs, { zone }).startOf('day');
  for (let date = DateTime.fromMillis(fromMs, { zone }).startOf('day'); date <= last; date = date.plus({ days: 1 }).startOf('day')) {
    if (!window.weekdays.includes(date.weekday)) continue;
    for (const [from, to] of computeWindowOnDate(date, zone, window)) {
      const clippedFrom = Math.ceil(Math.max(from, fromMs) / MINUTE_MS) * MINUTE_MS;
      const clippedTo = Math.min(to, toMs);
      if (clippedFrom < clippedTo) spans.push([clippedFrom, clippedTo]);
    }
  }
  return spans;
}
