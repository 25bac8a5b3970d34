import { isKnownZone, offsetMinutes } from './time-zone.ts';

/**
 * Instants written as a customer's wall clock, from the zone offsets of `time-zone.ts` (one
 * `Intl` lookup per zone and year, then a binary search), so the Lambdas format local times
 * without a date library. The output is luxon's, to the character: the tests check it against
 * luxon over many zones and instants.
 */

/** Names luxon reads as the fixed UTC zone (written with `Z`), not as an IANA zone. */
const FIXED_UTC = new Set(['utc', 'gmt']);

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * `+01:00`, `-03:30`, `+00:00`: an offset in minutes as ISO 8601 writes it. Historical offsets
 * with seconds (Monrovia's −00:44:30) are cut to the minute, as luxon writes them.
 */
function isoOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.trunc(Math.abs(minutes));
  return `${sign}${pad2(Math.trunc(abs / 60))}:${pad2(abs % 60)}`;
}

/**
 * The wall clock of `instantMs` in `zone` as `yyyy-MM-ddTHH:mm:ss.SSS`, and the zone's offset
 * then, in minutes. Throws naming the zone when `Intl` does not know it.
 */
export function wallClock(instantMs: number, zone: string): { wall: string; offset: number } {
  if (!isKnownZone(zone)) throw new Error(`not an IANA time zone: ${zone}`);
  const offset = offsetMinutes(zone, instantMs);
  const iso = new Date(instantMs + offset * 60_000).toISOString();
  // Up to the milliseconds, whatever the year's width (`+010000-01-01T…` past year 9999).
  return { wall: iso.slice(0, iso.indexOf('T') + 13), offset };
}

/** Formats an instant as ISO 8601 with the customer's local offset, e.g. 2026-03-02T14:05:00.000+01:00. */
export function localIso(instantMs: number, zone: string): string {
  const { wall, offset } = wallClock(instantMs, zone);
  return `${wall}${FIXED_UTC.has(zone.toLowerCase()) ? 'Z' : isoOffset(offset)}`;
}
