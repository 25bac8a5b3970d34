/**
 * Numbers rounded for people, one way per kind of number. The page shows these; the exact value
 * stays in each cell's `data-value` for the tests (and anyone who wants the digits).
 * A null is shown as an en dash: the number does not exist for that group (no control group, no
 * incremental win-back, nothing observed yet).
 */

export const MISSING = '–';

const whole = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Avoids "-0.0": a value that rounds to zero is shown without a sign. */
const unsignedZero = (text: string) => (/^-0(\.0+)?$/.test(text) ? text.slice(1) : text);
const signed = (text: string, value: number) => (value > 0 && /[1-9]/.test(text) ? `+${text}` : unsignedZero(text));

/** The kinds of number the page shows. */
export type NumberKind = 'count' | 'rate' | 'points' | 'pp' | 'relative' | 'decimal' | 'money' | 'share' | 'score';

const FORMATS: Record<NumberKind, (value: number) => string> = {
  /** People and messages: `1,234`. */
  count: (value) => whole.format(value),
  /** A share of customers: `12.3%`. */
  rate: (value) => `${unsignedZero(oneDecimal.format(value * 100))}%`,
  /** A difference of rates in percentage points, signed: `+3.2 pp`. */
  points: (value) => `${signed(oneDecimal.format(value * 100), value)} pp`,
  /** A size in percentage points, never negative (a minimum detectable lift): `4.1 pp`. */
  pp: (value) => `${unsignedZero(oneDecimal.format(value * 100))} pp`,
  /** A ratio of rates minus 1, signed: `+42%`. */
  relative: (value) => `${signed(whole.format(value * 100), value)}%`,
  /** An estimated number of customers: `12.3`, signed only when negative. */
  decimal: (value) => unsignedZero(oneDecimal.format(value)),
  /** Money in the policy's currency: `1,234.50`. */
  money: (value) => unsignedZero(twoDecimals.format(value)),
  /** A ratio as a share: `42%`. */
  share: (value) => `${unsignedZero(whole.format(value * 100))}%`,
  /** NPS, -100..100, signed: `+23`. */
  score: (value) => signed(whole.format(value), value),
};

/** `value` rounded for people as `kind`; null as {@link MISSING}. */
export function formatNumber(kind: NumberKind, value: number | null): string {
  return value === null ? MISSING : FORMATS[kind](value);
}
