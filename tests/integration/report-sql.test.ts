import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lake, openLake } from '#shared/adapters/local/duckdb-lake';
import { type GroupRow, loadReportData, type ReportData, ReportInputError } from '#shared/report/queries';
import { readReportSql } from '#shared/report/sql-files';
import { handWorkedFacts, writeNight } from '../support/report-facts.ts';

/**
 * The report's queries (sql/report/*.sql) on DuckDB over a night whose numbers were worked out by
 * hand (tests/support/report-facts.ts): every formula of docs/kpis.md, "The report", once.
 */

const NIGHT = '2026-10-01';
let root: string;
let lake: Lake;
let data: ReportData;

const group = (grain: GroupRow['grain'], cohort: string | null, value: string | null) => {
  const found = data.groups.filter((g) => g.grain === grain && g.cohort_month === cohort && g.grain_value === value);
  expect(found, `${grain} ${cohort} ${value}`).toHaveLength(1);
  return found[0]!;
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'winback-report-sql-'));
  await writeNight(root, '2026-09-30', handWorkedFacts().slice(0, 5));
  await writeNight(root, NIGHT, handWorkedFacts());
  lake = await openLake(root);
  data = await loadReportData(lake, readReportSql());
});

afterAll(() => {
  lake.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the report queries, against numbers worked out by hand', () => {
  it('read the latest night unless asked for another, and name the nights there are when asked for a missing one', async () => {
    expect(data.night).toBe(NIGHT);
    expect(
      (await loadReportData(lake, readReportSql(), '2026-09-30')).groups.find((g) => g.grain === 'programme')?.treatment_eligible,
    ).toBe(5);
    await expect(loadReportData(lake, readReportSql(), '2026-09-29')).rejects.toThrow(
      new ReportInputError('the kpis table has no night 2026-09-29; nights with KPIs: 2026-10-01, 2026-09-30'),
    );
  });

  it('give the programme per cohort month: both arms with Wilson intervals, the lift, incremental win-backs and their cost', () => {
    const march = group('programme', '2026-03', null);
    expect(march).toMatchObject({
      treatment_eligible: 80,
      treatment_returned: 30,
      control_eligible: 40,
      control_returned: 6,
      total_cost: 100,
    });
    const expected = {
      treatment_rate: 0.375,
      treatment_rate_ci_low: 0.27694178701531175,
      treatment_rate_ci_high: 0.48451274536857,
      control_rate: 0.15,
      control_rate_ci_low: 0.07061187717320358,
      control_rate_ci_high: 0.2907232436648971,
      lift: 0.225,
      lift_ci_low: 0.0717064127899838,
      lift_ci_high: 0.3782935872100162,
      relative_lift: 1.5,
      relative_lift_ci_low: -0.4752168525930185,
      relative_lift_ci_high: 3.4752168525930185,
      // 2.801585 × √(0.3 × 0.7 × (1/80 + 1/40)), 0.3 = (30 + 6) / (80 + 40).
      min_detectable_lift: 0.2486160250426329,
      incremental_winbacks: 18,
      incremental_winbacks_ci_low: 5.736513023198704,
      incremental_winbacks_ci_high: 30.263486976801296,
      cost_per_incremental_winback: 100 / 18,
      cost_per_acquisition: 150,
      incremental_cost_vs_acquisition: 100 / 18 / 150,
    };
    for (const [column, value] of Object.entries(expected)) expect(march[column as keyof GroupRow], column).toBeCloseTo(value, 12);
    expect(march.too_small).toBe(false);
  });

  it('flag a cohort month with too few returns as too small, and give no cost per incremental win-back without one', () => {
    const april = group('programme', '2026-04', null);
    // The customer back before the first contact is no win-back.
    expect(april).toMatchObject({
      treatment_eligible: 10,
      treatment_returned: 0,
      control_eligible: 2,
      control_returned: 0,
      too_small: true,
    });
    expect(april).toMatchObject({ incremental_winbacks: 0, total_cost: 0, cost_per_incremental_winback: null, relative_lift: null });
  });

  it("show the programme exactly as the kpis table's programme rows of the night", async () => {
    const kpis = await lake.query(
      `SELECT cohort_month, eligible, returned, winback_rate, control_eligible, control_returned, control_rate, lift, lift_ci_low,
         lift_ci_high, relative_lift, incremental_winbacks, min_detectable_lift, too_small, cost_per_incremental_winback,
         incremental_cost_vs_acquisition
       FROM winback.kpis WHERE CAST(dt AS VARCHAR) = '${NIGHT}' AND grain = 'programme' AND arm = 'treatment' ORDER BY cohort_month`,
    );
    const shown = data.groups.filter((g) => g.grain === 'programme');
    expect(shown.map((g) => g.cohort_month)).toEqual(kpis.map((k) => k.cohort_month));
    for (const [i, k] of kpis.entries()) {
      const { cohort_month, eligible, returned, winback_rate, ...same } = k;
      expect({ ...shown[i]! }).toMatchObject({
        treatment_eligible: eligible,
        treatment_returned: returned,
        treatment_rate: winback_rate,
        ...same,
      });
    }
  });

  it('declare a variant the winner only when its lead over the next best is significant', () => {
    const a = group('variant', '2026-03', 'A');
    const b = group('variant', '2026-03', 'B');
    expect([a.treatment_rate, b.treatment_rate]).toEqual([0.25, 0.5]);
    expect(b.lead_over_next).toBeCloseTo(0.25, 12);
    expect(b.lead_over_next_ci_low).toBeCloseTo(0.04502206008611073, 12);
    expect(b.lead_over_next_ci_high).toBeCloseTo(0.45497793991388924, 12);
    expect([a.winner, b.winner]).toEqual([false, true]);
    expect(a.lead_over_next).toBeNull();
    // April's only variant has nothing to lead.
    expect(group('variant', '2026-04', 'A')).toMatchObject({ winner: false, lead_over_next: null });
  });

  it('sum every cohort month of the night into the breakdowns, which add up to the programme', () => {
    const programme = data.groups.filter((g) => g.grain === 'programme');
    const total = (rows: GroupRow[], column: 'treatment_eligible' | 'treatment_returned' | 'control_eligible' | 'control_returned') =>
      rows.reduce((sum, row) => sum + (row[column] ?? 0), 0);
    for (const grain of ['segment', 'exit_reason', 'channel'] as const) {
      const rows = data.groups.filter((g) => g.grain === grain);
      expect(rows.every((row) => row.cohort_month === null)).toBe(true);
      for (const column of ['treatment_eligible', 'treatment_returned', 'control_eligible', 'control_returned'] as const)
        expect(total(rows, column), `${grain} ${column}`).toBe(total(programme, column));
    }
    const standard = group('segment', null, 'standard');
    expect(standard).toMatchObject({
      treatment_eligible: 90,
      treatment_returned: 30,
      control_eligible: 42,
      control_returned: 6,
      too_small: false,
    });
    // 30/90 − 6/42, with its Wald interval, from the counts summed over both cohort months.
    expect(standard.lift).toBeCloseTo(0.19047619047619047, 12);
    expect(standard.lift_ci_low).toBeCloseTo(0.046654523449236984, 12);
    expect(standard.lift_ci_high).toBeCloseTo(0.33429785750314395, 12);
  });

  it('give the funnel of the treatment arm, with returns before the first contact apart', () => {
    expect(data.funnel).toEqual({
      eligible: 90,
      contacted: 80,
      delivered: 50,
      clicked: 20,
      returned: 30,
      returned_before_contact: 1,
      contacted_share: 80 / 90,
      delivered_share: 50 / 90,
      clicked_share: 20 / 90,
      returned_share: 30 / 90,
      returned_before_contact_share: 1 / 90,
      // April: 3 messages failed, 2 of them with the outcome unknown.
      touches_failed: 3,
      touches_outcome_unknown: 2,
    });
  });

  it('give retention with its Wilson interval and the NPS of returned customers, each flagged below 10 customers', () => {
    const march = data.retention.find((r) => r.cohort_month === '2026-03')!;
    expect(march).toMatchObject({
      returned: 36,
      retained_6m_observed: 15,
      retained_6m: 12,
      retained_6m_too_small: false,
      retained_12m_observed: 0,
    });
    expect(march.retained_6m_rate).toBeCloseTo(0.8, 12);
    expect(march.retained_6m_ci_low).toBeCloseTo(0.5481455128483065, 12);
    expect(march.retained_6m_ci_high).toBeCloseTo(0.9295245065301844, 12);
    expect(march).toMatchObject({ retained_12m_rate: null, retained_12m_too_small: true });
    // 100 × (5 promoters − 2 detractors) / 10 answers.
    expect(march).toMatchObject({ nps_responses: 10, nps: 30, nps_too_small: false });
  });

  it('count retention tasks by team and outcome', () => {
    expect(data.tasks).toEqual([
      { team: 'partner', outcome: 'ported_away', tasks: 1 },
      { team: 'sales', outcome: 'open', tasks: 1 },
      { team: 'sales', outcome: 'retained', tasks: 2 },
    ]);
  });
});
