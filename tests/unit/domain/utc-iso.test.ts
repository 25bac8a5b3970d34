import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utcIso } from '#shared/domain/utc-iso';

describe('utcIso', () => {
  it('writes what Date#toISOString writes, for any instant of years 0–9999', () => {
    fc.assert(
      fc.property(fc.noBias(fc.integer({ min: 0, max: 253_402_300_799_999 })), (instant) => {
        expect(utcIso(instant)).toBe(new Date(instant).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    0, 1, 999, 951_782_400_000 /* 2000-02-29 */, 4_107_542_400_000 /* 2100-03-01 */, 253_402_300_799_999, 253_402_300_800_000, -1,
    -62_135_596_800_001, 1.5, -0.5, 8.64e15, -8.64e15,
  ])('writes what Date#toISOString writes at the edges: %d', (instant) => {
    expect(utcIso(instant)).toBe(new Date(instant).toISOString());
  });

  it('throws as Date#toISOString does for an instant that is not one', () => {
    for (const instant of [Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1]) {
      expect(() => utcIso(instant)).toThrow(RangeError);
    }
  });
});
