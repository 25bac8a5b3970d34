/**
 * `new Date(ms).toISOString()`, about three times faster: planning a churn formats a dozen
 * instants (due times, the decision log), and V8's builtin was several percent of its CPU.
 */

import { DAY_MS } from './vocabulary.ts';

/** 10000-01-01T00:00:00Z: from there on `toISOString` writes six-digit years, left to it. */
const YEAR_10000_MS = 253_402_300_800_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/** Year, month (1–12) and day of a day number (days since 1970-01-01), proleptic Gregorian (H. Hinnant's days_from_civil, inverted). */
function civilDate(days: number): { year: number; month: number; day: number } {
  const shifted = days + 719_468; // days since 0000-03-01
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day: dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1 };
}

/** The instant as ISO 8601 in UTC with milliseconds, e.g. 2026-03-02T13:05:00.000Z: exactly what `toISOString` gives. */
export function utcIso(instantMs: number): string {
  if (!(Number.isInteger(instantMs) && instantMs >= 0 && instantMs < YEAR_10000_MS)) return new Date(instantMs).toISOString();
  const days = Math.floor(instantMs / DAY_MS);
  const { year, month, day } = civilDate(days);
  const msOfDay = instantMs - days * DAY_MS;
  const hour = Math.floor(msOfDay / 3_600_000);
  const minute = Math.floor(msOfDay / 60_000) % 60;
  const second = Math.floor(msOfDay / 1000) % 60;
  const yyyy = year < 1000 ? String(year).padStart(4, '0') : String(year);
  return `${yyyy}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}.${THREE_DIGITS[msOfDay % 1000]}Z`;
}
