import { describe, expect, it } from 'vitest';
import { compareArms, histogramMedian, MIN_OUTCOMES, NO_CONTROL, Z_80, Z_95, Z_MDE } from '#shared/domain/kpi/stats';

/**
 * The statistics against numbers worked out by hand in the comments (the formulas of GrowthBook's
 * and Statsig's frequentist engines for two proportions), never by the code under test.
 */

describe('compareArms: treatment 18 of 100 back, control 5 of 50', () => {
  const comparison = compareArms({ eligible: 100, returned: 18 }, { eligible: 50, returned: 5 });

  it('gives the absolute lift with its 95% Wald interval', () => {
    // p_t = 0.18, p_c = 0.10, Δ = 0.08
    // v_t = 0.18·0.82/100 = 0.001476; v_c = 0.1·0.9/50 = 0.0018; se = √0.003276 = 0.0572364
    // Δ ∓ 1.959964 · 0.0572364 = 0.08 ∓ 0.1121812 = [−0.0321812, 0.1921812]
    expect(comparison.lift).toBeCloseTo(0.08, 12);
    expect(comparison.liftLow).toBeCloseTo(-0.0321812, 6);
    expect(comparison.liftHigh).toBeCloseTo(0.1921812, 6);
  });

  it('gives the relative lift with its 95% interval by the delta method', () => {
    // Δ% = 0.18 / 0.10 − 1 = 0.8
    // var = v_t / p_c² + p_t² · v_c / p_c⁴ = 0.001476 / 0.01 + 0.0324 · 0.0018 / 0.0001 = 0.1476 + 0.5832 = 0.7308
    // se = √0.7308 = 0.8548684; 0.8 ∓ 1.959964 · 0.8548684 = 0.8 ∓ 1.6755113 = [−0.8755113, 2.4755113]
    expect(comparison.relativeLift).toBeCloseTo(0.8, 12);
    expect(comparison.relativeLow).toBeCloseTo(-0.8755113, 6);
    expect(comparison.relativeHigh).toBeCloseTo(2.4755113, 6);
  });

  it('gives the incremental win-backs: treatment returns minus what the control rate predicts', () => {
    // 18 − 0.10 · 100 = 8; interval 100 × [−0.0321812, 0.1921812] = [−3.21812, 19.21812]
    expect(comparison.incremental).toBeCloseTo(8, 12);
    expect(comparison.incrementalLow).toBeCloseTo(-3.21812, 4);
    expect(comparison.incrementalHigh).toBeCloseTo(19.21812, 4);
  });

  it('gives the minimum detectable lift at 80% power for these sizes', () => {
    // pooled p̄ = 23/150 = 0.1533333; p̄(1−p̄) = 0.1298222; × (1/100 + 1/50) = 0.0038947; √ = 0.0624073
    // (1.959964 + 0.841621) · 0.0624073 = 2.801585 · 0.0624073 = 0.1748393
    expect(comparison.minDetectableLift).toBeCloseTo(0.1748393, 6);
    // the observed lift (0.08) is below it: this cohort could not have shown it
  });

  it('is readable: at least 5 returns and 5 non-returns in each arm (18, 82, 5, 45)', () => {
    expect(comparison.tooSmall).toBe(false);
  });
});

describe('compareArms: edges', () => {
  it('flags a control group with fewer than 5 returns as too small', () => {
    // control 4 of 50: min(18, 82, 4, 46) = 4 < 5
    expect(compareArms({ eligible: 100, returned: 18 }, { eligible: 50, returned: 4 }).tooSmall).toBe(true);
    // treatment 96 of 100 back: only 4 non-returns
    expect(compareArms({ eligible: 100, returned: 96 }, { eligible: 50, returned: 5 }).tooSmall).toBe(true);
  });

  it('has no relative lift when the control group has no return (p_c = 0), but an absolute one', () => {
    // Δ = 0.18 − 0; se = √(0.001476 + 0) = 0.0384187; incremental = 18 − 0 · 100 = 18
    const comparison = compareArms({ eligible: 100, returned: 18 }, { eligible: 50, returned: 0 });
    expect(comparison).toMatchObject({ relativeLift: null, relativeLow: null, relativeHigh: null, tooSmall: true });
    expect(comparison.lift).toBeCloseTo(0.18, 12);
    expect(comparison.liftLow).toBeCloseTo(0.18 - 1.959964 * 0.0384187, 6);
    expect(comparison.incremental).toBe(18);
  });

  it('has nothing to read when either arm is empty', () => {
    expect(compareArms({ eligible: 0, returned: 0 }, { eligible: 50, returned: 5 })).toEqual(NO_CONTROL);
    expect(compareArms({ eligible: 100, returned: 18 }, { eligible: 0, returned: 0 })).toEqual(NO_CONTROL);
    expect(NO_CONTROL.tooSmall).toBe(true);
  });

  it('uses z(0.975) = 1.959964, z(0.8) = 0.841621 and the n·p ≥ 5 rule', () => {
    expect(Z_95).toBeCloseTo(1.959964, 6);
    expect(Z_80).toBeCloseTo(0.841621, 6);
    expect(Z_MDE).toBeCloseTo(2.801585, 6);
    expect(MIN_OUTCOMES).toBe(5);
  });
});

describe('histogramMedian (2c ≥ N for the lower middle, 2c > N for the upper)', () => {
  it('gives the middle of an odd count and the mean of the two middles of an even one', () => {
    // 3, 10, 40 → 10; 5, 7, 20, 60 → 13.5
    expect(
      histogramMedian(
        new Map([
          [40, 1],
          [3, 1],
          [10, 1],
        ]),
      ),
    ).toBe(10);
    expect(
      histogramMedian(
        new Map([
          [5, 1],
          [7, 1],
          [20, 1],
          [60, 1],
        ]),
      ),
    ).toBe(13.5);
  });
});
