import { describe, expect, it } from 'vitest';
import { parsePolicy } from '#shared/domain/policy';
import { explainPolicy, offerChoices } from '#shared/domain/policy-explain';
// Written against the English-only versions (telecom-port-out@2, subscription@1); the languages of
// the later ones are explained in policy-explain-languages.test.ts.
import { subscriptionV1 as subscription } from '#shared/domain/policies/subscription';
import { telecomPortOutV2 as telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { renderExplanation } from '../../../bin/explain-text.ts';

const AWS = ['sms', 'email'] as const;

describe('explainPolicy', () => {
  const telecom = explainPolicy(parsePolicy(telecomPortOut), { deployedInAws: AWS });
  const subscriptions = explainPolicy(parsePolicy(subscription), { deployedInAws: AWS });

  it('gives the local send window per market, the law narrowing the policy’s', () => {
    const policy = parsePolicy({ ...telecomPortOut, sendWindow: { start: '07:00', end: '22:00', weekdays: [1, 2, 3, 4, 5] } });
    expect(explainPolicy(policy, { deployedInAws: AWS }).sendWindows).toEqual([
      { market: '(no market)', window: '07:00–22:00 on weekdays 1,2,3,4,5' },
      { market: 'US', window: '08:00–21:00 on weekdays 1,2,3,4,5' },
      { market: 'US-FL', window: '08:00–20:00 on weekdays 1,2,3,4,5' },
    ]);
  });

  it('lists the channels in order with their consent rule, and says which AWS has no adapter for', () => {
    expect(telecom.channels.map((c) => `${c.channel}:${c.deployedInAws}`)).toEqual(['sms:true', 'email:true', 'push:false']);
    expect(subscriptions.channels[0]).toEqual({ channel: 'email', basis: 'soft_opt_in', expiresAfterDays: 730, deployedInAws: true });
  });

  it('names every exclusion with the policy’s threshold', () => {
    expect(telecom.exclusions).toContainEqual({ reason: 'repeat_churner', rule: 'priorChurns ≥ 2' });
    expect(telecom.exclusions).toContainEqual({ reason: 'below_value_floor', rule: 'monthlyRevenue < 5 EUR' });
    expect(telecom.exclusions).toContainEqual({ reason: 'past_horizon', rule: 'the churn is 121 or more days old when posted' });
    // The subscription preset excludes nobody for a past win-back, and has no value floor.
    expect(subscriptions.exclusions.map((x) => x.reason)).not.toContain('won_back_before');
    expect(subscriptions.exclusions.map((x) => x.reason)).not.toContain('below_value_floor');
  });

  it('gives each tier, exit reason and variant its offer per touch', () => {
    const touch2 = telecom.touches[1]!;
    expect(touch2).toMatchObject({ touch: 2, angle: 'offer', dayFrom: 60, dayTo: 90, onlyIfNotReturned: true });
    expect(touch2.segments).toHaveLength(3 * 7 * 2);
    const offerOf = (tier: string, exitReason: string, variant: string) =>
      touch2.segments.find((s) => s.tier === tier && s.exitReason === exitReason && s.variant === variant)!.offers;
    expect(offerOf('high', 'price', 'B')).toEqual([{ offerId: 'offer-profile-high', fromMonthlyRevenue: 60 }]);
    // The value floor (5) is above the standard tier's threshold (0).
    expect(offerOf('standard', 'moved', 'B')).toEqual([{ offerId: 'offer-usage', fromMonthlyRevenue: 5 }]);
  });

  it('shows where the margin cap switches offers, by monthly revenue', () => {
    // Cap: 0.2 × 12 = 2.4 × monthly revenue. small-shipping (5) fits from 5 / 2.4 = 2.083…;
    // best-two-months-gift (10 + 2 months) from 10 / (2.4 − 2) = 25.
    const first = (touch: number) => subscriptions.touches[touch - 1]!.segments[0]!.offers;
    expect(first(2)).toEqual([
      { offerId: 'small-new', fromMonthlyRevenue: 0 },
      { offerId: 'small-shipping', fromMonthlyRevenue: 2.08 },
    ]);
    expect(first(4)).toEqual([
      { offerId: 'best-two-months', fromMonthlyRevenue: 0 },
      { offerId: 'best-two-months-gift', fromMonthlyRevenue: 25 },
    ]);
    expect(subscriptions.offerCapPerMonthlyRevenue).toBeCloseTo(2.4, 12);
    // One month (1 < 2.4) and two months (2 < 2.4) always fit, so the offers after them are never made.
    const never = subscriptions.offers.filter((o) => o.madeByTouches.length === 0).map((o) => o.offerId);
    expect(never).toEqual(['medium-shipping', 'medium-new', 'best-free-month', 'best-last-call']);
  });

  it('renders each offer’s text per channel as the engine sends it, with SMS parts and the price', () => {
    const priced = explainPolicy(parsePolicy(telecomPortOut), {
      deployedInAws: AWS,
      price: (channel, text) => ({ cost: channel === 'sms' ? 0.05 * text.length : 0.0001, currency: 'EUR' }),
    });
    const offer = priced.offers.find((o) => o.offerId === 'offer-profile')!;
    const sms = 'Winback Mobile: a tariff built for your profile: first month free, and port back free. Reply STOP to opt out.';
    expect(offer).toMatchObject({ angle: 'offer', cost: 20, costMonths: 0, madeByTouches: [2] });
    expect(offer.texts[0]).toEqual({ channel: 'sms', text: sms, parts: 1, price: { cost: 0.05 * sms.length, currency: 'EUR' } });
    expect(offer.texts[1]).toMatchObject({ channel: 'email', subject: 'A tariff built for you, first month free', parts: 1 });
    expect(offer.texts[1]!.text).not.toContain('STOP');
  });

  it('counts a text with any non-GSM character in UCS-2 parts', () => {
    const offers = telecomPortOut.offers.map((o) => (o.id === 'fix-price' ? { ...o, text: '{brand}: тариф дешевле' } : o));
    const explained = explainPolicy(parsePolicy({ ...telecomPortOut, smsMaxParts: 2, offers }), { deployedInAws: AWS });
    // "Winback Mobile: тариф дешевле Reply STOP to opt out." is 52 UTF-16 units: one UCS-2 part (≤ 70).
    expect(explained.offers.find((o) => o.offerId === 'fix-price')!.texts[0]!.parts).toBe(1);
    const long = telecomPortOut.offers.map((o) => (o.id === 'fix-price' ? { ...o, text: `{brand}: ${'ы'.repeat(40)}` } : o));
    const explainedLong = explainPolicy(parsePolicy({ ...telecomPortOut, smsMaxParts: 2, offers: long }), { deployedInAws: AWS });
    // 16 + 40 + 1 + 22 = 79 units > 70: two parts.
    expect(explainedLong.offers.find((o) => o.offerId === 'fix-price')!.texts[0]!.parts).toBe(2);
  });

  it('says what escalation does and to whom', () => {
    expect(telecom.escalation).toEqual({
      value: 'monthlyRevenue * tenureMonths',
      threshold: 3000,
      mode: 'instead',
      dueAfterDays: 30,
      routes: [
        { team: 'partner', accountTypes: 'partner' },
        { team: 'sales', accountTypes: 'every other' },
      ],
    });
  });
});

describe('offerChoices', () => {
  const offer = (id: string, cost: number, costMonths: number) => ({ id, angle: 'a', text: 't', subject: 's', cost, costMonths });

  it('takes the first offer without a cap, and never one whose months alone exceed the cap', () => {
    const offers = [offer('rich', 100, 0), offer('free', 0, 0)];
    expect(offerChoices({}, offers, 0).map((c) => c.offer.id)).toEqual(['rich']);
    const cap = { offerCap: { maxShareOfValue: 0.1, valueMonths: 12 } }; // 1.2 × revenue
    expect(offerChoices(cap, [offer('months', 1, 2), offer('free', 0, 0)], 0).map((c) => [c.offer.id, c.from])).toEqual([['free', 0]]);
    const choices = offerChoices(cap, offers, 10);
    expect(choices.map((c) => c.offer.id)).toEqual(['free', 'rich']);
    expect(choices[0]!.from).toBe(10);
    expect(choices[1]!.from).toBeCloseTo(100 / 1.2, 9); // 83.33…
  });
});

describe('renderExplanation', () => {
  it('groups segments that get the same offer in few words', () => {
    const text = renderExplanation(explainPolicy(parsePolicy(telecomPortOut), { deployedInAws: AWS }));
    expect(text).toContain('  Touch 1 (fix): days 30–45, only if not returned\n    exit reason coverage: fix-coverage\n');
    expect(text).toContain('    tier high: offer-profile-high\n    tier mid, standard · variant A: offer-profile\n');
    expect(text).toContain('  push: basis consent — no adapter in AWS: never planned there');
    expect(text).toContain('  US-FL: 10:00–19:00 on weekdays 1,2,3,4,5,6');
    const subscriptionText = renderExplanation(explainPolicy(parsePolicy(subscription), { deployedInAws: AWS }));
    expect(subscriptionText).toContain(
      '    every segment: best-two-months from monthly revenue 0, then best-two-months-gift from monthly revenue 25',
    );
    expect(subscriptionText).toContain('  best-last-call (best; never made: earlier offers take every customer it fits): costs nothing');
  });
});
