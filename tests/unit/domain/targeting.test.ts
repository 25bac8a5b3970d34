import { describe, expect, it } from 'vitest';
import { parsePolicy } from '#shared/domain/policy';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { assign, ineligibilityReasons, segmentOf, usableChannels, type EligibilityInput } from '#shared/domain/targeting';
import { DAY_MS } from '#shared/domain/vocabulary';

const policy = parsePolicy(telecomPortOut);
const CHURNED_AT = Date.parse('2026-01-05T09:00:00Z');

/** A customer worth winning back under the default policy, with the given changes. */
function customer(overrides: Partial<EligibilityInput> = {}): EligibilityInput {
  return {
    churnedAtMs: CHURNED_AT,
    nowMs: CHURNED_AT + 60_000,
    monthlyRevenue: 30,
    priorChurns: 0,
    earlierWinbacks: 0,
    reach: { contacts: { phone: '+447700900123' }, consents: { sms: true, email: false, push: false, whatsapp: false } },
    ...overrides,
  };
}

describe('ineligibilityReasons', () => {
  it('has no reason for a normal customer', () => {
    // Act
    const reasons = ineligibilityReasons(customer(), policy);

    // Assess
    expect(reasons).toEqual([]);
  });

  it.each<[string, Partial<EligibilityInput>, string]>([
    ['ingested after the horizon', { nowMs: CHURNED_AT + 121 * DAY_MS }, 'past_horizon'],
    [
      'a contact but no consent',
      {
        reach: {
          contacts: { phone: '+447700900123', email: 'a@example.com' },
          consents: { sms: false, email: false, push: true, whatsapp: false },
        },
      },
      'no_usable_channel',
    ],
    [
      'consent but no contact',
      { reach: { contacts: { email: 'a@example.com' }, consents: { sms: true, email: false, push: true, whatsapp: false } } },
      'no_usable_channel',
    ],
    ['prior churns at the limit', { priorChurns: 2 }, 'repeat_churner'],
    ['an earlier win-back', { earlierWinbacks: 1 }, 'won_back_before'],
    ['revenue below the value floor', { monthlyRevenue: 4.99 }, 'below_value_floor'],
  ])('excludes a customer with %s', (_name, overrides, reason) => {
    // Act
    const reasons = ineligibilityReasons(customer(overrides), policy);

    // Assess
    expect(reasons).toEqual([reason]);
  });

  it('keeps a customer on the edges: last horizon day, one churn below the limit, at the floor', () => {
    // Act
    const reasons = ineligibilityReasons(customer({ nowMs: CHURNED_AT + 121 * DAY_MS - 1, priorChurns: 1, monthlyRevenue: 5 }), policy);

    // Assess
    expect(reasons).toEqual([]);
  });

  it('gives every reason at once', () => {
    // Prepare
    const input = customer({
      nowMs: CHURNED_AT + 200 * DAY_MS,
      priorChurns: 5,
      earlierWinbacks: 2,
      monthlyRevenue: 0,
      reach: { contacts: {}, consents: { sms: true, email: true, push: true, whatsapp: false } },
    });

    // Act
    const reasons = ineligibilityReasons(input, policy);

    // Assess
    expect(reasons).toEqual(['past_horizon', 'no_usable_channel', 'repeat_churner', 'won_back_before', 'below_value_floor']);
  });

  it('ignores earlier win-backs when the policy allows them', () => {
    // Prepare
    const lenient = parsePolicy({ ...telecomPortOut, eligibility: { ...telecomPortOut.eligibility, excludeAfterWinback: false } });

    // Act
    const reasons = ineligibilityReasons(customer({ earlierWinbacks: 1 }), lenient);

    // Assess
    expect(reasons).toEqual([]);
  });
});

describe('usableChannels', () => {
  it('keeps the policy order and only channels with both consent and a contact', () => {
    // Prepare
    const reach = {
      contacts: { email: 'a@example.com', pushToken: 'tok' },
      consents: { sms: true, email: true, push: true, whatsapp: false },
    };

    // Act
    const channels = usableChannels(reach, policy);

    // Assess
    expect(channels).toEqual(['email', 'push']);
  });
});

describe('segmentOf', () => {
  it.each([
    [{ monthlyRevenue: 80, tenureMonths: 36 }, 'high'],
    [{ monthlyRevenue: 60, tenureMonths: 24 }, 'high'],
    [{ monthlyRevenue: 80, tenureMonths: 6 }, 'mid'],
    [{ monthlyRevenue: 25, tenureMonths: 0 }, 'mid'],
    [{ monthlyRevenue: 24.99, tenureMonths: 100 }, 'standard'],
    [{ monthlyRevenue: 0, tenureMonths: 0 }, 'standard'],
  ])('puts %j in the %s tier', (value, tier) => {
    // Act
    const segment = segmentOf({ ...value, exitReason: 'coverage', churnKind: 'port_out' }, policy);

    // Assess
    expect(segment).toEqual({ tier, exitReason: 'coverage', churnKind: 'port_out', key: `${tier}/port_out/coverage` });
  });
});

describe('assign', () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => `cust-${i}`);

  it('puts about the holdout share in control', () => {
    // Act
    const control = ids.filter((id) => assign(id, policy).arm === 'control').length;

    // Assess: 10% of 20,000 has a standard deviation of about 0.2 points; 9–11% is five of them.
    expect(control / ids.length).toBeGreaterThan(0.09);
    expect(control / ids.length).toBeLessThan(0.11);
  });

  it('splits the variants about evenly', () => {
    // Act
    const a = ids.filter((id) => assign(id, policy).variant === 'A').length;

    // Assess
    expect(a / ids.length).toBeGreaterThan(0.48);
    expect(a / ids.length).toBeLessThan(0.52);
  });

  it('follows the variant weights', () => {
    // Prepare
    const weighted = {
      ...policy,
      variants: [
        { id: 'A', weight: 3 },
        { id: 'B', weight: 1 },
      ],
    };

    // Act
    const a = ids.filter((id) => assign(id, weighted).variant === 'A').length;

    // Assess
    expect(a / ids.length).toBeGreaterThan(0.73);
    expect(a / ids.length).toBeLessThan(0.77);
  });

  it('is stable per customer id', () => {
    // Prepare
    const sample = ids.slice(0, 500);

    // Act
    const first = sample.map((id) => assign(id, policy));
    const again = sample.map((id) => assign(id, structuredClone(policy)));

    // Assess
    expect(again).toEqual(first);
  });

  it('draws arm and variant independently', () => {
    // Act
    const control = ids.map((id) => assign(id, policy)).filter((a) => a.arm === 'control');
    const controlA = control.filter((a) => a.variant === 'A').length;

    // Assess: both variants are represented in the control group too.
    expect(controlA / control.length).toBeGreaterThan(0.44);
    expect(controlA / control.length).toBeLessThan(0.56);
  });

  it('changes with the salt and puts nobody in control at 0%', () => {
    // Prepare
    const resalted = { ...policy, holdout: { percent: 10, salt: 'another-salt' } };
    const noHoldout = { ...policy, holdout: { percent: 0, salt: policy.holdout.salt } };

    // Act
    const moved = ids.slice(0, 2000).filter((id) => assign(id, policy).arm !== assign(id, resalted).arm).length;
    const control = ids.filter((id) => assign(id, noHoldout).arm === 'control').length;

    // Assess
    expect(moved).toBeGreaterThan(0);
    expect(control).toBe(0);
  });
});
