import type { TopLevelSpec } from 'vega-lite';
import { bandLayout, SERIES_COLOURS } from './charts.ts';
import type { FunnelRow, RetentionRow, TaskRow } from './queries.ts';

/** The report's charts of what happened after contact: the funnel, retention, NPS and retention tasks. */

const WIDTH = 460;

/** The funnel's stages, in order, with the label people read. */
export const FUNNEL_STAGES = [
  { column: 'eligible', share: undefined, label: 'Eligible' },
  { column: 'contacted', share: 'contacted_share', label: 'Contacted' },
  { column: 'delivered', share: 'delivered_share', label: 'Delivered' },
  { column: 'clicked', share: 'clicked_share', label: 'Clicked' },
  { column: 'returned', share: 'returned_share', label: 'Won back' },
  { column: 'returned_before_contact', share: 'returned_before_contact_share', label: 'Back before the first contact' },
] as const satisfies ReadonlyArray<{ column: keyof FunnelRow; share: keyof FunnelRow | undefined; label: string }>;

/** Eligible → contacted → delivered → clicked → won back; returns before the first contact apart, in another colour. */
export function funnelChart(funnel: FunnelRow): TopLevelSpec {
  const values = FUNNEL_STAGES.map(({ column, share, label }) => ({
    stage: label,
    customers: funnel[column],
    apart: column === 'returned_before_contact',
    share: share === undefined ? (funnel.eligible > 0 ? 1 : null) : funnel[share],
  }));
  return {
    title: 'Funnel of the treatment arm',
    width: WIDTH - 200,
    height: { step: 26 },
    data: { values },
    // No label limit: without a canvas Vega estimates text widths generously and would cut the stage names.
    encoding: { y: { field: 'stage', type: 'nominal', title: null, sort: null, axis: { labelLimit: 0 } } },
    layer: [
      {
        mark: 'bar',
        encoding: {
          x: { field: 'customers', type: 'quantitative', title: 'customers' },
          color: { condition: { test: 'datum.apart', value: SERIES_COLOURS[1] }, value: SERIES_COLOURS[0] },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4 },
        encoding: { x: { field: 'customers', type: 'quantitative' }, text: { field: 'share', type: 'quantitative', format: '.1%' } },
      },
    ],
  } as TopLevelSpec;
}

/** Retention of returned customers at 6 and 12 months per cohort month, with intervals; too small drawn pale. */
export function retentionChart(retention: RetentionRow[]): TopLevelSpec {
  const values = retention
    .flatMap((row) => [
      {
        cohort: row.cohort_month,
        horizon: '6 months',
        rate: row.retained_6m_rate,
        low: row.retained_6m_ci_low,
        high: row.retained_6m_ci_high,
        too_small: row.retained_6m_too_small,
      },
      {
        cohort: row.cohort_month,
        horizon: '12 months',
        rate: row.retained_12m_rate,
        low: row.retained_12m_ci_low,
        high: row.retained_12m_ci_high,
        too_small: row.retained_12m_too_small,
      },
    ])
    .filter((point) => point.rate !== null);
  const layout = bandLayout(new Set(values.map((v) => v.cohort)).size, WIDTH, 50);
  return {
    title: 'Retention of returned customers',
    width: layout.width,
    height: 180,
    data: { values },
    encoding: {
      x: { field: 'cohort', type: 'nominal', title: null, axis: { labelAngle: layout.labelAngle } },
      xOffset: { field: 'horizon', sort: null },
    },
    layer: [
      {
        mark: 'bar',
        encoding: {
          y: { field: 'rate', type: 'quantitative', title: 'retained', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
          color: {
            field: 'horizon',
            type: 'nominal',
            sort: null,
            title: 'after',
            scale: { range: [SERIES_COLOURS[2], SERIES_COLOURS[3]] },
          },
          opacity: { condition: { test: 'datum.too_small', value: 0.35 }, value: 1 },
        },
      },
      {
        mark: { type: 'errorbar', ticks: true, color: '#24292f' },
        encoding: { y: { field: 'low', type: 'quantitative', title: 'retained' }, y2: { field: 'high' } },
      },
    ],
  } as TopLevelSpec;
}

/** NPS of returned customers per cohort month, on its whole scale (−100 to 100). */
export function npsChart(retention: RetentionRow[]): TopLevelSpec {
  const values = retention.filter((row) => row.nps !== null);
  const layout = bandLayout(values.length, WIDTH, 36);
  return {
    title: 'NPS of returned customers',
    width: layout.width,
    height: 160,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'cohort_month', type: 'nominal', title: null, axis: { labelAngle: layout.labelAngle } },
      y: { field: 'nps', type: 'quantitative', title: 'NPS', scale: { domain: [-100, 100] } },
      color: { value: SERIES_COLOURS[0] },
      opacity: { condition: { test: 'datum.nps_too_small', value: 0.35 }, value: 1 },
    },
  } as TopLevelSpec;
}

/** What each retention team's tasks came to, stacked by outcome. */
export function tasksChart(tasks: TaskRow[]): TopLevelSpec {
  return {
    title: 'Retention tasks',
    width: WIDTH - 140,
    height: { step: 22 },
    data: { values: tasks },
    mark: 'bar',
    encoding: {
      y: { field: 'team', type: 'nominal', title: null },
      x: { field: 'tasks', type: 'quantitative', title: 'tasks', stack: 'zero' },
      color: {
        field: 'outcome',
        type: 'nominal',
        title: 'outcome',
        legend: { labelExpr: "replace(datum.label, /_/g, ' ')", labelLimit: 200 },
        scale: {
          domain: ['open', 'follow_up', 'retained', 'ported_away', 'customer_returned'],
          range: ['#8c959f', SERIES_COLOURS[3], SERIES_COLOURS[2], SERIES_COLOURS[4], SERIES_COLOURS[0]],
        },
      },
    },
  } as TopLevelSpec;
}
