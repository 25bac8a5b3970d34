import { describe, expect, it } from 'vitest';
import { KpiAggregator } from '#shared/domain/kpi/aggregate';
import { GRAIN_NAMES, GRAINS, KEY_COLUMNS } from '#shared/domain/kpi/grains';
import type { JourneyFactRow, KpiRow, Row } from '#shared/domain/kpi/tables';
import { factRow } from '../../support/kpi-facts.ts';

/** The grains of the kpis table, on a cohort small enough to count by hand. */

let n = 0;
const fact = (overrides: Partial<Row> = {}): JourneyFactRow =>
  factRow({
    customer_hash: `g${++n}`,
    journey_id: `gj${n}`,
    cohort_month: '2026-03',
    churned_at: Date.parse('2026-03-02T10:00:00Z'),
    ...overrides,
  });
const back = (overrides: Partial<Row> = {}) =>
  fact({
    status: 'won_back',
    returned_within_window: true,
    returned_at: Date.parse('2026-04-20T10:00:00Z'),
    days_to_return: 49,
    ...overrides,
  });
const times = (count: number, make: () => JourneyFactRow) => Array.from({ length: count }, make);

function rowsOf(facts: readonly JourneyFactRow[]): KpiRow[] {
  const aggregator = new KpiAggregator();
  for (const row of facts) aggregator.add(row);
  return aggregator.rows(150);
}

// Variant A: 60 treated (12 back: 8 by SMS, 4 by e-mail), 30 held out (3 back).
// Variant B: 40 treated (10 back, all SMS), 20 held out (2 back, e-mail).
const cohort = [
  ...times(8, () => back()),
  ...times(4, () => back({ channel: 'email' })),
  ...times(48, () => fact()),
  ...times(3, () => back({ arm: 'control' })),
  ...times(27, () => fact({ arm: 'control' })),
  ...times(10, () => back({ variant: 'B' })),
  ...times(30, () => fact({ variant: 'B' })),
  ...times(2, () => back({ variant: 'B', arm: 'control', channel: 'email' })),
  ...times(18, () => fact({ variant: 'B', arm: 'control' })),
];
const rows = rowsOf(cohort);
const find = (grain: string, keys: Partial<Row>) =>
  rows.filter((r) => r.grain === grain && Object.entries(keys).every(([name, value]) => (r as Row)[name] === value));

describe('kpis grains', () => {
  it('counts every fact once in every grain', () => {
    // 150 journeys, 150 eligible, 27 returned, in each grain
    for (const grain of GRAIN_NAMES) {
      const of = rows.filter((r) => r.grain === grain);
      expect(of.reduce((sum, r) => sum + r.journeys!, 0)).toBe(150);
      expect(of.reduce((sum, r) => sum + r.returned!, 0)).toBe(27);
    }
  });

  it('keeps only the grain key columns, the others null', () => {
    for (const row of rows) {
      const kept: readonly string[] = GRAINS[row.grain as keyof typeof GRAINS];
      for (const name of KEY_COLUMNS) expect(row[name] === null).toBe(!kept.includes(name));
    }
  });

  it('gives the programme row of the cohort month, with its control group', () => {
    // treatment 22/100 = 0.22, control 5/50 = 0.10, lift 0.12; incremental = 22 − 0.1 · 100 = 12
    const [control, treatment] = find('programme', { cohort_month: '2026-03' });
    expect(control).toMatchObject({ arm: 'control', eligible: 50, returned: 5, lift: null, too_small: null });
    expect(treatment).toMatchObject({ arm: 'treatment', eligible: 100, returned: 22, control_eligible: 50, control_returned: 5 });
    expect(treatment!.lift).toBeCloseTo(0.12, 12);
    expect(treatment!.incremental_winbacks).toBeCloseTo(12, 12);
    expect(treatment!.too_small).toBe(false);
  });

  it('gives one row per variant and arm, each paired with its own control group: the winner is readable', () => {
    // A: 12/60 = 0.2 vs 3/30 = 0.1 → 0.1; B: 10/40 = 0.25 vs 2/20 = 0.1 → 0.15: B leads
    const a = find('variant', { variant: 'A', arm: 'treatment' })[0]!;
    const b = find('variant', { variant: 'B', arm: 'treatment' })[0]!;
    expect(a).toMatchObject({ policy_id: 'telecom-port-out', policy_version: null, control_eligible: 30, control_returned: 3 });
    expect(a.lift).toBeCloseTo(0.1, 12);
    expect(b.lift).toBeCloseTo(0.15, 12);
    // B's control has 2 returns (< 5): too small to read
    expect(b.too_small).toBe(true);
  });

  it('pairs a channel with the control group of the same first channel only', () => {
    // e-mail: treatment 4/4 back, control 2/2 back (B's); sms: treatment 18/96, control 3/48
    const email = find('channel', { channel: 'email', arm: 'treatment' })[0]!;
    expect(email).toMatchObject({ eligible: 4, returned: 4, control_eligible: 2, control_returned: 2, too_small: true });
    const sms = find('channel', { channel: 'sms', arm: 'treatment' })[0]!;
    expect(sms).toMatchObject({ eligible: 96, returned: 18, control_eligible: 48, control_returned: 3 });
  });

  it('sorts by grain, the key columns and arm, nulls last', () => {
    const grains = rows.map((r) => r.grain);
    expect(grains).toEqual([...grains].sort());
    expect(new Set(grains)).toEqual(new Set(GRAIN_NAMES));
  });
});
