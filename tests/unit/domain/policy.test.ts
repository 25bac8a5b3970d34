import { describe, expect, it } from 'vitest';
import { ValidationError, type FieldIssue } from '#shared/domain/errors';
import { findOffer, parsePolicy, PolicySchema, type PolicyInput } from '#shared/domain/policy';
import { PolicyRegistry } from '#shared/domain/policy-registry';
import { telecomPortOut, telecomPortOutV2 } from '#shared/domain/policies/telecom-port-out';
import { ExitReason } from '#shared/domain/vocabulary';

/** The default policy with some fields replaced (a deep copy: the preset is never changed). */
function policyWith(change: (policy: PolicyInput) => void): PolicyInput {
  const policy = structuredClone(telecomPortOut);
  change(policy);
  return policy;
}

/** The issues `parsePolicy` refuses the input with. */
function refusal(input: unknown): FieldIssue[] {
  try {
    parsePolicy(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details;
  }
  throw new Error('expected the policy to be refused');
}

describe('the default telecom port-out policy', () => {
  it('parses, with the documented rules', () => {
    // Act
    const policy = parsePolicy(telecomPortOut);

    // Assess
    expect(policy).toMatchObject({
      id: 'telecom-port-out',
      quietDays: 30,
      horizonDays: 120,
      touches: [
        { dayFrom: 30, dayTo: 45, angle: 'fix' },
        { dayFrom: 60, dayTo: 90, angle: 'offer' },
      ],
      sendWindow: { start: '10:00', end: '19:00' },
      holdout: { percent: 10 },
    });
    expect(policy.channels).not.toContain('ussd');
  });

  it('has an offer for every touch, exit reason, tier and variant, never a bare percentage', () => {
    // Prepare
    const policy = parsePolicy(telecomPortOut);

    // Act
    const offers = policy.touches.flatMap((touch) =>
      ExitReason.options.flatMap((exitReason) =>
        policy.tiers.flatMap((tier) =>
          policy.variants.map((variant) =>
            findOffer(policy, { angle: touch.angle, exitReason, tier: tier.name, variant: variant.id, monthlyRevenue: 0 }),
          ),
        ),
      ),
    );

    // Assess
    expect(offers).not.toContain(undefined);
    for (const offer of offers) expect(offer!.text).not.toMatch(/%|percent/i);
  });

  it('answers each exit reason with its own first-touch text', () => {
    // Prepare
    const policy = parsePolicy(telecomPortOut);

    // Act
    const fixOffers = ExitReason.options.map(
      (exitReason) => findOffer(policy, { angle: 'fix', exitReason, tier: 'standard', variant: 'A', monthlyRevenue: 0 })!.id,
    );

    // Assess
    expect(Object.fromEntries(ExitReason.options.map((reason, i) => [reason, fixOffers[i]]))).toEqual({
      coverage: 'fix-coverage',
      price: 'fix-price',
      support: 'fix-support',
      tariff_complexity: 'fix-tariff',
      moved: 'fix-moved',
      other: 'fix-listen',
      unknown: 'fix-listen',
    });
  });
});

describe('parsePolicy refuses an invalid policy, naming the field', () => {
  it.each<[string, (policy: PolicyInput) => void, string]>([
    ['a touch before quietDays', (p) => void (p.touches[0]!.dayFrom = 20), 'touches[0].dayFrom'],
    ['a touch after horizonDays', (p) => void (p.touches[1]!.dayTo = 121), 'touches[1].dayTo'],
    ['overlapping touches', (p) => void (p.touches[1]!.dayFrom = 45), 'touches[1].dayFrom'],
    ['a touch ending before it starts', (p) => void (p.touches[1]!.dayTo = 59), 'touches[1].dayTo'],
    ['the same angle twice in a row', (p) => void (p.touches[1]!.angle = 'fix'), 'touches[1].angle'],
    ['a bare percentage in an offer text', (p) => void (p.offers[7]!.text = '{brand}: 20% off if you come back.'), 'offers[7].text'],
    ['a percentage written as "per cent"', (p) => void (p.offers[0]!.text = '{brand}: 20 per cent off.'), 'offers[0].text'],
    ['a send window ending before it starts', (p) => void (p.sendWindow = { start: '19:00', end: '10:00' }), 'sendWindow.end'],
    ['an empty send window', (p) => void (p.sendWindow = { start: '10:00', end: '10:00' }), 'sendWindow.end'],
    ['a send window time that is not a clock time', (p) => void (p.sendWindow = { start: '25:00', end: '26:00' }), 'sendWindow.start'],
    ['a weekday out of 1–7', (p) => void (p.sendWindow = { start: '10:00', end: '19:00', weekdays: [0, 1] }), 'sendWindow.weekdays[0]'],
    ['a conversion window past the horizon', (p) => void (p.conversionWindowDays = 121), 'conversionWindowDays'],
    ['a last tier that does not match everyone', (p) => void (p.tiers = [{ name: 'high', minMonthlyRevenue: 60 }]), 'tiers[0]'],
    ['a holdout above 50%', (p) => void (p.holdout = { percent: 60, salt: 's' }), 'holdout.percent'],
    ['USSD as a channel', (p) => void ((p.channels as string[]) = ['ussd']), 'channels[0]'],
  ])('%s', (_name, change, path) => {
    // Prepare
    const input = policyWith(change);

    // Act
    const issues = refusal(input);

    // Assess
    expect(issues.map((issue) => issue.path)).toContain(path);
  });

  it.each<[string, (policy: PolicyInput) => void, RegExp]>([
    ['an exit reason', (p) => void (p.offers = p.offers.filter((o) => o.id !== 'fix-moved')), /exit reason "moved"/],
    ['a tier', (p) => void (p.offers = p.offers.map((o) => (o.angle === 'offer' ? { ...o, tiers: ['high'] } : o))), /tier "mid"/],
    ['a variant', (p) => void (p.offers = p.offers.filter((o) => o.id !== 'offer-usage')), /variant "B"/],
  ])('a touch without an offer for %s', (_name, change, message) => {
    // Prepare
    const input = policyWith(change);

    // Act
    const issues = refusal(input);

    // Assess
    expect(issues).toContainEqual(
      expect.objectContaining({ path: expect.stringMatching(/^touches\[\d\]\.angle$/), message: expect.stringMatching(message) }),
    );
  });

  it('names every field at fault, not only the first', () => {
    // Prepare
    const input = policyWith((p) => {
      p.touches[0]!.dayFrom = 10;
      p.sendWindow = { start: '20:00', end: '08:00' };
      p.offers[0]!.text = 'Save 15 % today';
    });

    // Act
    const paths = refusal(input).map((issue) => issue.path);

    // Assess
    expect(paths).toEqual(expect.arrayContaining(['touches[0].dayFrom', 'sendWindow.end', 'offers[0].text']));
  });

  it('accepts a window ending at 24:00 and a weekend-only window', () => {
    // Prepare
    const input = policyWith((p) => void (p.sendWindow = { start: '18:00', end: '24:00', weekdays: [6, 7] }));

    // Act
    const policy = parsePolicy(input);

    // Assess
    expect(policy.sendWindow).toEqual({ start: '18:00', end: '24:00', weekdays: [6, 7] });
  });
});

describe('PolicyRegistry', () => {
  it('picks the policy covering a churn kind and finds an exact version', () => {
    // Prepare
    const current = parsePolicy(telecomPortOut);
    const next = parsePolicy(policyWith((p) => void (p.version = '99')));
    const registry = new PolicyRegistry([current, next]);

    // Act
    const forPortOut = registry.forChurn({ churnKind: 'port_out' });
    const exact = registry.get('telecom-port-out', '99');

    // Assess
    expect(forPortOut).toBe(current);
    expect(exact).toBe(next);
    expect(() => registry.get('telecom-port-out', '100')).toThrow(/not loaded/);
  });

  it('has no policy for a churn kind none covers', () => {
    // Prepare
    const registry = new PolicyRegistry([parsePolicy(policyWith((p) => void (p.churnKinds = ['port_out'])))]);

    // Act
    const policy = registry.forChurn({ churnKind: 'lapse' });

    // Assess
    expect(policy).toBeUndefined();
  });
});

describe('policy: SMS length', () => {
  it('refuses an offer whose SMS, footer included, bills as more parts than smsMaxParts, and accepts it when allowed', () => {
    // Prepare: 150 GSM characters plus the brand and the footer: two parts (version 2 allows one).
    const long = {
      ...structuredClone(telecomPortOutV2),
      offers: telecomPortOutV2.offers.map((o, i) => (i === 0 ? { ...o, text: `{brand}: ${'x'.repeat(150)}` } : o)),
    };

    // Act / Assess
    const refused = PolicySchema.safeParse(long);
    expect(refused.success).toBe(false);
    expect(refused.error!.issues.map((i) => [i.path.join('.'), i.message])).toContainEqual([
      'offers.0.text',
      expect.stringMatching(/takes 2 parts, more than smsMaxParts \(1\)/),
    ]);
    expect(PolicySchema.safeParse({ ...long, smsMaxParts: 2 }).success).toBe(true);
    // E-mail-only policies are not held to SMS lengths.
    expect(PolicySchema.safeParse({ ...long, channels: ['email'] }).success).toBe(true);
  });
});

describe('policy: click follow-up', () => {
  it('needs an offer for its angle and must fall within the horizon', () => {
    const result = PolicySchema.safeParse({
      ...structuredClone(telecomPortOut),
      clickFollowUp: { afterDays: 500, angle: 'nothing-for-this' },
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('clickFollowUp.angle');
    expect(paths).toContain('clickFollowUp.afterDays');
    expect(PolicySchema.safeParse({ ...structuredClone(telecomPortOut), clickFollowUp: { afterDays: 5, angle: 'offer' } }).success).toBe(
      true,
    );
  });
});
