import { renderChart } from './charts.ts';
import { section } from './group-sections.ts';
import { escapeHtml, figure, numberSpan, type Source, type TableColumn, table, valueWithInterval, warning } from './html.ts';
import { FUNNEL_STAGES, funnelChart, npsChart, retentionChart, tasksChart } from './outcome-charts.ts';
import { type FunnelRow, ROW_KEYS, type RetentionRow, type TaskRow } from './queries.ts';

/** The report's sections on what happened: the funnel, retention and NPS of returned customers, retention tasks. */

/** Eligible → contacted → delivered → clicked → won back, and returns before the first contact apart. */
export async function funnelSection(funnel: FunnelRow): Promise<string> {
  const source: Source = { query: 'funnel', key: ROW_KEYS.funnel(funnel) };
  const columns: TableColumn<(typeof FUNNEL_STAGES)[number]>[] = [
    { header: 'Stage', cell: (stage) => escapeHtml(stage.label) },
    { header: 'Customers', numeric: true, cell: (stage) => numberSpan(source, stage.column, 'count', funnel[stage.column]) },
    {
      header: 'Share of eligible',
      numeric: true,
      cell: (stage) => (stage.share === undefined ? '' : numberSpan(source, stage.share, 'rate', funnel[stage.share])),
    },
  ];
  if (funnel.eligible === 0) return section('funnel', 'Funnel', '<p>No eligible journey in the treatment arm yet.</p>');
  const chart = figure(
    'funnel',
    await renderChart(funnelChart(funnel)),
    'Treatment arm, all cohort months of the night; in brown, customers back before the first contact.',
  );
  return section('funnel', 'Funnel', `<div class="charts">${chart}</div>${table(columns, FUNNEL_STAGES)}${failures(funnel, source)}`);
}

/** The messages that failed, and among them those whose outcome is unknown (sent or not: never sent again). */
function failures(funnel: FunnelRow, source: Source): string {
  const failed = numberSpan(source, 'touches_failed', 'count', funnel.touches_failed);
  const unknown = numberSpan(source, 'touches_outcome_unknown', 'count', funnel.touches_outcome_unknown);
  return `<p class="note">Messages failed: ${failed}, of which outcome unknown (they may have gone out): ${unknown}.</p>`;
}

/** Retention at 6 and 12 months and NPS of returned customers, per cohort month. */
export async function retentionSection(retention: RetentionRow[]): Promise<string> {
  const source = (row: RetentionRow): Source => ({ query: 'retention', key: ROW_KEYS.retention(row) });
  const n = (row: RetentionRow, column: keyof RetentionRow, kind: Parameters<typeof numberSpan>[2]) =>
    numberSpan(source(row), column, kind, row[column] as number | null);
  const flag = (small: boolean) => (small ? ' <span class="badge">too small</span>' : '');
  const rate = (row: RetentionRow, horizon: '6m' | '12m') => {
    const columns: [string, string, string] = [`retained_${horizon}_rate`, `retained_${horizon}_ci_low`, `retained_${horizon}_ci_high`];
    const values = columns.map((c) => row[c as keyof RetentionRow] as number | null) as [number | null, number | null, number | null];
    const small =
      horizon === '6m'
        ? row.retained_6m_too_small && row.retained_6m_observed > 0
        : row.retained_12m_too_small && row.retained_12m_observed > 0;
    return `${valueWithInterval(source(row), columns, 'rate', values)}${flag(small)}`;
  };
  const columns: TableColumn<RetentionRow>[] = [
    { header: 'Cohort month', cell: (r) => escapeHtml(r.cohort_month) },
    { header: 'Returned', numeric: true, cell: (r) => n(r, 'returned', 'count') },
    { group: 'After 6 months', header: 'Observed', numeric: true, cell: (r) => n(r, 'retained_6m_observed', 'count') },
    { group: 'After 6 months', header: 'Retained', numeric: true, definition: 'below: 95% Wilson interval', cell: (r) => rate(r, '6m') },
    { group: 'After 12 months', header: 'Observed', numeric: true, cell: (r) => n(r, 'retained_12m_observed', 'count') },
    { group: 'After 12 months', header: 'Retained', numeric: true, definition: 'below: 95% Wilson interval', cell: (r) => rate(r, '12m') },
    { group: 'NPS', header: 'Answers', numeric: true, cell: (r) => n(r, 'nps_responses', 'count') },
    { group: 'NPS', header: 'Score', numeric: true, cell: (r) => `${n(r, 'nps', 'score')}${flag(r.nps_too_small && r.nps_responses > 0)}` },
  ];
  if (retention.length === 0) return section('retention', 'Returned customers', '<p>No cohort yet.</p>');
  const charts = [
    retention.some((r) => r.retained_6m_rate !== null || r.retained_12m_rate !== null)
      ? figure(
          'retention',
          await renderChart(retentionChart(retention)),
          'Only customers whose 6- or 12-month mark has passed count; pale: too small to read.',
        )
      : '<p class="note">No returned customer has reached the 6-month mark yet.</p>',
    retention.some((r) => r.nps !== null)
      ? figure(
          'nps',
          await renderChart(npsChart(retention)),
          'From −100 (all detractors) to +100 (all promoters); pale: fewer than 10 answers.',
        )
      : '<p class="note">No returned customer has answered the survey yet.</p>',
  ];
  const small = retention.filter(
    (r) =>
      (r.retained_6m_too_small && r.retained_6m_observed > 0) ||
      (r.retained_12m_too_small && r.retained_12m_observed > 0) ||
      (r.nps_too_small && r.nps_responses > 0),
  );
  const caution =
    small.length > 0
      ? warning(
          `${small.length} cohort month${small.length === 1 ? ' has' : 's have'} a retention rate or NPS from too few customers to read (marked "too small").`,
        )
      : '';
  return section(
    'retention',
    'Returned customers: retention and NPS',
    `${caution}<div class="charts">${charts.join('')}</div>${table(columns, retention)}`,
  );
}

/** Retention tasks handed to people, by team and what became of them. */
export async function tasksSection(tasks: TaskRow[]): Promise<string> {
  if (tasks.length === 0) return section('tasks', 'Retention tasks', '<p>No account has been escalated to a retention team.</p>');
  const columns: TableColumn<TaskRow>[] = [
    { header: 'Team', cell: (r) => escapeHtml(r.team) },
    { header: 'Outcome', cell: (r) => escapeHtml(r.outcome.replaceAll('_', ' ')) },
    { header: 'Tasks', numeric: true, cell: (r) => numberSpan({ query: 'tasks', key: ROW_KEYS.tasks(r) }, 'tasks', 'count', r.tasks) },
  ];
  const chart = figure('tasks', await renderChart(tasksChart(tasks)), 'Every escalated account, all cohort months of the night.');
  return section('tasks', 'Retention tasks by team and outcome', `<div class="charts">${chart}</div>${table(columns, tasks)}`);
}
