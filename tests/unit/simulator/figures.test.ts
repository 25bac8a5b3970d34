import { describe, expect, it } from 'vitest';
import { minimumDetectableLift } from '#shared/domain/kpi/stats';
import { parsePolicy } from '#shared/domain/policy';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { AssumptionsSchema, DEFAULT_ASSUMPTIONS, responseRate } from '#shared/simulator/assumptions';
import { type CustomerOutcome, type JourneyOutcome, localHour, type MessageOutcome } from '#shared/simulator/outcome';
import { summarize } from '#shared/simulator/summary';
import { addOutcome, addTallies, mondayOf, newTally, projectJourney } from '#shared/simulator/tally';

const policy = parsePolicy(telecomPortOut);
const CHURN = Date.parse('2026-03-02T09:00:00Z');
const DAY = 86_400_000;

function message(touch: number, day: number, overrides: Partial<MessageOutcome> = {}): MessageOutcome {
  const [angle, offerId] = touch === 1 ? ['fix', 'fix-price'] : ['offer', 'offer-profile'];
  return {
    touchId: `j-${touch}`,
    touch,
    angle,
    offerId,
    channel: 'sms',
    atMs: CHURN + day * DAY + 3_600_000,
    daySinceChurn: day,
    localHour: 11,
    parts: 1,
    cost: 0.01,
    withheld: false,
    ...overrides,
  };
}

function journey(overrides: Partial<JourneyOutcome>): JourneyOutcome {
  return {
    journeyId: 'j',
    policy: 'telecom-port-out@2',
    churnedAtMs: CHURN,
    status: 'active',
    ineligibleReasons: [],
    arm: 'treatment',
    variant: 'A',
    tier: 'mid',
    exitReason: 'price',
    monthlyRevenue: 30,
    messages: [],
    ...overrides,
  };
}

const customer = (customerId: string, journeys: JourneyOutcome[], unplannedChurns: string[] = []): CustomerOutcome => ({
  customerId,
  unplannedChurns,
  journeys,
});

describe('projections', () => {
  it('project a two-touch journey: P = b + (1 − b)(1 − Π(1 − u)), offer k priced by what message k adds', () => {
    // b = 0.05, u = 0.054 for both (day 35 and day 70); offer 1 costs 0, offer 2 costs 20.
    // P = 0.05 + 0.95 × (1 − 0.946²) = 0.1498298; offers: 0.95 × 0.946 × 0.054 × 20 = 0.970596.
    const projected = projectJourney(journey({ messages: [message(1, 35), message(2, 70)] }), policy, DEFAULT_ASSUMPTIONS, 0.05);
    expect(projected.winback).toBeCloseTo(0.1498298, 12);
    expect(projected.incremental).toBeCloseTo(0.0998298, 12);
    expect(projected.offerCost).toBeCloseTo(0.970596, 12);
  });

  it('count a message in the first 30 days at the early rate, a retention task at its own, and the baseline at the first offer', () => {
    // Day 15: u = 0.02 (the rule up to day 29 is more specific than the catch-all).
    expect(projectJourney(journey({ messages: [message(1, 15)] }), policy, DEFAULT_ASSUMPTIONS, 0.05).winback).toBeCloseTo(
      0.05 + 0.95 * 0.02,
      12,
    );
    // Escalated instead of touches: P = 0.05 + 0.95 × 0.25 = 0.2875.
    expect(projectJourney(journey({ escalation: { team: 'sales', dueAtMs: CHURN } }), policy, DEFAULT_ASSUMPTIONS, 0.05).winback).toBe(
      0.2875,
    );
    // The baseline's returners take the first message's offer: 0.1 × 20 = 2.
    const only2 = projectJourney(journey({ messages: [message(2, 70)] }), policy, { ...DEFAULT_ASSUMPTIONS, responseRates: [] }, 0.1);
    expect(only2.offerCost).toBeCloseTo(2, 12);
  });

  it('pick the most specific response rule, the first of equals', () => {
    const assumptions = AssumptionsSchema.parse({
      responseRates: [
        { rate: 0.01 },
        { angle: 'offer', rate: 0.02 },
        { angle: 'offer', tier: 'high', rate: 0.03 },
        { tier: 'high', exitReason: 'price', rate: 0.04 },
        { angle: 'offer', fromDay: 60, toDay: 90, rate: 0.05 },
      ],
    });
    const rate = (angle: string, tier: string, daySinceChurn: number) =>
      responseRate(assumptions, { angle, tier, exitReason: 'price', daySinceChurn });
    expect(rate('fix', 'mid', 35)).toBe(0.01);
    expect(rate('offer', 'mid', 35)).toBe(0.02);
    expect(rate('offer', 'high', 35)).toBe(0.03);
    expect(rate('offer', 'mid', 70)).toBe(0.05);
    expect(rate('fix', 'high', 35)).toBe(0.04);
    expect(
      responseRate(AssumptionsSchema.parse({ responseRates: [] }), { angle: 'fix', tier: 'mid', exitReason: 'price', daySinceChurn: 1 }),
    ).toBe(0);
  });
});

describe('the summary of a hand-made cohort', () => {
  const outcomes = [
    customer('a', [journey({ messages: [message(1, 35), message(2, 70)] })]),
    customer('b', [
      journey({ arm: 'control', messages: [message(1, 35, { withheld: true, cost: 0 }), message(2, 70, { withheld: true, cost: 0 })] }),
    ]),
    customer('c', [journey({ status: 'ineligible', ineligibleReasons: ['repeat_churner', 'below_value_floor'] })]),
    // Due on Wednesday 1 April 2026: the week of Monday 30 March.
    customer('d', [journey({ escalation: { team: 'sales', dueAtMs: Date.parse('2026-04-01T09:00:00Z') } })]),
    customer('e', [], ['no_policy_for_churn']),
  ];
  const tally = newTally();
  for (const outcome of outcomes) addOutcome(tally, outcome, policy, DEFAULT_ASSUMPTIONS);
  const summary = summarize(tally, policy, DEFAULT_ASSUMPTIONS);

  it('counts customers, eligible, excluded by reason, held out and escalated per team and week', () => {
    expect(summary).toMatchObject({ customers: 5, churns: 5, journeys: 4, eligible: 3, heldOut: 1 });
    expect(summary.excluded).toEqual({ total: 2, byReason: { below_value_floor: 1, no_policy_for_churn: 1, repeat_churner: 1 } });
    expect(summary.escalated).toEqual({ total: 1, byTeam: { sales: 1 }, byTeamWeek: [{ team: 'sales', week: '2026-03-30', tasks: 1 }] });
  });

  it('counts messages per channel, SMS parts, and sends by day since churn and by local hour', () => {
    expect(summary.messages).toMatchObject({ sent: 2, withheld: 2, smsParts: 2, byChannel: { sms: { messages: 2, parts: 2 } } });
    expect(summary.messages.byDaySinceChurn).toEqual([
      { day: 35, messages: 1 },
      { day: 70, messages: 1 },
    ]);
    expect(summary.messages.byLocalHour[11]).toEqual({ hour: 11, messages: 2 });
    expect(summary.messages.byLocalHour.reduce((sum, h) => sum + h.messages, 0)).toBe(2);
  });

  it('gives costs, projections and the minimum detectable lift by their formulas', () => {
    // Treatment a: P = 0.1498298, offers 0.970596; escalated d: P = 0.2875. Messages 2 × 0.01.
    expect(summary.cost).toEqual({
      messages: 0.02,
      offers: 0.970596,
      total: 0.990596,
      perProjectedWinback: 2.265100617, // 0.990596 / 0.4373298
      budgetPerWinback: { low: 15, high: 22.5 },
      withinBudget: true,
    });
    expect(summary.projection).toEqual({
      winbacks: 0.4373298,
      controlWinbacks: 0.05,
      incrementalWinbacks: 0.3373298,
      costPerIncrementalWinback: 2.936580166, // 0.990596 / 0.3373298
      costPerAcquisition: 150,
      costPerIncrementalWinbackOfAcquisition: 0.019577201,
    });
    // One automated journey (a) against one control (b), p = 0.05: 2.8015852 × √(0.0475 × 2).
    expect(summary.holdout).toEqual({ automated: 1, control: 1, baselineRate: 0.05, minimumDetectableLift: 0.863506557 });
    expect(summary.backtest).toBeNull();
  });

  it('adds the tallies of two halves of a cohort into the tally of the whole', () => {
    const first = newTally();
    const second = newTally();
    for (const [i, outcome] of outcomes.entries()) addOutcome(i % 2 ? first : second, outcome, policy, DEFAULT_ASSUMPTIONS);
    expect(summarize(addTallies(first, second), policy, DEFAULT_ASSUMPTIONS)).toEqual(summary);
  });

  it('reports a backtest: returns, contacted before returning, returned before any contact', () => {
    const backtest = newTally();
    addOutcome(
      backtest,
      customer('r1', [journey({ status: 'won_back', messages: [message(1, 35)], returnedAtMs: CHURN + 50 * DAY })]),
      policy,
      DEFAULT_ASSUMPTIONS,
    );
    addOutcome(
      backtest,
      customer('r2', [journey({ status: 'won_back', messages: [], returnedAtMs: CHURN + 20 * DAY })]),
      policy,
      DEFAULT_ASSUMPTIONS,
    );
    addOutcome(
      backtest,
      customer('r3', [
        journey({ status: 'returned', arm: 'control', messages: [message(1, 35, { withheld: true })], returnedAtMs: CHURN + 100 * DAY }),
      ]),
      policy,
      DEFAULT_ASSUMPTIONS,
    );
    expect(summarize(backtest, policy, DEFAULT_ASSUMPTIONS).backtest).toEqual({
      returns: 3,
      withinWindow: 2,
      contactedBefore: 2,
      returnedBeforeFirstContact: 1,
      messagesBefore: 2,
    });
  });
});

describe('minimumDetectableLift', () => {
  it('is (z_0.975 + z_0.8) √(p(1 − p)(1/n_t + 1/n_c)), null without a group', () => {
    // 2.8015852 × √(0.0475 × (1/900 + 1/100)) = 0.064362
    expect(minimumDetectableLift(0.05, 900, 100)).toBeCloseTo(0.06436197871600746, 14);
    expect(minimumDetectableLift(0.05, 900, 0)).toBeNull();
  });
});

describe('mondayOf', () => {
  it('gives the Monday of the UTC week', () => {
    expect(mondayOf(Date.parse('2026-03-30T00:00:00Z'))).toBe('2026-03-30');
    expect(mondayOf(Date.parse('2026-04-05T23:59:59Z'))).toBe('2026-03-30');
    expect(mondayOf(Date.parse('2026-04-06T00:00:00Z'))).toBe('2026-04-06');
  });
});

describe('localHour', () => {
  it('is the hour of the wall clock in the zone, across a DST change', () => {
    // New York: UTC−5 in winter, UTC−4 from 8 March 2026 at 2:00.
    expect(localHour(Date.parse('2026-03-07T15:30:00Z'), 'America/New_York')).toBe(10);
    expect(localHour(Date.parse('2026-03-09T15:30:00Z'), 'America/New_York')).toBe(11);
    expect(localHour(Date.parse('2026-03-02T23:30:00Z'), 'Europe/Berlin')).toBe(0);
    expect(localHour(Date.parse('2026-03-02T23:30:00Z'), 'UTC')).toBe(23);
  });
});
