import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonBytesAtMost } from '#shared/domain/journey/archive';

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** Values as records hold them, with the strings that take the most bytes: escapes, lone surrogates, emoji, CJK. */
const text = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\u0000', '\u001f', '"', '\\', '\ud800', '\udfff', '😀', '語', 'é'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
});
const plain = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.double(),
    fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, -2.2250738585072014e-308, Number.MIN_VALUE, -Number.MAX_VALUE),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
}));

describe('jsonBytesAtMost', () => {
  it('is never below the UTF-8 bytes of the JSON', () => {
    fc.assert(
      fc.property(plain.value, (value) => {
        // undefined alone is no JSON: as a field it is left out, in an array it is null.
        if (value === undefined) return;
        expect(jsonBytesAtMost(value)).toBeGreaterThanOrEqual(jsonBytes(value));
      }),
      { numRuns: 1000 },
    );
    for (const tight of ['\u0000'.repeat(40), '\ud800'.repeat(40), -2.2250738585072014e-308, [null, false]])
      expect(jsonBytesAtMost(tight)).toBeGreaterThanOrEqual(jsonBytes(tight));
  });

  it('is infinite for what JSON writes by other rules than plain data', () => {
    expect(jsonBytesAtMost({ at: new Date(0) })).toBe(Number.POSITIVE_INFINITY);
    expect(jsonBytesAtMost({ toJSON: () => 'x'.repeat(1000) })).toBe(Number.POSITIVE_INFINITY);
    expect(jsonBytesAtMost([1n])).toBe(Number.POSITIVE_INFINITY);
  });

  it('stays within a small multiple of the JSON for a record-like value', () => {
    const record = {
      customerId: 'c0000001',
      history: Array.from({ length: 20 }, (_, i) => ({ at: '2026-03-02T10:00:00.000Z', decision: 'planned', reason: `r${i}` })),
    };
    expect(jsonBytesAtMost(record)).toBeLessThan(8 * jsonBytes(record));
  });
});
