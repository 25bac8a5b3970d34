/**
 * The statistics of a treatment group against its control group, as GrowthBook and Statsig
 * document them for a frequentist test of two proportions: the absolute lift with its 95% Wald
 * interval (unpooled variances), the relative lift with its 95% interval by the delta method,
 * the incremental win-backs, the minimum detectable lift at 80% power, and a too-small flag.
 * `sql/kpis.sql` computes each with the same operations in the same order, so both give the same
 * doubles; docs/kpis.md gives the formulas.
 */

/** z for a two-sided 95% interval: Φ⁻¹(0.975). */
export const Z_95 = 1.959963984540054;
/** z for 80% power: Φ⁻¹(0.8). */
export const Z_80 = 0.8416212335729143;
/** `Z_95 + Z_80`, the multiplier of the minimum detectable lift (written out in sql/kpis.sql). */
export const Z_MDE = Z_95 + Z_80;
/**
 * Fewer returns or non-returns than this in either arm and the normal approximation behind the
 * intervals does not hold (the usual n·p ≥ 5 and n·(1−p) ≥ 5 rule): the row is too small to read.
 */
export const MIN_OUTCOMES = 5;

/** One arm's counts: eligible journeys and their win-backs. */
export interface ArmCounts {
  eligible: number;
  returned: number;
}

/** A treatment group against its control group; every field null where it cannot be computed. */
export interface Comparison {
  lift: number | null;
  liftLow: number | null;
  liftHigh: number | null;
  relativeLift: number | null;
  relativeLow: number | null;
  relativeHigh: number | null;
  incremental: number | null;
  incrementalLow: number | null;
  incrementalHigh: number | null;
  minDetectableLift: number | null;
  tooSmall: boolean;
}

/**
 * Difference of two proportions (treatment − control) with its 95% Wald interval:
 * se = √(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂). Null when either group has no one.
 */
export function liftInterval(
  treatedReturned: number,
  treated: number,
  controlReturned: number,
  control: number,
): { lift: number; low: number; high: number } | null {
  if (treated === 0 || control === 0) return null;
  const p1 = treatedReturned / treated;
  const p2 = controlReturned / control;
  const lift = p1 - p2;
  const se = Math.sqrt((p1 * (1 - p1)) / treated + (p2 * (1 - p2)) / control);
  return { lift, low: lift - Z_95 * se, high: lift + Z_95 * se };
}

/** The comparison of a treatment group with no control group (or an empty arm): nothing to read. */
export const NO_CONTROL: Comparison = {
  lift: null,
  liftLow: null,
  liftHigh: null,
  relativeLift: null,
  relativeLow: null,
  relativeHigh: null,
  incremental: null,
  incrementalLow: null,
  incrementalHigh: null,
  minDetectableLift: null,
  tooSmall: true,
};

/**
 * Compares a treatment group with its control group (both by intention to treat: win-backs over
 * eligible journeys).
 * - lift Δ = p_t − p_c, 95% interval Δ ± z·se, se = √(v_t + v_c), v = p(1−p)/n (Wald);
 * - relative lift Δ% = p_t/p_c − 1, 95% interval Δ% ± z·√(v_t/p_c² + p_t²·v_c/p_c⁴) (delta
 *   method, as GrowthBook and Statsig); null when p_c = 0;
 * - incremental win-backs x_t − p_c·n_t, interval n_t × the lift's interval;
 * - minimum detectable lift (z_0.975 + z_0.8)·√(p̄(1−p̄)(1/n_t + 1/n_c)), p̄ the pooled rate;
 * - too small when either arm is empty or has fewer than 5 returns or 5 non-returns.
 */
export function compareArms(treatment: ArmCounts, control: ArmCounts): Comparison {
  const { eligible: nt, returned: xt } = treatment;
  const { eligible: nc, returned: xc } = control;
  if (nt === 0 || nc === 0) return NO_CONTROL;
  const pt = xt / nt;
  const pc = xc / nc;
  const vt = (pt * (1 - pt)) / nt;
  const vc = (pc * (1 - pc)) / nc;
  const lift = pt - pc;
  const se = Math.sqrt(vt + vc);
  const liftLow = lift - Z_95 * se;
  const liftHigh = lift + Z_95 * se;
  const relative = pc > 0 ? relativeLift(pt, pc, vt, vc) : { relativeLift: null, relativeLow: null, relativeHigh: null };
  const pooled = (xt + xc) / (nt + nc);
  return {
    lift,
    liftLow,
    liftHigh,
    ...relative,
    incremental: xt - pc * nt,
    incrementalLow: nt * liftLow,
    incrementalHigh: nt * liftHigh,
    minDetectableLift: minimumDetectableLift(pooled, nt, nc),
    tooSmall: Math.min(xt, nt - xt, xc, nc - xc) < MIN_OUTCOMES,
  };
}

/**
 * The smallest absolute lift (treatment rate − control rate) a two-sided test at 5% detects with
 * 80% power, for groups of `treated` and `control` whose rate is about `rate`:
 * (z_0.975 + z_0.8) · √(p(1−p)(1/n_t + 1/n_c)). The KPIs take the pooled rate, the simulator the
 * assumed baseline. Null when either group is empty.
 */
export function minimumDetectableLift(rate: number, treated: number, control: number): number | null {
  if (treated <= 0 || control <= 0) return null;
  return Z_MDE * Math.sqrt(rate * (1 - rate) * (1 / treated + 1 / control));
}

/** Δ% = p_t/p_c − 1 with its delta-method 95% interval; p_c must be above 0. */
function relativeLift(pt: number, pc: number, vt: number, vc: number) {
  const value = pt / pc - 1;
  const se = Math.sqrt(vt / (pc * pc) + (pt * pt * vc) / (pc * pc * pc * pc));
  return { relativeLift: value, relativeLow: value - Z_95 * se, relativeHigh: value + Z_95 * se };
}

/** Median of a histogram of integers; the mean of the two middle values for an even count. */
export function histogramMedian(histogram: ReadonlyMap<number, number>): number | null {
  const total = [...histogram.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const sorted = [...histogram.entries()].sort((a, b) => a[0] - b[0]);
  // The smallest value whose cumulative count c reaches the rank: 2c ≥ N (lower middle), 2c > N (upper).
  const first = (reached: (cumulative: number) => boolean) => {
    let seen = 0;
    for (const [value, count] of sorted) {
      seen += count;
      if (reached(seen)) return value;
    }
    return sorted.at(-1)![0];
  };
  return (first((c) => 2 * c >= total) + first((c) => 2 * c > total)) / 2;
}
