import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { smsParts } from '#shared/domain/sms';

describe('smsParts', () => {
  it('counts GSM-7 parts (160, then 153 each), extension characters as two, and UCS-2 parts (70, then 67 each)', () => {
    expect(smsParts('a'.repeat(160))).toBe(1);
    expect(smsParts('a'.repeat(161))).toBe(2);
    expect(smsParts('a'.repeat(306))).toBe(2);
    expect(smsParts('a'.repeat(307))).toBe(3);
    expect(smsParts('€'.repeat(80))).toBe(1);
    expect(smsParts('€'.repeat(81))).toBe(2);
    expect(smsParts('ç'.repeat(70))).toBe(1);
    expect(smsParts('ç'.repeat(71))).toBe(2);
    expect(smsParts('é'.repeat(160))).toBe(1);
  });
});

/** The definition, spelled out: every character GSM-7 (an extension one counting two septets), else UCS-2 code units. */
function partsByDefinition(text: string): number {
  const chars = [...text];
  const extended = new Set('^{}\\[~]|€\f');
  const basic = new Set(BASIC);
  if (chars.every((c) => basic.has(c) || extended.has(c))) {
    const septets = chars.reduce((sum, c) => sum + (extended.has(c) ? 2 : 1), 0);
    return septets <= 160 ? 1 : Math.ceil(septets / 153);
  }
  return text.length <= 70 ? 1 : Math.ceil(text.length / 67);
}

const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

describe('smsParts of any text', () => {
  it('is the definition’s count, for texts of GSM-7 characters with now and then one that is not', () => {
    const char = fc.oneof(
      { weight: 20, arbitrary: fc.constantFrom(...BASIC) },
      { weight: 3, arbitrary: fc.constantFrom(...'^{}\\[~]|€\f') },
      { weight: 1, arbitrary: fc.constantFrom('Ж', 'ç', '😀', '\ud800', '’') },
    );
    fc.assert(
      fc.property(fc.array(char, { maxLength: 400 }), (chars) => {
        const text = chars.join('');
        expect(smsParts(text)).toBe(partsByDefinition(text));
      }),
    );
    expect(smsParts('ab[c'.repeat(32))).toBe(1);
    expect(smsParts(`${'ab[c'.repeat(32)}a`)).toBe(2);
    expect(smsParts(`${'ab[c'.repeat(32)}Ж`)).toBe(2);
  });
});
