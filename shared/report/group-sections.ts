import { renderChart } from './charts.ts';
import { escapeHtml, figure, numberSpan, type Source, type TableColumn, table, valueWithInterval, warning } from './html.ts';
import { type GroupRow, ROW_KEYS } from './queries.ts';
import { breakdownChart, costChart, incrementalChart, programmeRatesChart, variantsChart } from './report-charts.ts';
import { variantName } from './variant-name.ts';

/** The report's sections comparing treatment with control: the programme, the variants, and the breakdowns. */

const source = (row: GroupRow): Source => ({ query: 'groups', key: ROW_KEYS.groups(row) });
const span = (row: GroupRow, column: keyof GroupRow, kind: Parameters<typeof numberSpan>[2]) =>
  numberSpan(source(row), column, kind, row[column] as number | null);
/** A value and, below it, its interval: the columns `<name>`, `<name>_ci_low`, `<name>_ci_high`. */
const withInterval = (row: GroupRow, name: keyof GroupRow, kind: Parameters<typeof numberSpan>[2]) => {
  const columns: [string, string, string] = [name, `${name}_ci_low`, `${name}_ci_high`];
  return valueWithInterval(
    source(row),
    columns,
    kind,
    columns.map((c) => row[c as keyof GroupRow] as number | null) as [number | null, number | null, number | null],
  );
};

const TOO_SMALL_BADGE = ' <span class="badge">too small</span>';
const label = (text: string, row: GroupRow) => `${escapeHtml(text)}${row.too_small ? TOO_SMALL_BADGE : ''}`;

/** The lift over the control group, with its interval below. */
const LIFT: TableColumn<GroupRow> = {
  group: 'Difference',
  header: 'Lift',
  numeric: true,
  definition: 'treatment rate − control rate; below: 95% Wald interval',
  cell: (r) => withInterval(r, 'lift', 'points'),
};

/** The columns every comparison shows: both arms, each rate with its 95% interval below. */
function armColumns(): TableColumn<GroupRow>[] {
  const rate = 'returned / eligible; below: 95% Wilson interval';
  return [
    { group: 'Treatment', header: 'Eligible', numeric: true, cell: (r) => span(r, 'treatment_eligible', 'count') },
    { group: 'Treatment', header: 'Returned', numeric: true, cell: (r) => span(r, 'treatment_returned', 'count') },
    {
      group: 'Treatment',
      header: 'Win-back rate',
      numeric: true,
      definition: rate,
      cell: (r) => withInterval(r, 'treatment_rate', 'rate'),
    },
    { group: 'Control', header: 'Eligible', numeric: true, cell: (r) => span(r, 'control_eligible', 'count') },
    { group: 'Control', header: 'Returned', numeric: true, cell: (r) => span(r, 'control_returned', 'count') },
    { group: 'Control', header: 'Win-back rate', numeric: true, definition: rate, cell: (r) => withInterval(r, 'control_rate', 'rate') },
  ];
}

/** A warning naming how many rows are too small, or nothing when none is. */
function tooSmallWarning(rows: GroupRow[], what: string): string {
  const small = rows.filter((row) => row.too_small).length;
  if (small === 0) return '';
  return warning(
    `${small} of ${rows.length} ${what} ${small === 1 ? 'is' : 'are'} too small to read (no control group, or fewer than 5 returns or ` +
      '5 non-returns in an arm): they are drawn pale, and their lift says nothing yet.',
  );
}

/** The programme per cohort month: rates, lift, incremental win-backs, and what each extra customer cost. */
export async function programmeSection(groups: GroupRow[]): Promise<string> {
  const rows = groups.filter((row) => row.grain === 'programme');
  if (rows.length === 0) return section('programme', 'The programme', '<p>No cohort has eligible journeys yet.</p>');
  const cohort: TableColumn<GroupRow> = { header: 'Cohort month', cell: (r) => label(r.cohort_month ?? '', r) };
  const columns: TableColumn<GroupRow>[] = [
    cohort,
    LIFT,
    {
      group: 'Difference',
      header: 'Relative lift',
      numeric: true,
      definition: 'treatment rate / control rate − 1; below: 95% interval (delta method)',
      cell: (r) => withInterval(r, 'relative_lift', 'relative'),
    },
    {
      group: 'Difference',
      header: 'Detectable lift',
      numeric: true,
      definition: 'the smallest lift these group sizes find 80% of the time at 5%',
      cell: (r) => span(r, 'min_detectable_lift', 'pp'),
    },
    {
      group: 'Difference',
      header: 'Incremental win-backs',
      numeric: true,
      definition: 'treatment returned − control rate × treatment eligible; below: 95% interval',
      cell: (r) => withInterval(r, 'incremental_winbacks', 'decimal'),
    },
    {
      group: 'Cost',
      header: 'Total',
      numeric: true,
      definition: 'message and offer cost of the treatment arm',
      cell: (r) => span(r, 'total_cost', 'money'),
    },
    { group: 'Cost', header: 'Per incremental win-back', numeric: true, cell: (r) => span(r, 'cost_per_incremental_winback', 'money') },
    {
      group: 'Cost',
      header: 'Of acquisition cost',
      numeric: true,
      definition: 'cost per incremental win-back / cost per acquisition',
      cell: (r) => span(r, 'incremental_cost_vs_acquisition', 'share'),
    },
  ];
  const charts = [
    figure('programme-rates', await renderChart(programmeRatesChart(rows)), 'Bars: win-back rate of each arm; black lines: 95% intervals.'),
    figure(
      'programme-incremental',
      await renderChart(incrementalChart(rows)),
      'Customers won back because of the programme, with the 95% interval; grey: too small to read.',
    ),
    figure(
      'programme-cost',
      await renderChart(costChart(rows)),
      'Below the dashed line, an extra customer costs less than acquiring a new one.',
    ),
  ];
  // Two tables side by side in the reader's eye: the arms, then what the programme added and cost.
  const tables = `${table([cohort, ...armColumns()], rows, rowClass)}${table(columns, rows, rowClass)}`;
  const body = `${tooSmallWarning(rows, 'cohort months')}<div class="charts">${charts.join('')}</div>${tables}`;
  return section('programme', 'The programme: what it added over the control group', body);
}

/** The variants per cohort month, with the winner only where its lead is significant. */
export async function variantsSection(groups: GroupRow[]): Promise<string> {
  const rows = groups.filter((row) => row.grain === 'variant');
  const programme = groups.filter((row) => row.grain === 'programme');
  if (rows.length === 0) return section('variants', 'Variants', '<p>No variant has eligible journeys yet.</p>');
  const columns: TableColumn<GroupRow>[] = [
    { header: 'Cohort month', cell: (r) => escapeHtml(r.cohort_month ?? '') },
    { header: 'Variant', cell: (r) => label(variantName(r, rows), r) },
    ...armColumns(),
    LIFT,
    { group: 'Against the next best variant', header: 'Lead', numeric: true, cell: (r) => withInterval(r, 'lead_over_next', 'points') },
    { group: 'Against the next best variant', header: 'Verdict', cell: verdict },
  ];
  const chart = figure(
    'variants',
    await renderChart(variantsChart(rows, programme)),
    'Treatment win-back rate of each variant beside the control group; ★ marks a significant winner.',
  );
  return section(
    'variants',
    'Variants compared',
    `${tooSmallWarning(rows, 'variants')}<div class="charts">${chart}</div>${table(columns, rows, rowClass)}`,
  );
}

function verdict(row: GroupRow): string {
  if (row.winner) return '<strong class="winner">★ winner</strong>';
  if (row.lead_over_next === null) return row.too_small ? 'too small to read' : '';
  return 'no significant difference';
}

const BREAKDOWNS = [
  { grain: 'exit_reason', title: 'Win-back rate by exit reason' },
  { grain: 'segment', title: 'Win-back rate by segment' },
  { grain: 'channel', title: 'Win-back rate by channel of the first touch' },
] as const;

/** Win-back rate by exit reason, segment and channel, all cohort months of the night together. */
export async function breakdownsSection(groups: GroupRow[]): Promise<string> {
  const parts = await Promise.all(
    BREAKDOWNS.map(async ({ grain, title }) => {
      const rows = groups.filter((row) => row.grain === grain);
      if (rows.length === 0) return `<h3>${escapeHtml(title)}</h3><p>No eligible journeys yet.</p>`;
      const columns: TableColumn<GroupRow>[] = [
        { header: grain.replace('_', ' '), cell: (r) => label(r.grain_value ?? '(none)', r) },
        ...armColumns(),
        LIFT,
      ];
      const chart = figure(
        `breakdown-${grain}`,
        await renderChart(breakdownChart(title, rows)),
        'All cohort months of the night together; pale: too small to read.',
      );
      return `<h3>${escapeHtml(title)}</h3>${tooSmallWarning(rows, 'groups')}<div class="charts">${chart}</div>${table(columns, rows, rowClass)}`;
    }),
  );
  return section('breakdowns', 'By exit reason, segment and channel', parts.join('\n'));
}

const rowClass = (row: GroupRow) => (row.too_small ? 'too-small' : undefined);

/** A section of the page with its anchor. */
export function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}
