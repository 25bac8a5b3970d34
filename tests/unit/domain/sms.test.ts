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
