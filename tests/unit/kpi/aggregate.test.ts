import { describe, expect, it } from 'vitest';
import { DAY_MS } from '#shared/domain/vocabulary';
import { histogramMedian, KpiAggregator, liftInterval, Z_95 } from '#shared/domain/kpi/aggregate';
import { JOURNEY_FACTS, type JourneyFactRow, KPIS, type Row } from '#shared/domain/kpi/tables';
import { factRow } from '../../support/kpi-facts.ts';

/**
 * KPI maths against cohorts small enough to count by hand. Every expected number below is
 * worked out in the comment next to it, not by the code under test.
 */

const CHURNED_AT = Date.parse('2026-01-10T09:00:00Z');
let nextJourney = 0;

/** A `journey_facts` row with every one of its columns, with ids of its own: an eligible, untouched, unreturned treatment journey unless overridden. */
function fact(overrides: Partial<Row> = {}): JourneyFactRow {
  nextJourney += 1;
  return factRow({
    customer_hash: `hash-${nextJourney}`,
    journey_id: `journey-${nextJourney}`,
    cohort_month: '2026-01',
    churned_at: CHURNED_AT,
    ...overrides,
  });
}

/** A journey won back within the window after `days` days. */
const returned = (days: number, overrides: Partial<Row> = {}) =>
  fact({ status: 'won_back', returned_at: CHURNED_AT + days * DAY_MS, days_to_return: days, returned_within_window: true, ...overrides });

/** `count` copies of a fact. */
const times = (count: number, make: () => JourneyFactRow) => Array.from({ length: count }, make);

/** The rows of the fine grain (every key at once): one row per group of the facts below. */
function aggregate(facts: readonly JourneyFactRow[], costPerAcquisition = 250): Row[] {
  const aggregator = new KpiAggregator();
  for (const row of facts) aggregator.add(row);
  return aggregator.rows(costPerAcquisition).filter((row) => row.grain === 'fine');
}

const only = (rows: Row[], match: Partial<Row>) => {
  const found = rows.filter((row) => Object.entries(match).every(([name, value]) => row[name] === value));
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('the fact helper', () => {
  it('fills exactly the columns of journey_facts', () => {
    expect(Object.keys(fact())).toEqual(JOURNEY_FACTS.columns.map((c) => c.name));
    expect(JOURNEY_FACTS.columns).toHaveLength(42);
  });
});

describe('KpiAggregator: win-back rate and lift over control', () => {
  // Treatment: 100 eligible, 18 returned. Control: 50 eligible, 5 returned.
  const facts = [
    ...times(18, () => returned(40)),
    ...times(82, () => fact()),
    ...times(5, () => returned(50, { arm: 'control' })),
    ...times(45, () => fact({ arm: 'control' })),
  ];

  it('gives the rates, the lift and its 95% interval computed by hand', () => {
    // Act
    const rows = aggregate(facts);

    // Assess
    const treatment = only(rows, { arm: 'treatment' });
    // winback = 18/100 = 0.18; control = 5/50 = 0.10; lift = 0.18 − 0.10 = 0.08
    expect(treatment).toMatchObject({ journeys: 100, eligible: 100, returned: 18 });
    expect(treatment.winback_rate).toBeCloseTo(0.18, 12);
    expect(treatment.control_rate).toBeCloseTo(0.1, 12);
    expect(treatment.lift).toBeCloseTo(0.08, 12);
    // se = √(0.18·0.82/100 + 0.1·0.9/50) = √(0.001476 + 0.0018) = √0.003276 = 0.0572364
    // half-width = 1.959964 · 0.0572364 = 0.1121812
    // interval = 0.08 ∓ 0.1121812 = [−0.0321812, 0.1921812]: the lift is not significant at 95%
    expect(treatment.lift_ci_low).toBeCloseTo(-0.0321812, 6);
    expect(treatment.lift_ci_high).toBeCloseTo(0.1921812, 6);
  });

  it('leaves the control row without control rate, lift or interval', () => {
    const control = only(aggregate(facts), { arm: 'control' });

    // 5/50 = 0.1
    expect(control.winback_rate).toBeCloseTo(0.1, 12);
    expect(control).toMatchObject({ control_rate: null, lift: null, lift_ci_low: null, lift_ci_high: null });
  });

  it('matches a treatment group only to the control group with the same five other keys', () => {
    // Prepare: a treatment group on email has no control on email.
    const withEmail = [...facts, ...times(10, () => returned(20, { channel: 'email' })), ...times(10, () => fact({ channel: 'email' }))];

    // Act
    const rows = aggregate(withEmail);

    // Assess: 10/20 = 0.5 win-back, but nothing to compare with.
    const email = only(rows, { channel: 'email' });
    expect(email.winback_rate).toBe(0.5);
    expect(email).toMatchObject({ control_rate: null, lift: null, lift_ci_low: null, lift_ci_high: null });
    expect(only(rows, { channel: 'sms', arm: 'treatment' }).lift).toBeCloseTo(0.08, 12);
  });

  it('has a null rate for a group with no eligible journey, and then no lift either', () => {
    // Prepare: the treatment group is all ineligible; its control has 1 of 4 back.
    const rows = aggregate([
      fact({ eligible: false, status: 'ineligible' }),
      returned(10, { arm: 'control' }),
      ...times(3, () => fact({ arm: 'control' })),
    ]);

    // Assess
    const treatment = only(rows, { arm: 'treatment' });
    expect(treatment).toMatchObject({ journeys: 1, eligible: 0, winback_rate: null, lift: null, lift_ci_low: null, lift_ci_high: null });
    expect(treatment.control_rate).toBe(0.25); // 1/4
  });

  it('has a control rate but no lift when the control group has no eligible journey', () => {
    const rows = aggregate([returned(10), fact(), fact({ arm: 'control', eligible: false, status: 'ineligible' })]);

    expect(only(rows, { arm: 'treatment' })).toMatchObject({ winback_rate: 0.5, control_rate: null, lift: null });
  });
});

describe('liftInterval', () => {
  it('is the Wald interval of two proportions', () => {
    const interval = liftInterval(18, 100, 5, 50)!;

    // see above: 0.08 ∓ 1.959964 · 0.0572364
    expect(interval.lift).toBeCloseTo(0.08, 12);
    expect(interval.high - interval.lift).toBeCloseTo(Z_95 * 0.0572364, 6);
    expect(interval.lift - interval.low).toBeCloseTo(0.1121812, 6);
  });

  it('is null when either group is empty', () => {
    expect(liftInterval(0, 0, 1, 10)).toBeNull();
    expect(liftInterval(1, 10, 0, 0)).toBeNull();
  });

  it('collapses to the point when both groups are all or nothing', () => {
    // p1 = 1, p2 = 0: both variances are 0
    expect(liftInterval(10, 10, 0, 5)).toEqual({ lift: 1, low: 1, high: 1 });
  });

  it('uses z = 1.959964 for 95%', () => {
    expect(Z_95).toBeCloseTo(1.959964, 6);
  });
});

describe('median days to return', () => {
  it('takes the middle value of an odd count', () => {
    // 3, 10, 40 → 10; unreturned journeys do not count
    const [row] = aggregate([returned(40), returned(3), fact(), returned(10)]);
    expect(row!.median_days_to_return).toBe(10);
  });

  it('takes the mean of the two middle values of an even count', () => {
    // 5, 7, 20, 60 → (7 + 20) / 2 = 13.5
    const [row] = aggregate([returned(60), returned(7), returned(5), returned(20)]);
    expect(row!.median_days_to_return).toBe(13.5);
  });

  it('is null without returns, and ignores returns outside the window and of ineligible journeys', () => {
    const late = fact({ status: 'returned', returned_at: CHURNED_AT + 120 * DAY_MS, days_to_return: 120, returned_within_window: false });
    const ineligible = returned(1, { eligible: false, status: 'ineligible' });
    const [row] = aggregate([fact(), late, ineligible]);
    expect(row!.median_days_to_return).toBeNull();
  });

  describe('histogramMedian', () => {
    const median = (entries: Array<[number, number]>) => histogramMedian(new Map(entries));

    it('is null for an empty histogram', () => expect(median([])).toBeNull());
    it('is the value of a single observation', () => expect(median([[42, 1]])).toBe(42));
    it('is the value when all observations are equal', () => expect(median([[7, 4]])).toBe(7));
    it('reads counts, not distinct values: 2, 9, 9, 9 → 9', () =>
      expect(
        median([
          [9, 3],
          [2, 1],
        ]),
      ).toBe(9));
    it('averages across a gap: 1, 1, 5, 5 → 3', () =>
      expect(
        median([
          [5, 2],
          [1, 2],
        ]),
      ).toBe(3));
    it('finds the middle of an odd count spread over buckets: 0, 4, 4, 8, 30 → 4', () =>
      expect(
        median([
          [30, 1],
          [0, 1],
          [8, 1],
          [4, 2],
        ]),
      ).toBe(4));
    it('ignores insertion order and zero-day returns count: 0, 0, 1 → 0', () =>
      expect(
        median([
          [1, 1],
          [0, 2],
        ]),
      ).toBe(0));
  });
});

describe('NPS of returned customers', () => {
  it('is % promoters (9–10) minus % detractors (0–6) among answers', () => {
    // 10, 10, 9 promoters; 8, 7 passives; 6, 3 detractors: 100 · (3 − 2) / 7 = 14.2857…
    const scores = [10, 10, 9, 8, 7, 6, 3];
    const [row] = aggregate([...scores.map((nps) => returned(30, { nps })), returned(30), fact()]);
    expect(row!.nps_responses).toBe(7);
    expect(row!.nps).toBeCloseTo(14.285714, 5);
  });

  it('counts only returned-within-window eligible journeys', () => {
    // the returned ones: 9 and 6 → 100 · (1 − 1) / 2 = 0; the other scores do not count
    const [row] = aggregate([
      returned(30, { nps: 9 }),
      returned(30, { nps: 6 }),
      fact({ nps: 0 }),
      fact({ status: 'returned', returned_within_window: false, days_to_return: 100, nps: 0 }),
      returned(30, { eligible: false, status: 'ineligible', nps: 0 }),
    ]);
    expect(row).toMatchObject({ nps_responses: 2, nps: 0 });
  });

  it('is −100 when all answers are detractors and null without answers', () => {
    expect(aggregate([returned(3, { nps: 0 }), returned(3, { nps: 6 })])[0]).toMatchObject({ nps_responses: 2, nps: -100 });
    expect(aggregate([returned(3)])[0]).toMatchObject({ nps_responses: 0, nps: null });
  });
});

describe('retention of returned customers', () => {
  it('is the share retained among those whose mark has passed; null flags are not observable yet', () => {
    // 6 months: true, false, null, true → 2 of 3 observed. 12 months: only one observable, false → 0 of 1.
    const [row] = aggregate([
      returned(10, { retained_6m: true, retained_12m: null }),
      returned(10, { retained_6m: false, retained_12m: false }),
      returned(10, { retained_6m: null, retained_12m: null }),
      returned(10, { retained_6m: true, retained_12m: null }),
      fact({ retained_6m: true, retained_12m: true }), // never returned: flags would be null anyway, and do not count
    ]);
    expect(row).toMatchObject({ returned: 4, retained_6m_observed: 3, retained_12m_observed: 1, retained_12m_rate: 0 });
    expect(row!.retained_6m_rate).toBeCloseTo(2 / 3, 12);
  });

  it('has null rates while nobody is observable', () => {
    const [row] = aggregate([returned(10), returned(12)]);
    expect(row).toMatchObject({ retained_6m_observed: 0, retained_6m_rate: null, retained_12m_observed: 0, retained_12m_rate: null });
  });
});

describe('counts', () => {
  it('counts ineligible journeys in journeys only, but their message cost still counts', () => {
    // 2 eligible (1 sent + delivered + clicked and returned, 1 sent only); 3 ineligible that look busy.
    const busy = { touches_sent: 2, touches_delivered: 2, touches_clicked: 1, message_cost: 0.05, status: 'ineligible', eligible: false };
    const [row] = aggregate([
      returned(20, { touches_sent: 1, touches_delivered: 1, touches_clicked: 1, message_cost: 0.05 }),
      fact({ touches_sent: 2, message_cost: 0.1 }),
      ...times(3, () => fact(busy)),
    ]);
    // message cost over all five journeys: 0.05 + 0.1 + 3 · 0.05 = 0.3
    expect(row).toMatchObject({ journeys: 5, eligible: 2, contacted: 2, delivered: 1, clicked: 1, returned: 1, message_cost: 0.3 });
  });

  it('counts a control journey with withheld touches as not contacted', () => {
    const [row] = aggregate([fact({ arm: 'control', touches_withheld: 2 })]);
    expect(row).toMatchObject({ arm: 'control', eligible: 1, contacted: 0 });
  });

  it('sums the failed touches and those with an unknown outcome over every journey, eligible or not', () => {
    // Journey 1: 2 planned, 1 sent, 1 failed with its outcome unknown (its claim lapsed).
    // Journey 2: 2 planned, both failed: 1 refused by the channel, 1 whose answer was lost (unknown).
    // Journey 3: 2 planned, both sent. Journey 4: ineligible, yet 1 failure (unknown) on record.
    // Journey 5: a fact written before the columns existed (null): counts 0.
    const [row] = aggregate([
      fact({ touches_sent: 1, touches_failed: 1, touches_outcome_unknown: 1 }),
      fact({ touches_failed: 2, touches_outcome_unknown: 1 }),
      fact({ touches_sent: 2 }),
      fact({ status: 'ineligible', eligible: false, touches_failed: 1, touches_outcome_unknown: 1 }),
      fact({ touches_failed: null, touches_outcome_unknown: null }),
    ]);
    // failed: 1 + 2 + 0 + 1 + 0 = 4; outcome unknown: 1 + 1 + 0 + 1 + 0 = 3, of 5 journeys, 4 eligible.
    expect(row).toMatchObject({ journeys: 5, eligible: 4, contacted: 2, touches_failed: 4, touches_outcome_unknown: 3 });
  });

  it('carries the failures to every grain: each grain sums the same journeys', () => {
    const aggregator = new KpiAggregator();
    for (const row of [fact({ touches_failed: 2, touches_outcome_unknown: 1 }), fact({ segment: 'high_value', touches_failed: 1 })])
      aggregator.add(row);
    const rows = aggregator.rows(100);
    // 7 grains; the programme row and the segment rows: 2 + 1 = 3 failed, 1 unknown in all.
    expect(rows.filter((r) => r.grain === 'programme')).toEqual([
      expect.objectContaining({ touches_failed: 3, touches_outcome_unknown: 1 }),
    ]);
    expect(rows.filter((r) => r.grain === 'segment').map((r) => [r.segment, r.touches_failed, r.touches_outcome_unknown])).toEqual([
      ['high_value', 1, 0],
      ['standard', 2, 1],
    ]);
  });
});

describe('cost per win-back against cost per acquisition', () => {
  it('divides message and offer cost by the returns and compares with the CPA', () => {
    // 10 journeys each sent SMS worth 0.05 → 0.50; 4 returned and took an offer worth 5 → 20.00
    // revenue 30 from each return → 120. Cost per win-back = (0.5 + 20) / 4 = 5.125; vs CPA 250 → 0.0205
    const rows = aggregate(
      [
        ...times(4, () => returned(35, { message_cost: 0.05, offer_cost: 5, revenue_after_return: 30 })),
        ...times(6, () => fact({ message_cost: 0.05 })),
      ],
      250,
    );
    expect(rows[0]).toMatchObject({
      message_cost: 0.5,
      offer_cost: 20,
      revenue_returned: 120,
      cost_per_winback: 5.125,
      cost_per_acquisition: 250,
    });
    expect(rows[0]!.cost_vs_acquisition).toBeCloseTo(0.0205, 12);
  });

  it('rounds the summed costs to 6 decimals: 0.1 + 0.2 is 0.3', () => {
    const [row] = aggregate([returned(3, { message_cost: 0.1 }), returned(3, { message_cost: 0.2 })]);
    expect(row!.message_cost).toBe(0.3);
  });

  it('has no cost per win-back without returns', () => {
    const [row] = aggregate([fact({ message_cost: 0.05 })]);
    expect(row).toMatchObject({
      returned: 0,
      cost_per_winback: null,
      cost_vs_acquisition: null,
      cost_per_acquisition: 250,
      revenue_returned: 0,
    });
  });

  it('counts revenue only from returns within the window', () => {
    const [row] = aggregate([
      returned(3, { revenue_after_return: 40 }),
      fact({ status: 'returned', returned_within_window: false, days_to_return: 100, revenue_after_return: 1000 }),
    ]);
    expect(row!.revenue_returned).toBe(40);
  });
});

describe('rows', () => {
  it('has the columns of the kpis table, in order, and no personal data', () => {
    const [row] = aggregate([returned(3)]);
    expect(Object.keys(row!)).toEqual(KPIS.columns.map((c) => c.name));
    expect(Object.keys(row!)).not.toContain('customer_hash');
  });

  it('sorts by cohort month, segment, exit reason, channel, variant and arm', () => {
    const keys = (rows: Row[]) => rows.map((r) => [r.cohort_month, r.segment, r.exit_reason, r.channel, r.variant, r.arm].join('/'));
    const rows = aggregate([
      fact({ cohort_month: '2026-02' }),
      fact({ variant: 'B' }),
      fact({ arm: 'control' }),
      fact({ channel: 'email' }),
      fact({ segment: 'high_value' }),
      fact({ exit_reason: 'price' }),
      fact(),
    ]);
    expect(keys(rows)).toEqual([
      '2026-01/high_value/coverage/sms/A/treatment',
      '2026-01/standard/coverage/email/A/treatment',
      '2026-01/standard/coverage/sms/A/control',
      '2026-01/standard/coverage/sms/A/treatment',
      '2026-01/standard/coverage/sms/B/treatment',
      '2026-01/standard/price/sms/A/treatment',
      '2026-02/standard/coverage/sms/A/treatment',
    ]);
  });

  it('counts the facts and the groups it has seen: two arms in each of the seven grains', () => {
    const aggregator = new KpiAggregator();
    for (const row of [fact(), fact(), fact({ arm: 'control' })]) aggregator.add(row);
    expect(aggregator.factsSeen).toBe(3);
    expect(aggregator.groupCount).toBe(2 * 7);
    expect(aggregator.rows(100)).toHaveLength(2 * 7);
  });

  it('gives no rows for no facts', () => {
    expect(aggregate([])).toEqual([]);
  });
});
