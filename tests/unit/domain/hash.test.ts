import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shortHash, unitHash } from '#shared/domain/hash';

/** The hashes as they were first computed: journey ids, timer names and holdout arms depend on them never changing. */
const referenceShortHash = (value: string, length = 16) => createHash('sha256').update(value).digest('hex').slice(0, length);
const referenceUnitHash = (...parts: string[]) => createHash('sha256').update(parts.join('\u001f')).digest().readUIntBE(0, 6) / 2 ** 48;

describe('shortHash and unitHash', () => {
  it('keep the values they have always had', () => {
    // Assess
    expect(shortHash('journey:evt-1', 12)).toBe('e53916a98ccb');
    expect(shortHash('cust-1')).toBe('21d120906fd394b1');
    expect(unitHash('plan', 'cust-1', '0')).toBe(0.841472503930774);
  });

  it('match SHA-256 through createHash for any text, any length and any parts', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.integer({ min: 0, max: 80 }),
        fc.array(fc.string({ unit: 'binary' }), { maxLength: 4 }),
        (value, length, parts) => {
          expect(shortHash(value, length)).toBe(referenceShortHash(value, length));
          expect(shortHash(value)).toBe(referenceShortHash(value));
          expect(unitHash(...parts)).toBe(referenceUnitHash(...parts));
        },
      ),
      { numRuns: 500 },
    );
  });
});
