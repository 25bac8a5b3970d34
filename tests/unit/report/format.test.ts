import { describe, expect, it } from 'vitest';
import { formatNumber, MISSING } from '#shared/report/format';

describe('numbers rounded for people', () => {
  it('shows each kind of number its own way', () => {
    expect(formatNumber('count', 1234567)).toBe('1,234,567');
    expect(formatNumber('rate', 0.1111111111111111)).toBe('11.1%');
    expect(formatNumber('rate', 0.0004)).toBe('0.0%');
    expect(formatNumber('points', 0.032)).toBe('+3.2 pp');
    expect(formatNumber('points', -0.0251)).toBe('-2.5 pp');
    expect(formatNumber('pp', 0.0412)).toBe('4.1 pp');
    expect(formatNumber('relative', 0.526)).toBe('+53%');
    expect(formatNumber('relative', -0.5)).toBe('-50%');
    expect(formatNumber('decimal', 42.25)).toBe('42.3');
    expect(formatNumber('money', 1234.5)).toBe('1,234.50');
    expect(formatNumber('share', 0.0736)).toBe('7%');
    expect(formatNumber('score', 23.4)).toBe('+23');
    expect(formatNumber('score', -20.3)).toBe('-20');
  });

  it('never shows a signed zero, and shows a missing number as an en dash', () => {
    expect(formatNumber('points', 0.0004)).toBe('0.0 pp');
    expect(formatNumber('points', -0.0004)).toBe('0.0 pp');
    expect(formatNumber('decimal', -0.04)).toBe('0.0');
    expect(formatNumber('score', -0.2)).toBe('0');
    expect(formatNumber('rate', null)).toBe(MISSING);
  });
});
