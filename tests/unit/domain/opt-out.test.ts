import { describe, expect, it } from 'vitest';
import { isOptOut, OPT_OUT_KEYWORDS } from '#shared/domain/opt-out';

describe('isOptOut', () => {
  it('takes every carrier keyword, alone, in any case, with punctuation or accents', () => {
    for (const keyword of OPT_OUT_KEYWORDS) {
      expect(isOptOut(keyword), keyword).toBe(true);
      expect(isOptOut(` ${keyword.toLowerCase()}. `), keyword).toBe(true);
    }
    expect(isOptOut('Arrêt')).toBe(true);
    expect(isOptOut('STOP!!')).toBe(true);
    expect(isOptOut('opt out')).toBe(true);
  });

  it('takes plain-language refusals', () => {
    for (const text of [
      'Stop texting me',
      'please don’t message me again',
      'No more texts thanks',
      'remove me from your list',
      'Leave me alone!',
      'Unsubscribe me',
      'do not contact me',
    ]) {
      expect(isOptOut(text), text).toBe(true);
    }
  });

  it('leaves ordinary replies alone', () => {
    for (const text of [
      'Thanks, sounds good',
      'What is the price?',
      'Is the first month really free?',
      'I stopped by your shop',
      'Can you call me at 6?',
      'end of the month works',
    ]) {
      expect(isOptOut(text), text).toBe(false);
    }
  });
});
