import { renderChart } from '#shared/report/charts';
import { formatNumber, type NumberKind } from '#shared/report/format';
import { simulationCharts } from './report-charts.ts';
import type { PolicySummary } from './summary.ts';
import type { SimulationSummary } from './summary-file.ts';

/**
 * report.html: the simulation as one self-contained page (inline SVG charts, inline style, no
 * script, nothing loaded). Each number is rounded for people and carries its exact value and its
 * place in summary.json (`data-figure`, `data-policy`, `data-value`); docs/simulator.md defines
 * every figure.
 */

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 0 auto; padding: 24px; max-width: 1280px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
.subtitle, figcaption, .note { color: #57606a; } figcaption { font-size: 12px; max-width: 560px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; } figure.chart { margin: 8px 0; max-width: 600px; } figure.chart h3 { font-size: 15px; margin: 0 0 6px; } figure.chart svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #d8dee4; padding: 4px 8px; text-align: left; } th { background: #f6f8fa; } td.num, th.num { text-align: right; white-space: nowrap; }
tr.sub td:first-child { padding-left: 24px; color: #57606a; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; } dt { font-weight: 600; } dd { margin: 0; }
`;

/** Text safe inside HTML elements and double-quoted attributes. */
const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');

/** One row of the side-by-side table: a figure of summary.json, how it reads, and its value per policy. */
interface FigureRow {
  /** Its path in a policy's summary (`excluded.byReason.repeat_churner`). */
  figure: string;
  label: string;
  kind: NumberKind;
  value: (p: PolicySummary) => number | null;
  sub?: boolean;
}

const keysOf = (summary: SimulationSummary, pick: (p: PolicySummary) => Record<string, unknown>) =>
  [...new Set(summary.policies.flatMap((p) => Object.keys(pick(p))))].sort();

/** The figures of the side-by-side table, in reading order. */
export function figureRows(summary: SimulationSummary): FigureRow[] {
  const rows: FigureRow[] = [
    { figure: 'customers', label: 'Customers', kind: 'count', value: (p) => p.customers },
    { figure: 'eligible', label: 'Eligible', kind: 'count', value: (p) => p.eligible },
    { figure: 'excluded.total', label: 'Excluded', kind: 'count', value: (p) => p.excluded.total },
    ...keysOf(summary, (p) => p.excluded.byReason).map((reason) => ({
      figure: `excluded.byReason.${reason}`,
      label: reason,
      kind: 'count' as const,
      value: (p: PolicySummary) => p.excluded.byReason[reason] ?? 0,
      sub: true,
    })),
    { figure: 'heldOut', label: 'Held out (control group)', kind: 'count', value: (p) => p.heldOut },
    { figure: 'escalated.total', label: 'Escalated to a retention team', kind: 'count', value: (p) => p.escalated.total },
    ...keysOf(summary, (p) => p.escalated.byTeam).map((team) => ({
      figure: `escalated.byTeam.${team}`,
      label: `team ${team}`,
      kind: 'count' as const,
      value: (p: PolicySummary) => p.escalated.byTeam[team] ?? 0,
      sub: true,
    })),
    { figure: 'messages.sent', label: 'Messages sent', kind: 'count', value: (p) => p.messages.sent },
    ...keysOf(summary, (p) => p.messages.byChannel).map((channel) => ({
      figure: `messages.byChannel.${channel}.messages`,
      label: channel,
      kind: 'count' as const,
      value: (p: PolicySummary) => p.messages.byChannel[channel]?.messages ?? 0,
      sub: true,
    })),
    { figure: 'messages.smsParts', label: 'SMS parts', kind: 'count', value: (p) => p.messages.smsParts, sub: true },
    { figure: 'messages.withheld', label: 'Withheld (control group)', kind: 'count', value: (p) => p.messages.withheld },
  ];
  return [...rows, ...costRows(summary)];
}

function costRows(summary: SimulationSummary): FigureRow[] {
  const rows: FigureRow[] = [
    { figure: 'cost.messages', label: 'Message cost', kind: 'money', value: (p) => p.cost.messages },
    { figure: 'cost.offers', label: 'Offer cost (projected)', kind: 'money', value: (p) => p.cost.offers },
    { figure: 'cost.perProjectedWinback', label: 'Cost per projected win-back', kind: 'money', value: (p) => p.cost.perProjectedWinback },
    {
      figure: 'cost.budgetPerWinback.high',
      label: 'Budget per win-back (upper end)',
      kind: 'money',
      value: (p) => p.cost.budgetPerWinback.high,
      sub: true,
    },
    { figure: 'projection.winbacks', label: 'Projected win-backs', kind: 'decimal', value: (p) => p.projection.winbacks },
    {
      figure: 'projection.incrementalWinbacks',
      label: 'Incremental win-backs',
      kind: 'decimal',
      value: (p) => p.projection.incrementalWinbacks,
    },
    {
      figure: 'projection.costPerIncrementalWinback',
      label: 'Cost per incremental win-back',
      kind: 'money',
      value: (p) => p.projection.costPerIncrementalWinback,
    },
    {
      figure: 'projection.costPerIncrementalWinbackOfAcquisition',
      label: 'of the cost per acquisition',
      kind: 'share',
      value: (p) => p.projection.costPerIncrementalWinbackOfAcquisition,
      sub: true,
    },
    {
      figure: 'holdout.minimumDetectableLift',
      label: 'Minimum detectable lift (80% power)',
      kind: 'points',
      value: (p) => p.holdout.minimumDetectableLift,
    },
  ];
  if (!summary.policies.some((p) => p.backtest)) return rows;
  return [
    ...rows,
    { figure: 'backtest.returns', label: 'Returns in the cohort', kind: 'count', value: (p) => p.backtest?.returns ?? 0 },
    {
      figure: 'backtest.contactedBefore',
      label: 'contacted before returning',
      kind: 'count',
      value: (p) => p.backtest?.contactedBefore ?? 0,
      sub: true,
    },
    {
      figure: 'backtest.returnedBeforeFirstContact',
      label: 'returned before any contact',
      kind: 'count',
      value: (p) => p.backtest?.returnedBeforeFirstContact ?? 0,
      sub: true,
    },
  ];
}

function figureTable(summary: SimulationSummary): string {
  const head = `<tr><th></th>${summary.policies.map((p) => `<th class="num">${escapeHtml(p.policy)}</th>`).join('')}</tr>`;
  const body = figureRows(summary).map((row) => {
    const cells = summary.policies.map((p) => {
      const value = row.value(p);
      const attributes = `data-figure="${escapeHtml(row.figure)}" data-policy="${escapeHtml(p.policy)}" data-kind="${row.kind}" data-value="${escapeHtml(JSON.stringify(value))}"`;
      return `<td class="num" ${attributes}>${escapeHtml(formatNumber(row.kind, value))}</td>`;
    });
    return `<tr${row.sub ? ' class="sub"' : ''}><td>${escapeHtml(row.label)}</td>${cells.join('')}</tr>`;
  });
  return `<table class="figures"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
}

function subtitle(summary: SimulationSummary): string {
  const { cohort, assumptions } = summary;
  const period = cohort.from && cohort.to ? `, events from ${cohort.from.slice(0, 10)} to ${cohort.to.slice(0, 10)}` : '';
  return [
    `Cohort ${escapeHtml(cohort.file)}: ${formatNumber('count', cohort.customers)} customers, ${formatNumber('count', cohort.events)} events${period}` +
      (cohort.rejected > 0 ? `, ${formatNumber('count', cohort.rejected)} lines left out as invalid` : '') +
      '.',
    `Channels deployed: ${summary.channels.join(', ')}. Messages priced with the price table in ${escapeHtml(summary.prices.currency)}${summary.prices.asOf ? ` as of ${summary.prices.asOf}` : ''}.`,
    `Assumed: cost per acquisition ${formatNumber('money', assumptions.costPerAcquisition)}, baseline return rate ${formatNumber('rate', assumptions.baselineReturnRate.default)}, ` +
      `${assumptions.responseRates.length} response rule(s), retention team success ${formatNumber('rate', assumptions.retentionTaskRate)}.`,
  ]
    .map((line) => `<p class="subtitle">${line}</p>`)
    .join('');
}

const DEFINITIONS: Array<[string, string]> = [
  ['Eligible', 'journeys not excluded, both arms, escalated included.'],
  ['Excluded', 'journeys excluded (per reason; a journey with two reasons counts under each) and churns no policy applies to.'],
  ['Day since the churn', '⌊(sent − churned) / 24 h⌋, the meaning of day N in the policy.'],
  [
    'Projected win-backs',
    'Σ over treatment journeys of P = b + (1 − b)(1 − Π(1 − u_k)), b the baseline rate, u_k each message’s assumed response rate.',
  ],
  ['Incremental win-backs', 'Σ (P − b): customers back because of the programme.'],
  ['Cost per incremental win-back', '(message cost + projected offer cost) / incremental win-backs, against the cost per acquisition.'],
  ['Budget per win-back', '10–15% of the cost per acquisition (the field’s rule of thumb).'],
  ['Minimum detectable lift', '(z₀.₉₇₅ + z₀.₈)·√(p(1 − p)(1/n_t + 1/n_c)): the smallest lift the control group can prove with 80% power.'],
];

/** The report page. */
export async function renderSimulationReport(summary: SimulationSummary): Promise<string> {
  const figures = await Promise.all(
    simulationCharts(summary).map(
      async (chart) =>
        `<figure class="chart" data-chart="${chart.id}"><h3>${escapeHtml(chart.title)}</h3>${await renderChart(chart.spec)}<figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`,
    ),
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Winback simulation: ${escapeHtml(summary.policies.map((p) => p.policy).join(' vs '))}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>What ${summary.policies.length > 1 ? 'these policies' : 'this policy'} would do</h1>
${subtitle(summary)}
<h2>Side by side</h2>
${figureTable(summary)}
<h2>Charts</h2>
<div class="charts">${figures.join('\n')}</div>
<h2>Definitions</h2>
<p class="note">Every figure, its formula and the assumptions’ defaults: docs/simulator.md. Money in the policy’s currency; projections under the stated assumptions.</p>
<dl>${DEFINITIONS.map(([term, meaning]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(meaning)}</dd>`).join('')}</dl>
</body>
</html>
`;
}
