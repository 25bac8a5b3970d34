import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '#shared/domain/vocabulary';
import { openLake, renderKpiSql, type Lake } from '#shared/adapters/local/duckdb-lake';
import { encodeParquet } from '#shared/adapters/parquet';
import { KpiAggregator } from '#shared/domain/kpi/aggregate';
import { GRAIN_NAMES } from '#shared/domain/kpi/grains';
import { JOURNEY_FACTS, type JourneyFactRow, KPIS, type Row, type TableDefinition } from '#shared/domain/kpi/tables';
import { mulberry32 } from '../../scripts/seeded-random.ts';
import { factRow } from '../support/kpi-facts.ts';

/**
 * The two ways of computing the KPIs — the in-process aggregator of the nightly job and
 * `sql/kpis.sql` run by a SQL engine (Athena at scale, DuckDB here) — agree exactly, double for
 * double, over the same Parquet facts. And the analysts' named queries run over that lake.
 */

const DT = '2026-11-23';
const COST_PER_ACQUISITION = 250;

/** Deterministic pseudo-random numbers (mulberry32): the same facts on every run. */
function random(seed: number) {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

/** A fact row with all its columns, as journeyFactRow would write it; `n` gives its ids and churn hour. */
function fact(values: Partial<Row> & { n: number }): JourneyFactRow {
  const { n, ...overrides } = values;
  return factRow({
    customer_hash: `h${n}`,
    journey_id: `j${n}`,
    cohort_month: '2026-06',
    churned_at: Date.parse('2026-06-01T00:00:00Z') + n * 3_600_000,
    ...overrides,
  });
}

/** Several thousand facts across cohorts, segments, exit reasons, channels, variants and both arms. */
function syntheticFacts(count: number, seed: number): JourneyFactRow[] {
  const r = random(seed);
  const rows: JourneyFactRow[] = [];
  for (let n = 0; n < count; n += 1) {
    const arm = r.chance(0.2) ? 'control' : 'treatment';
    const eligible = !r.chance(0.1);
    const channel = r.pick(['sms', 'sms', 'email', 'push', 'none']);
    const planned = channel === 'none' ? 0 : r.int(1, 3);
    const sent = arm === 'treatment' && eligible ? r.int(0, planned) : 0;
    const delivered = r.int(0, sent);
    const clicked = r.int(0, delivered);
    const failed = r.chance(0.1) ? r.int(1, planned - sent || 1) : 0;
    const returnedAfter = r.chance(0.25) ? r.int(0, 150) : null;
    const withinWindow = returnedAfter !== null && returnedAfter <= 90 && r.chance(0.95);
    const observable6 = returnedAfter !== null && r.chance(0.6);
    const observable12 = observable6 && r.chance(0.5);
    const cohortMonth = r.pick(['2026-03', '2026-04', '2026-05', '2026-06']);
    const escalated = eligible && r.chance(0.15);
    const churnedAt = Date.parse(`${cohortMonth}-01T00:00:00Z`) + r.int(0, 27) * DAY_MS + r.int(0, DAY_MS - 1);
    // First contact: a message sent or withheld, or a task; some returns come before it.
    const firstContact = eligible && (planned > 0 || escalated) && r.chance(0.9) ? churnedAt + r.int(30, 45) * DAY_MS : null;
    const beforeContact = returnedAfter !== null && (firstContact === null || r.chance(0.15));
    rows.push(
      fact({
        n: seed * 1_000_000 + n,
        cohort_month: cohortMonth,
        churned_at: churnedAt,
        churn_kind: r.pick(['port_out', 'cancellation', 'lapse']),
        exit_reason: r.pick(['coverage', 'price', 'support', 'tariff_complexity', 'moved', 'other', 'unknown']),
        segment: r.pick(['high_value', 'standard', 'low_value']),
        arm,
        // 'B' sorts before 'a' by code unit in JS, and must in SQL too.
        variant: r.pick(['A', 'B', 'a-test']),
        policy_id: r.pick(['telecom-port-out', 'subscription']),
        policy_version: r.pick(['1', '2']),
        status: !eligible ? 'ineligible' : withinWindow ? 'won_back' : returnedAfter !== null ? 'returned' : r.pick(['active', 'ended']),
        eligible,
        escalated,
        ineligible_reasons: eligible ? '' : r.pick(['repeat_churner', 'no_consent']),
        channel,
        channels_used: channel === 'none' ? '' : channel,
        touches_planned: planned,
        touches_sent: sent,
        touches_withheld: arm === 'control' && eligible ? planned : 0,
        touches_delivered: delivered,
        touches_clicked: clicked,
        first_contact_at: firstContact,
        message_cost: round6(sent * r.pick([0.05, 0.0123, 0.031415, 0.0075])),
        offer_cost: withinWindow && sent > 0 ? r.pick([0, 5, 12.5, 3.333333]) : 0,
        returned_at: returnedAfter === null ? null : churnedAt + returnedAfter * DAY_MS + r.int(0, DAY_MS - 1),
        days_to_return: returnedAfter,
        returned_within_window: withinWindow,
        returned_before_contact: beforeContact,
        won_back: withinWindow && eligible && !beforeContact,
        revenue_after_return: returnedAfter === null ? 0 : round6(r.next() * 120),
        churned_again_at: observable6 && r.chance(0.3) ? churnedAt + 400 * DAY_MS : null,
        retained_6m: observable6 ? r.chance(0.8) : null,
        retained_12m: observable12 ? r.chance(0.6) : null,
        nps: returnedAfter !== null && r.chance(0.5) ? r.int(0, 10) : null,
        task_team: escalated ? r.pick(['partner', 'sales']) : null,
        task_status: escalated ? r.pick(['open', 'follow_up', 'retained', 'ported_away', 'customer_returned']) : null,
        task_value: escalated ? round6(3000 + r.next() * 9000) : null,
        task_follow_ups: escalated ? r.int(0, 2) : null,
        task_reason: escalated && r.chance(0.5) ? r.pick(['coverage', 'price', 'support']) : null,
        touches_failed: failed,
        touches_outcome_unknown: r.int(0, failed),
      }),
    );
  }
  return rows;
}

/**
 * A cohort to check by hand: variant A treats 100 (18 back) and holds out 50 (5 back), spread
 * over two segments so lift-by-variant must sum counts before dividing.
 */
function handCohort(): JourneyFactRow[] {
  const rows: JourneyFactRow[] = [];
  let n = 9_000_000;
  const add = (count: number, values: Partial<Row>) => {
    for (let i = 0; i < count; i += 1) rows.push(fact({ n: n++, cohort_month: '2025-06', ...values }));
  };
  const back = {
    status: 'won_back',
    returned_within_window: true,
    won_back: true,
    days_to_return: 40,
    returned_at: 0,
    retained_6m: true,
    retained_12m: null,
  };
  // Three of them were handed to the partner team: two retained after a follow-up, one lost.
  const task = { task_team: 'partner', task_value: 5000, task_follow_ups: 1, task_reason: 'price' };
  add(8, { segment: 'standard', ...back });
  add(2, { segment: 'standard', ...back, ...task, task_status: 'retained' });
  add(49, { segment: 'standard' });
  add(1, { segment: 'standard', ...task, task_status: 'ported_away', task_follow_ups: 0, task_reason: 'coverage' });
  add(8, { segment: 'high_value', ...back });
  add(32, { segment: 'high_value' });
  add(3, { segment: 'standard', arm: 'control', ...back });
  add(27, { segment: 'standard', arm: 'control' });
  add(2, { segment: 'high_value', arm: 'control', ...back, retained_6m: false });
  add(18, { segment: 'high_value', arm: 'control' });
  return rows;
}

function aggregate(facts: readonly JourneyFactRow[], costPerAcquisition = COST_PER_ACQUISITION): Row[] {
  const aggregator = new KpiAggregator();
  for (const row of facts) aggregator.add(row);
  return aggregator.rows(costPerAcquisition);
}

function writeParts(lakeRoot: string, table: TableDefinition, dt: string, rows: readonly Row[], parts: number): void {
  const folder = join(lakeRoot, `${table.prefix}dt=${dt}`);
  mkdirSync(folder, { recursive: true });
  const size = Math.ceil(rows.length / parts);
  for (let part = 0; part < parts; part += 1) {
    writeFileSync(
      join(folder, `part-${String(part).padStart(4, '0')}.parquet`),
      encodeParquet(table, rows.slice(part * size, (part + 1) * size)),
    );
  }
}

let lakeRoot: string;
let lake: Lake;
const facts = [...syntheticFacts(4_000, 7), ...handCohort()];
const expected = aggregate(facts);

beforeAll(async () => {
  lakeRoot = mkdtempSync(join(tmpdir(), 'winback-kpi-sql-'));
  writeParts(lakeRoot, JOURNEY_FACTS, DT, facts, 3);
  // The night before, with other facts: the dt filter must leave them out.
  writeParts(lakeRoot, JOURNEY_FACTS, '2026-11-22', syntheticFacts(500, 8), 1);
  // kpis of the same two nights; the named queries read the latest only.
  writeParts(lakeRoot, KPIS, DT, expected, 1);
  writeParts(lakeRoot, KPIS, '2026-11-22', aggregate(syntheticFacts(500, 8)), 1);
  lake = await openLake(lakeRoot);
});

afterAll(() => {
  lake?.close();
  if (lakeRoot) rmSync(lakeRoot, { recursive: true, force: true });
});

describe('sql/kpis.sql in DuckDB', () => {
  it('returns exactly the rows of the aggregator for the same facts', async () => {
    // Act
    const rows = await lake.query(renderKpiSql(DT, COST_PER_ACQUISITION));

    // Assess
    expect(expected.length).toBeGreaterThan(500);
    // Every grain, and the columns of the comparison with the control group.
    expect(new Set(rows.map((row) => row.grain))).toEqual(new Set(GRAIN_NAMES));
    expect(
      expected.some(
        (row) =>
          row.relative_lift_ci_low !== null &&
          row.cost_per_incremental_winback !== null &&
          row.too_small === false &&
          (row.returned_before_contact as number) > 0,
      ),
    ).toBe(true);
    expect(
      expected.some((row) => row.lift !== null && row.median_days_to_return !== null && row.nps !== null && row.retained_12m_rate !== null),
    ).toBe(true);
    expect(rows).toEqual(expected);
    // toEqual does not check key order: the columns come in the table's order too.
    expect(Object.keys(rows[0]!)).toEqual(KPIS.columns.map((c) => c.name));
  });

  it('reads only the night asked for', async () => {
    const rows = await lake.query(renderKpiSql('2026-11-22', 37.5));
    expect(rows).toEqual(aggregate(syntheticFacts(500, 8), 37.5));
  });

  it('answers no rows for a night without facts', async () => {
    expect(await lake.query(renderKpiSql('2020-01-01', 100))).toEqual([]);
  });

  it('agrees exactly on any small set of facts (property)', async () => {
    const key = <T>(values: readonly T[]) => fc.constantFrom(...values);
    const factArbitrary = fc
      .record({
        // Few keys, so treatment groups often meet their control group.
        cohort_month: key(['2026-01', '2026-02']),
        segment: key(['standard', 'high_value']),
        exit_reason: key(['price']),
        // Null keys too: the aggregator must group and pair them exactly as SQL does.
        channel: key(['sms', 'none', null]),
        variant: key(['A', 'B', null]),
        arm: key(['treatment', 'control']),
        eligible: fc.boolean(),
        touches_sent: fc.integer({ min: 0, max: 3 }),
        touches_delivered: fc.integer({ min: 0, max: 3 }),
        touches_clicked: fc.integer({ min: 0, max: 3 }),
        message_cost: fc.integer({ min: 0, max: 5_000_000 }).map((micros) => micros / 1e6),
        offer_cost: fc.integer({ min: 0, max: 50_000_000 }).map((micros) => micros / 1e6),
        days_to_return: fc.option(fc.integer({ min: 0, max: 120 }), { nil: null }),
        returned_within_window: fc.boolean(),
        returned_before_contact: fc.option(fc.boolean(), { nil: null }),
        first_contact_at: fc.option(fc.constant(Date.parse('2026-02-01T00:00:00Z')), { nil: null }),
        policy_version: key(['1', '2']),
        revenue_after_return: fc.integer({ min: 0, max: 500_000_000 }).map((micros) => micros / 1e6),
        retained_6m: fc.option(fc.boolean(), { nil: null }),
        retained_12m: fc.option(fc.boolean(), { nil: null }),
        nps: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null }),
        touches_failed: fc.integer({ min: 0, max: 3 }),
        // Null too, as a file written before the column existed reads: both sides count it 0.
        touches_outcome_unknown: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
        task: fc.option(
          fc.record({
            task_team: key(['partner', 'sales']),
            task_status: key(['open', 'follow_up', 'retained', 'ported_away', 'customer_returned']),
            task_follow_ups: fc.integer({ min: 0, max: 2 }),
          }),
          { nil: null },
        ),
      })
      .map(({ task, ...values }) => ({ ...values, ...task }));
    // Returns within the window without their days as well, which journeyFactRow never writes.
    let night = 0;
    let lifts = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(factArbitrary, { minLength: 1, maxLength: 60, size: 'max' }),
        fc.integer({ min: 1, max: 1_000_000 }),
        async (drawn, cents) => {
          // Prepare: each run its own night in the same lake.
          const dt = new Date(Date.parse('2030-01-01T00:00:00Z') + night++ * DAY_MS).toISOString().slice(0, 10);
          const rows = drawn.map((values, i) => fact({ n: i, ...values }));
          writeParts(lakeRoot, JOURNEY_FACTS, dt, rows, 1);
          const costPerAcquisition = cents / 100;

          // Act
          const fromSql = await lake.query(renderKpiSql(dt, costPerAcquisition));
          // Gone again, so the named queries below still find the fixture's night the latest.
          rmSync(join(lakeRoot, `${JOURNEY_FACTS.prefix}dt=${dt}`), { recursive: true });

          // Assess
          const expectedRows = aggregate(rows, costPerAcquisition);
          expect(fromSql).toEqual(expectedRows);
          lifts += expectedRows.filter((row) => row.lift_ci_low !== null).length;
        },
      ),
      { numRuns: 40, seed: 20261123 },
    );
    // The runs did exercise the interval, not only groups without a control.
    expect(lifts).toBeGreaterThan(20);
  });
});

describe('named queries over the latest night', () => {
  const namedDir = new URL('../../sql/named/', import.meta.url);
  const named = readdirSync(namedDir).filter((file) => file.endsWith('.sql'));
  const run = (file: string) => lake.query(readFileSync(new URL(file, namedDir), 'utf8'));

  it('has the five analysts need, each starting with its description', () => {
    expect(named.sort()).toEqual([
      'cost-per-winback.sql',
      'lift-by-variant.sql',
      'retention-of-returned.sql',
      'task-outcomes.sql',
      'winback-rate-by-cohort.sql',
    ]);
    for (const file of named) expect(readFileSync(new URL(file, namedDir), 'utf8')).toMatch(/^-- \S.{20,}\n/);
  });

  it.each(named)('%s runs and answers rows', async (file) => {
    const rows = await run(file);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((row) => row.cohort_month)).toContain('2025-06');
  });

  it('lift-by-variant pools the segments: 18/100 vs 5/50 is a lift of 0.08 ∓ 0.1121812', async () => {
    const rows = await run('lift-by-variant.sql');
    const hand = rows.find((row) => row.cohort_month === '2025-06' && row.variant === 'A');
    // se = √(0.18·0.82/100 + 0.1·0.9/50) = √0.003276 = 0.0572364; 1.959964 · se = 0.1121812
    expect(hand).toMatchObject({ treatment_eligible: 100, treatment_returned: 18, control_eligible: 50, control_returned: 5 });
    expect(hand!.treatment_rate).toBeCloseTo(0.18, 12);
    expect(hand!.control_rate).toBeCloseTo(0.1, 12);
    expect(hand!.lift).toBeCloseTo(0.08, 12);
    expect(hand!.lift_ci_low).toBeCloseTo(-0.0321812, 6);
    expect(hand!.lift_ci_high).toBeCloseTo(0.1921812, 6);
  });

  it('winback-rate-by-cohort reads the latest night only', async () => {
    const rows = await run('winback-rate-by-cohort.sql');
    const treatment = rows.find((row) => row.cohort_month === '2025-06' && row.arm === 'treatment');
    expect(treatment).toMatchObject({ eligible: 100, returned: 18, winback_rate: 0.18 });
    const eligible = rows.reduce((sum, row) => sum + (row.eligible as number), 0);
    expect(eligible).toBe(facts.filter((f) => f.eligible).length);
  });

  it('task-outcomes counts tasks and outcomes by team and reason for leaving', async () => {
    const rows = await run('task-outcomes.sql');
    expect(rows.filter((row) => row.cohort_month === '2025-06')).toEqual([
      {
        cohort_month: '2025-06',
        team: 'partner',
        reason: 'coverage',
        tasks_opened: 1,
        retained: 0,
        ported_away: 1,
        followed_up: 0,
        retained_rate: 0,
      },
      {
        cohort_month: '2025-06',
        team: 'partner',
        reason: 'price',
        tasks_opened: 2,
        retained: 2,
        ported_away: 0,
        followed_up: 2,
        retained_rate: 1,
      },
    ]);
    const opened = rows.reduce((sum, row) => sum + (row.tasks_opened as number), 0);
    expect(opened).toBe(facts.filter((f) => f.task_team !== null).length);
  });

  it('retention-of-returned weighs each group by its observed returns', async () => {
    // 2025-06: 23 returned, all observable at 6 months; 21 retained (the 2 control returns in high_value were not) → 21/23
    const rows = await run('retention-of-returned.sql');
    const hand = rows.find((row) => row.cohort_month === '2025-06');
    expect(hand).toMatchObject({ returned: 23, retained_6m_observed: 23, retained_12m_observed: 0, retained_12m_rate: null });
    expect(hand!.retained_6m_rate).toBeCloseTo(21 / 23, 12);
  });

  it('cost-per-winback covers the treatment arm and compares with the cost per acquisition', async () => {
    const rows = await run('cost-per-winback.sql');
    const hand = rows.find((row) => row.cohort_month === '2025-06');
    // the hand cohort costs nothing: 0 per win-back, 0 × the CPA
    expect(hand).toMatchObject({
      channel: 'sms',
      returned: 18,
      cost_per_winback: 0,
      cost_per_acquisition: COST_PER_ACQUISITION,
      cost_vs_acquisition: 0,
    });
    const synthetic = rows.filter((row) => row.cohort_month !== '2025-06' && row.cost_per_winback !== null);
    expect(synthetic.length).toBeGreaterThan(0);
    for (const row of synthetic) expect(row.cost_vs_acquisition).toBeCloseTo((row.cost_per_winback as number) / COST_PER_ACQUISITION, 12);
  });
});

describe('the queries of docs/kpis.md, as written', () => {
  const docs = readFileSync(new URL('../../docs/kpis.md', import.meta.url), 'utf8');
  const queries = [...docs.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const latest = expected.filter((row) => row.cohort_month === '2025-06');

  it('has the programme, winner, fine-sum and facts queries', () => {
    expect(queries).toHaveLength(4);
  });

  it.each(queries.map((sql, i) => [i, sql] as const))('query %i runs over the latest night and answers rows', async (_, sql) => {
    const rows = await lake.query(sql);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((row) => row.cohort_month)).toContain('2025-06');
  });

  it('gives the programme rows of the aggregator, and the same numbers from the fine grain', async () => {
    const [programme, , fine, facts] = await Promise.all(queries.map((sql) => lake.query(sql)));
    const treatment = latest.find((row) => row.grain === 'programme' && row.arm === 'treatment')!;
    expect(programme!.find((row) => row.cohort_month === '2025-06')).toMatchObject({
      eligible: treatment.eligible,
      returned: treatment.returned,
      lift: treatment.lift,
      lift_ci_low: treatment.lift_ci_low,
      incremental_winbacks: treatment.incremental_winbacks,
    });
    // hand cohort: treatment 18 of 100, control 5 of 50, counted once although two nights are in the lake
    expect(fine!.filter((row) => row.cohort_month === '2025-06')).toEqual([
      { cohort_month: '2025-06', arm: 'control', eligible: 50, returned: 5, winback_rate: 0.1 },
      { cohort_month: '2025-06', arm: 'treatment', eligible: 100, returned: 18, winback_rate: 0.18 },
    ]);
    expect(facts!.filter((row) => row.cohort_month === '2025-06')).toEqual([
      { cohort_month: '2025-06', arm: 'control', journeys: 50, won_back: 5 },
      { cohort_month: '2025-06', arm: 'treatment', journeys: 100, won_back: 18 },
    ]);
  });
});
