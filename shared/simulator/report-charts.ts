import type { TopLevelSpec } from 'vega-lite';
import { SERIES_COLOURS } from '#shared/report/charts';
import type { SimulationSummary } from './summary-file.ts';

/**
 * The simulator report's charts as Vega-Lite specs, each carrying its data inline, one series per
 * policy so two policies read side by side. shared/report/charts.ts renders them to SVG.
 */
export interface ChartSpec {
  id: string;
  title: string;
  /** What the chart shows, in a sentence under it. */
  caption: string;
  spec: TopLevelSpec;
}

const WIDTH = 500;
const HEIGHT = 220;

/** One colour per policy, in the summary's order. */
const policyColour = (summary: SimulationSummary) => ({
  field: 'policy',
  type: 'nominal' as const,
  title: 'policy',
  legend: { labelLimit: 400, orient: 'top' as const },
  scale: { domain: summary.policies.map((p) => p.policy), range: SERIES_COLOURS.slice(0, summary.policies.length) },
});

function sendsByDay(summary: SimulationSummary): ChartSpec {
  const values = summary.policies.flatMap((p) =>
    p.messages.byDaySinceChurn.map((d) => ({ policy: p.policy, day: d.day, messages: d.messages })),
  );
  return {
    id: 'sends-by-day',
    title: 'Messages sent by day since the churn',
    caption: 'Day N is the 24 hours from N × 24 h after the churn, as in the policy’s touch windows.',
    spec: {
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: { type: 'bar', opacity: 0.8 },
      encoding: {
        x: { field: 'day', type: 'quantitative', title: 'day since the churn', scale: { domainMin: 0 } },
        y: { field: 'messages', type: 'quantitative', title: 'messages', stack: null },
        color: policyColour(summary),
      },
    },
  };
}

function sendsByHour(summary: SimulationSummary): ChartSpec {
  const values = summary.policies.flatMap((p) =>
    p.messages.byLocalHour.map((h) => ({ policy: p.policy, hour: h.hour, messages: h.messages })),
  );
  return {
    id: 'sends-by-hour',
    title: 'Messages sent by local hour',
    caption: 'The hour of the day in the customer’s time zone: every message falls inside the send window.',
    spec: {
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: 'bar',
      encoding: {
        x: { field: 'hour', type: 'ordinal', title: 'local hour', sort: 'ascending' },
        xOffset: { field: 'policy', type: 'nominal' },
        y: { field: 'messages', type: 'quantitative', title: 'messages' },
        color: policyColour(summary),
      },
    },
  };
}

/** Grouped horizontal bars: one row per category, one bar per policy. */
function groupedBars(
  summary: SimulationSummary,
  id: string,
  title: string,
  caption: string,
  values: Array<Record<string, unknown>>,
  unit: string,
): ChartSpec {
  return {
    id,
    title,
    caption,
    spec: {
      width: WIDTH,
      data: { values },
      mark: 'bar',
      encoding: {
        y: { field: 'category', type: 'nominal', title: null, axis: { labelLimit: 320 } },
        yOffset: { field: 'policy', type: 'nominal' },
        x: { field: 'value', type: 'quantitative', title: unit },
        color: policyColour(summary),
      },
    },
  };
}

function exclusions(summary: SimulationSummary): ChartSpec {
  const values = summary.policies.flatMap((p) =>
    Object.entries(p.excluded.byReason).map(([category, value]) => ({ policy: p.policy, category, value })),
  );
  return groupedBars(
    summary,
    'exclusions',
    'Excluded, by reason',
    'A journey excluded for two reasons counts under each.',
    values,
    'journeys',
  );
}

function channels(summary: SimulationSummary): ChartSpec {
  const values = summary.policies.flatMap((p) => [
    ...Object.entries(p.messages.byChannel).map(([channel, c]) => ({
      policy: p.policy,
      category: `${channel} messages`,
      value: c.messages,
    })),
    { policy: p.policy, category: 'SMS parts', value: p.messages.smsParts },
    { policy: p.policy, category: 'withheld (control)', value: p.messages.withheld },
  ]);
  return groupedBars(
    summary,
    'channels',
    'Messages per channel',
    'SMS is billed per part; the control group’s messages are withheld, never sent.',
    values,
    'messages',
  );
}

function workload(summary: SimulationSummary): ChartSpec {
  const values = summary.policies.flatMap((p) =>
    p.escalated.byTeamWeek.map((w) => ({ policy: p.policy, team: w.team, week: w.week, tasks: w.tasks })),
  );
  return {
    id: 'workload',
    title: 'Retention tasks per team and week',
    caption: 'Accounts escalated to people, by the week (Monday, UTC) their task is due: each team’s workload.',
    spec: {
      data: { values },
      facet: { row: { field: 'policy', type: 'nominal', title: null } },
      spec: {
        width: WIDTH,
        height: 120,
        mark: 'bar',
        encoding: {
          x: { field: 'week', type: 'ordinal', title: 'week of' },
          y: { field: 'tasks', type: 'quantitative', title: 'tasks' },
          color: { field: 'team', type: 'nominal', title: 'team', scale: { range: SERIES_COLOURS.slice(2) } },
        },
      },
    },
  };
}

function winbacks(summary: SimulationSummary): ChartSpec {
  const values = summary.policies.flatMap((p) => [
    { policy: p.policy, category: 'projected win-backs', value: p.projection.winbacks },
    { policy: p.policy, category: 'incremental win-backs', value: p.projection.incrementalWinbacks },
    { policy: p.policy, category: 'control group returns', value: p.projection.controlWinbacks },
  ]);
  return groupedBars(
    summary,
    'winbacks',
    'Projected win-backs',
    'Under the stated assumptions; incremental: customers back because of the programme.',
    values,
    'customers',
  );
}

function costs(summary: SimulationSummary): ChartSpec {
  const currency = summary.policies[0]?.currency ?? '';
  const values = summary.policies.flatMap((p) => [
    { policy: p.policy, category: 'per projected win-back', value: p.cost.perProjectedWinback ?? 0 },
    { policy: p.policy, category: 'per incremental win-back', value: p.projection.costPerIncrementalWinback ?? 0 },
  ]);
  const first = summary.policies[0];
  // The budget's two ends; the cost per acquisition, far to the right, is in the table.
  const { low, high } = summary.assumptions.budgetShareOfCpa;
  const marks = first
    ? [
        { label: `${Math.round(low * 100)}% of CPA`, value: first.cost.budgetPerWinback.low },
        { label: `${Math.round(high * 100)}% of CPA`, value: first.cost.budgetPerWinback.high },
      ]
    : [];
  return {
    id: 'costs',
    title: `Cost per win-back (${currency})`,
    caption:
      'Message and offer cost over projected and over incremental win-backs; the dashed lines: the budget per win-back, 10–15% of the cost per acquisition.',
    spec: {
      width: WIDTH,
      layer: [
        {
          data: { values },
          mark: 'bar',
          encoding: {
            y: { field: 'category', type: 'nominal', title: null, axis: { labelLimit: 320 } },
            yOffset: { field: 'policy', type: 'nominal' },
            x: { field: 'value', type: 'quantitative', title: currency },
            color: policyColour(summary),
          },
        },
        {
          data: { values: marks },
          mark: { type: 'rule', strokeDash: [4, 3], color: '#57606a' },
          encoding: { x: { field: 'value', type: 'quantitative' }, tooltip: { field: 'label' } },
        },
        {
          data: { values: marks },
          mark: { type: 'text', align: 'left', dx: 3, baseline: 'top', fontSize: 11, color: '#57606a' },
          encoding: { x: { field: 'value', type: 'quantitative' }, y: { value: 2 }, text: { field: 'label' } },
        },
      ],
    },
  };
}

/** Every chart of the report, in page order. */
export function simulationCharts(summary: SimulationSummary): ChartSpec[] {
  return [
    sendsByDay(summary),
    sendsByHour(summary),
    channels(summary),
    exclusions(summary),
    workload(summary),
    winbacks(summary),
    costs(summary),
  ];
}
