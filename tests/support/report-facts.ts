import { FileObjectStore } from '#shared/adapters/local/file-object-store';
import { encodeParquet } from '#shared/adapters/parquet';
import { KpiAggregator } from '#shared/domain/kpi/aggregate';
import { JOURNEY_FACTS, type JourneyFactRow, KPIS, type Row } from '#shared/domain/kpi/tables';
import { factRow } from './kpi-facts.ts';

/**
 * A small night whose report numbers are worked out by hand (tests/integration/report-sql.test.ts):
 *
 * Cohort 2026-03, every journey eligible, segment `standard`, first touch by SMS:
 * - treatment, variant A: 40 journeys, 10 returned within the window after a message;
 * - treatment, variant B: 40 journeys, 20 returned after a message;
 * - control, variants A and B: 20 journeys each, 3 returned each.
 * Each treatment journey was sent one message costing 0.5 (40 in all); each returned treatment
 * journey took an offer costing 2 (60 in all): cost 100.
 * Of the 30 returned treatment customers, 15 have passed their 6-month mark: 12 retained; 10
 * answered the survey: five 9s, three 7s, two 3s.
 * Escalated: three `sales` tasks (two retained, one open), one `partner` task (ported away).
 *
 * Cohort 2026-04: 10 treatment journeys (variant A), one back before the first contact (not a
 * win-back), none sent anything: three had their message fail, two of them with the outcome
 * unknown; 2 control journeys, none back: too small to read.
 */
export function handWorkedFacts(): JourneyFactRow[] {
  const rows: JourneyFactRow[] = [];
  let id = 0;
  const add = (count: number, overrides: Partial<Row>) => {
    for (let i = 0; i < count; i++, id++)
      rows.push(
        factRow({
          customer_hash: `h${id}`,
          journey_id: `j${id}`,
          cohort_month: '2026-03',
          churned_at: Date.parse('2026-03-02T10:00:00Z'),
          ...overrides,
        }),
      );
  };
  const firstContact = { first_contact_at: Date.parse('2026-04-05T10:00:00Z') };
  const sent = { ...firstContact, touches_sent: 1, message_cost: 0.5 };
  const back = {
    returned_within_window: true,
    won_back: true,
    status: 'won_back',
    days_to_return: 50,
    returned_at: Date.parse('2026-04-21T10:00:00Z'),
  };
  const treatmentReturns = (variant: string, count: number, first: number) => {
    for (let i = 0; i < count; i++) {
      const k = first + i;
      add(1, {
        variant,
        ...sent,
        ...back,
        offer_cost: 2,
        retained_6m: k < 12 ? true : k < 15 ? false : null,
        nps: k < 5 ? 9 : k < 8 ? 7 : k < 10 ? 3 : null,
      });
    }
  };
  treatmentReturns('A', 10, 0);
  add(30, { variant: 'A', ...sent, touches_delivered: 1 });
  treatmentReturns('B', 20, 10);
  add(20, { variant: 'B', ...sent, touches_delivered: 1, touches_clicked: 1 });
  for (const variant of ['A', 'B']) {
    add(3, { variant, arm: 'control', ...firstContact, touches_withheld: 1, ...back });
    add(17, { variant, arm: 'control', ...firstContact, touches_withheld: 1 });
  }
  add(2, { task_team: 'sales', task_status: 'retained', channel: 'task', eligible: false, status: 'ineligible' });
  add(1, { task_team: 'sales', task_status: 'open', channel: 'task', eligible: false, status: 'ineligible' });
  add(1, { task_team: 'partner', task_status: 'ported_away', channel: 'task', eligible: false, status: 'ineligible' });
  const april = { cohort_month: '2026-04', churned_at: Date.parse('2026-04-02T10:00:00Z') };
  add(1, { ...april, ...back, won_back: false, returned_before_contact: true, touches_sent: 0 });
  add(1, { ...april, touches_failed: 1 });
  add(2, { ...april, touches_failed: 1, touches_outcome_unknown: 1 });
  add(6, april);
  add(2, { ...april, arm: 'control' });
  return rows;
}

/** Writes the facts and their KPIs (the in-process aggregator, equal to sql/kpis.sql) as the night `date`. */
export async function writeNight(lakeRoot: string, date: string, facts: JourneyFactRow[], costPerAcquisition = 150): Promise<void> {
  const lake = new FileObjectStore(lakeRoot);
  const aggregator = new KpiAggregator();
  for (const fact of facts) aggregator.add(fact);
  await lake.put(
    `${JOURNEY_FACTS.prefix}dt=${date}/part-00000.parquet`,
    encodeParquet(JOURNEY_FACTS, facts),
    'application/vnd.apache.parquet',
  );
  await lake.put(
    `${KPIS.prefix}dt=${date}/part-00000.parquet`,
    encodeParquet(KPIS, aggregator.rows(costPerAcquisition)),
    'application/vnd.apache.parquet',
  );
}
