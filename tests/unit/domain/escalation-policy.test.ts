import { describe, expect, it } from 'vitest';
import { parseEvent } from '#shared/domain/events';
import { accountValue, teamFor } from '#shared/domain/escalation';
import { parsePolicy, PolicySchema, type PolicyInput } from '#shared/domain/policy';
import { deploymentPolicies, PolicyRegistry } from '#shared/domain/policy-registry';
import { subscription } from '#shared/domain/policies/subscription';
import { telecomPortOut, telecomPortOutV1 } from '#shared/domain/policies/telecom-port-out';
import { parseFormula } from '#shared/domain/value-formula';
import { eventFixture } from '../../fixtures/events.ts';

const issuesOf = (input: PolicyInput) => {
  const result = PolicySchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};
const variant = (change: (policy: PolicyInput) => void, base: PolicyInput = telecomPortOut): PolicyInput => {
  const policy = structuredClone(base);
  change(policy);
  return policy;
};

describe('value formulas', () => {
  it('computes the examples of the issue, with precedence, parentheses and unary minus', () => {
    const values: Record<string, number> = {
      subscriptions: 900,
      totalBuyCost: 400,
      totalSaleCost: 450,
      monthlyRevenue: 80,
      tenureMonths: 30,
    };
    const read = (name: string) => values[name];
    expect(parseFormula('subscriptions - totalBuyCost + totalSaleCost').evaluate(read)).toBe(950);
    expect(parseFormula('monthlyRevenue * tenureMonths').evaluate(read)).toBe(2400);
    expect(parseFormula('monthlyRevenue * (tenureMonths - 6) / 2').evaluate(read)).toBe(960);
    expect(parseFormula('-monthlyRevenue + 100 * 2').evaluate(read)).toBe(120);
    expect(parseFormula('a + b').names).toEqual(['a', 'b']);
  });

  it('has no value when a name is missing or the result is not a finite number', () => {
    expect(parseFormula('a + b').evaluate((name) => (name === 'a' ? 1 : undefined))).toBeUndefined();
    expect(parseFormula('a / b').evaluate((name) => (name === 'a' ? 1 : 0))).toBeUndefined();
  });

  it.each([
    ['monthlyRevenue *', /expected a number, a name or "\(" at the end/],
    ['a + (b', /expected "\)" at the end/],
    ['a b', /expected an operator at 3, found "b"/],
    ['process.exit()', /unexpected "\." at 8/],
    ['constructor["x"]', /unexpected "\[" at 12/],
    ['('.repeat(40) + 'a' + ')'.repeat(40), /nested more than 32 levels/],
  ])('refuses %j, naming where', (source, message) => {
    expect(() => parseFormula(source)).toThrow(message);
  });

  it('reads the profile numbers first, then numeric attributes only', () => {
    const account = { monthlyRevenue: 10, tenureMonths: 3, priorChurns: 0, attributes: { seats: 12, plan: 'gold', monthlyRevenue: 999 } };
    expect(accountValue({ value: 'monthlyRevenue * seats' }, account)).toBe(120);
    expect(accountValue({ value: 'plan + 1' }, account)).toBeUndefined();
    expect(accountValue({ value: 'toString + 1' }, account)).toBeUndefined();
  });
});

describe('escalation, lapse and margin-cap rules in a policy', () => {
  it('routes by account type, the last route taking every other one', () => {
    const escalation = parsePolicy(telecomPortOut).escalation!;
    expect(teamFor(escalation, 'partner')).toBe('partner');
    expect(teamFor(escalation, 'consumer')).toBe('sales');
  });

  it('names every rule a policy breaks', () => {
    expect(
      issuesOf(variant((p) => void (p.escalation = { value: 'monthlyRevenue *', threshold: 1, routes: [{ team: 'sales' }] }))),
    ).toEqual(['escalation.value: not a valid formula: expected a number, a name or "(" at the end']);
    expect(
      issuesOf(
        variant(
          (p) => void (p.escalation = { value: 'monthlyRevenue', threshold: 1, routes: [{ team: 'partner', accountTypes: ['partner'] }] }),
        ),
      ),
    ).toEqual(['escalation.routes.0: the last route must take every account type (no accountTypes)']);
    expect(issuesOf(variant((p) => void (p.lapse = { afterDays: 30 }), { ...telecomPortOut, churnKinds: ['port_out'] }))).toEqual([
      'lapse: needs "lapse" in churnKinds',
    ]);
  });

  it('under a margin cap, wants an offer within the cap of every customer for every touch', () => {
    const onlyGift = variant(
      (p) => void (p.offers = p.offers!.filter((o) => o.angle !== 'best' || o.id === 'best-two-months-gift')),
      subscription,
    );
    const monthsOnly = variant(
      (p) => void (p.offers = p.offers!.filter((o) => o.angle !== 'best' || o.id === 'best-two-months')),
      subscription,
    );
    expect(issuesOf(onlyGift)).toEqual([
      'touches.3.angle: no offer within the margin cap of every customer (offerCap: end with one that costs nothing) for angle "best", exit reason "coverage", tier "standard", variant "A"',
    ]);
    // Two months of the customer's own revenue is within a fifth of twelve, whatever they pay.
    expect(issuesOf(monthsOnly)).toEqual([]);
  });

  it('accepts both presets', () => {
    expect(() => parsePolicy(subscription)).not.toThrow();
    expect(() => parsePolicy(telecomPortOut)).not.toThrow();
  });
});

describe('policy selection', () => {
  const policy = (id: string, fields: Partial<PolicyInput> = {}) => parsePolicy({ ...structuredClone(telecomPortOutV1), id, ...fields });

  it('takes the first policy that applies to the churn kind, market and brand', () => {
    const floridaBudget = policy('fl-budget', { appliesTo: { markets: ['US-FL'], brands: ['budget'] } });
    const us = policy('us', { appliesTo: { markets: ['US'] } });
    const budget = policy('budget', { appliesTo: { brands: ['budget'] } });
    const rest = policy('rest', { churnKinds: ['port_out'] });
    const registry = new PolicyRegistry([floridaBudget, us, budget, rest]);

    expect(registry.forChurn({ churnKind: 'port_out', market: 'US-FL', brand: 'budget' })?.id).toBe('fl-budget');
    expect(registry.forChurn({ churnKind: 'port_out', market: 'US-TX', brand: 'budget' })?.id).toBe('us');
    expect(registry.forChurn({ churnKind: 'port_out', market: 'GB', brand: 'budget' })?.id).toBe('budget');
    expect(registry.forChurn({ churnKind: 'port_out' })?.id).toBe('rest');
    expect(registry.forChurn({ churnKind: 'lapse', market: 'GB' })).toBeUndefined();
  });

  it('plans new journeys with the first listed version of a policy and keeps every version for the journeys planned with it', () => {
    const v4 = policy('telecom-port-out', { version: '4' });
    const v3 = parsePolicy(telecomPortOut);
    const registry = deploymentPolicies([v4, v3]);

    expect(registry.forChurn({ churnKind: 'port_out' })).toBe(v4);
    expect(registry.get('telecom-port-out', '3')).toBe(v3);
    // The embedded versions stay for running journeys, but no longer plan any.
    expect(registry.get('telecom-port-out', '1').version).toBe('1');
    expect(registry.get('subscription', '1').id).toBe('subscription');
    expect(registry.forChurn({ churnKind: 'cancellation' })).toBe(v4);
  });

  it('refuses the same version listed twice', () => {
    expect(() => new PolicyRegistry([parsePolicy(telecomPortOut), parsePolicy(telecomPortOut)])).toThrow(/listed twice/);
  });
});

describe('task.outcome events', () => {
  it('need followUpAt exactly for a follow-up', () => {
    const fixture = eventFixture('task-outcome-follow-up');
    expect(parseEvent(fixture).ok).toBe(true);
    expect(parseEvent({ ...fixture, followUpAt: undefined })).toMatchObject({
      ok: false,
      issues: [{ path: 'followUpAt', message: 'is required for a follow_up outcome' }],
    });
    expect(parseEvent({ ...fixture, outcome: 'retained' })).toMatchObject({
      ok: false,
      issues: [{ path: 'followUpAt', message: 'is only for a follow_up outcome' }],
    });
    expect(parseEvent({ ...fixture, outcome: 'maybe', followUpAt: 'soon' })).toMatchObject({
      ok: false,
      issues: [{ path: 'outcome' }, { path: 'followUpAt' }],
    });
  });
});
