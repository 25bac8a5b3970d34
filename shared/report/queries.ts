import * as z from 'zod';
import type { SqlReader } from '#shared/ports/sql-reader';

/**
 * The report's queries: `sql/report/<name>.sql`, portable between Athena and DuckDB, each with the
 * placeholder `{{dt}}` (the night) and a row schema checked here. The SQL files are the one place
 * that knows the KPI tables' columns: the page reads only what these schemas name, so a change
 * of the tables is met in the SQL.
 */

const count = z.number().int().nonnegative();
const number = z.number().nullable();
const text = z.string().nullable();

/** One group of `groups.sql`: treatment against control, in one grain. */
export const GroupRow = z.object({
  grain: z.enum(['programme', 'variant', 'segment', 'exit_reason', 'channel']),
  cohort_month: text,
  /** The variant's policy (variant rows only). */
  policy_id: text,
  grain_value: text,
  treatment_eligible: count,
  treatment_returned: count,
  treatment_rate: number,
  treatment_rate_ci_low: number,
  treatment_rate_ci_high: number,
  /** Null on a programme or variant row without a control group, as in the kpis table. */
  control_eligible: count.nullable(),
  control_returned: count.nullable(),
  control_rate: number,
  control_rate_ci_low: number,
  control_rate_ci_high: number,
  lift: number,
  lift_ci_low: number,
  lift_ci_high: number,
  relative_lift: number,
  relative_lift_ci_low: number,
  relative_lift_ci_high: number,
  incremental_winbacks: number,
  incremental_winbacks_ci_low: number,
  incremental_winbacks_ci_high: number,
  min_detectable_lift: number,
  total_cost: z.number(),
  cost_per_incremental_winback: number,
  cost_per_acquisition: number,
  incremental_cost_vs_acquisition: number,
  too_small: z.boolean(),
  lead_over_next: number,
  lead_over_next_ci_low: number,
  lead_over_next_ci_high: number,
  winner: z.boolean(),
});
export type GroupRow = z.infer<typeof GroupRow>;
export type Grain = GroupRow['grain'];

/** `funnel.sql`: the treatment arm's eligible journeys, stage by stage. */
export const FunnelRow = z.object({
  eligible: count,
  contacted: count,
  delivered: count,
  clicked: count,
  returned: count,
  returned_before_contact: count,
  contacted_share: number,
  delivered_share: number,
  clicked_share: number,
  returned_share: number,
  returned_before_contact_share: number,
  /** Messages of the treatment arm recorded failed, and among them those that may have gone out. */
  touches_failed: count,
  touches_outcome_unknown: count,
});
export type FunnelRow = z.infer<typeof FunnelRow>;

/** `retention.sql`: returned customers' retention and NPS, per cohort month. */
export const RetentionRow = z.object({
  cohort_month: z.string(),
  returned: count,
  retained_6m_observed: count,
  retained_6m: count,
  retained_6m_rate: number,
  retained_6m_ci_low: number,
  retained_6m_ci_high: number,
  retained_6m_too_small: z.boolean(),
  retained_12m_observed: count,
  retained_12m: count,
  retained_12m_rate: number,
  retained_12m_ci_low: number,
  retained_12m_ci_high: number,
  retained_12m_too_small: z.boolean(),
  nps_responses: count,
  nps: number,
  nps_too_small: z.boolean(),
});
export type RetentionRow = z.infer<typeof RetentionRow>;

/** `tasks.sql`: retention tasks per team and outcome. */
export const TaskRow = z.object({ team: z.string(), outcome: z.string(), tasks: count });
export type TaskRow = z.infer<typeof TaskRow>;

/** `nights.sql`: the nights with KPIs, latest first. */
export const NightRow = z.object({ dt: z.iso.date() });

export const REPORT_QUERIES = {
  nights: NightRow,
  groups: GroupRow,
  funnel: FunnelRow,
  retention: RetentionRow,
  tasks: TaskRow,
} as const;
export type ReportQueryName = keyof typeof REPORT_QUERIES;
export const REPORT_QUERY_NAMES = Object.keys(REPORT_QUERIES) as ReportQueryName[];

/** The text of each `sql/report/<name>.sql`, read from disk or embedded in a bundle. */
export type ReportSql = Readonly<Record<ReportQueryName, string>>;

/** Everything the page shows, as the queries answered it for one night. */
export interface ReportData {
  night: string;
  /** The latest night with KPIs (`night` itself, unless an older night was asked for). */
  latestNight: string;
  groups: GroupRow[];
  funnel: FunnelRow;
  retention: RetentionRow[];
  tasks: TaskRow[];
}

/** Thrown when the KPI tables have no night to report, or not the one asked for. */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
}

/** A query answered rows its schema refuses: the SQL and the page disagree on a column. */
export class ReportQueryError extends Error {
  override name = 'ReportQueryError';
}

/**
 * Fills `{{dt}}` with the night, checked to be a real `YYYY-MM-DD` date, so nothing else reaches the SQL.
 * @throws ReportInputError naming the date
 */
export function fillReportSql(template: string, dt: string): string {
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(dt) && new Date(`${dt}T00:00:00Z`).toISOString().slice(0, 10) === dt;
  if (!valid) throw new ReportInputError(`date must be a day, YYYY-MM-DD: ${JSON.stringify(dt)}`);
  return template.replaceAll('{{dt}}', dt);
}

/** Runs one report query for the night and checks its rows. @throws ReportQueryError naming the query, row and column */
export async function runReportQuery<N extends ReportQueryName>(
  reader: SqlReader,
  sql: ReportSql,
  name: N,
  night: string,
): Promise<Array<z.infer<(typeof REPORT_QUERIES)[N]>>> {
  const rows = await reader.query(fillReportSql(sql[name], night));
  const schema = REPORT_QUERIES[name];
  return rows.map((row, index) => {
    const parsed = schema.safeParse(row);
    if (parsed.success) return parsed.data as z.infer<(typeof REPORT_QUERIES)[N]>;
    const issue = parsed.error.issues[0]!;
    throw new ReportQueryError(`sql/report/${name}.sql, row ${index + 1}, column ${issue.path.join('.')}: ${issue.message}`);
  });
}

/**
 * Runs every report query for `date`, or for the latest night with KPIs when no date is given.
 * @throws ReportInputError when there is no such night
 */
export async function loadReportData(reader: SqlReader, sql: ReportSql, date?: string): Promise<ReportData> {
  // `nights.sql` has no placeholder; any valid date fills it.
  const nights = (await runReportQuery(reader, sql, 'nights', '1970-01-01')).map((row) => row.dt);
  if (date !== undefined) fillReportSql('', date);
  const night = date ?? nights[0];
  if (night === undefined) throw new ReportInputError('the kpis table has no night yet: run the nightly job first');
  if (!nights.includes(night))
    throw new ReportInputError(`the kpis table has no night ${night}; nights with KPIs: ${nights.slice(0, 5).join(', ')}`);
  // An aggregate without GROUP BY: always one row.
  const [funnel] = await runReportQuery(reader, sql, 'funnel', night);
  return {
    night,
    latestNight: nights[0]!,
    groups: await runReportQuery(reader, sql, 'groups', night),
    funnel: funnel!,
    retention: await runReportQuery(reader, sql, 'retention', night),
    tasks: await runReportQuery(reader, sql, 'tasks', night),
  };
}

/**
 * How the page names each query's rows (`data-key` of every number): the columns that tell the
 * rows of that query apart, joined with `|`.
 */
export const ROW_KEYS: { readonly [N in ReportQueryName]: (row: z.infer<(typeof REPORT_QUERIES)[N]>) => string } = {
  nights: (row) => row.dt,
  groups: (row) => [row.grain, row.cohort_month ?? '', row.policy_id ?? '', row.grain_value ?? ''].join('|'),
  funnel: () => '',
  retention: (row) => row.cohort_month,
  tasks: (row) => `${row.team}|${row.outcome}`,
};
