import type { TopLevelSpec } from 'vega-lite';
import { bandLayout, MUTED_COLOUR, SERIES_COLOURS } from './charts.ts';
import { variantName } from './variant-name.ts';
import type { GroupRow } from './queries.ts';

/**
 * The report's charts as Vega-Lite specs, data inline. Every chart of a rate shows its 95%
 * interval as an error bar; a group too small to read is drawn pale.
 */

const ARM_SCALE = { domain: ['treatment', 'control'], range: [SERIES_COLOURS[0], SERIES_COLOURS[1]] };
const PALE = { condition: { test: 'datum.too_small', value: 0.35 }, value: 1 };
const PERCENT_AXIS = { format: '.0%' };
const WIDTH = 460;

/** One bar per arm (or series) per category, with the interval as an error bar. */
interface RatePoint {
  category: string;
  series: string;
  rate: number | null;
  low: number | null;
  high: number | null;
  too_small: boolean;
}

/** Rates per category with their intervals: vertical bars side by side, or horizontal ones. */
function rateBars(
  title: string,
  points: RatePoint[],
  options: { horizontal?: boolean; seriesTitle: string; colours?: object; extra?: object[] },
): TopLevelSpec {
  const [along, across, offset] = options.horizontal ? (['y', 'x', 'yOffset'] as const) : (['x', 'y', 'xOffset'] as const);
  const series = new Set(points.map((p) => p.series)).size;
  const layout = bandLayout(new Set(points.map((p) => p.category)).size, WIDTH, 14 + 18 * series);
  // Cohort months in calendar order; breakdown values in the order the query gives them.
  const category = {
    field: 'category',
    type: 'nominal',
    title: null,
    sort: options.horizontal ? null : 'ascending',
    axis: { labelAngle: options.horizontal ? 0 : layout.labelAngle },
  } as const;
  const seriesField = { field: 'series', sort: null } as const;
  const place = { [along]: category, [offset]: seriesField };
  return {
    title,
    width: options.horizontal ? WIDTH - 140 : layout.width,
    ...(options.horizontal ? { height: { step: 14 } } : { height: 200 }),
    data: { values: points.filter((p) => p.rate !== null) },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          ...place,
          [across]: { field: 'rate', type: 'quantitative', title: 'win-back rate', axis: PERCENT_AXIS },
          color: { ...seriesField, type: 'nominal', title: options.seriesTitle, scale: options.colours ?? ARM_SCALE },
          opacity: PALE,
        },
      },
      {
        mark: { type: 'errorbar', ticks: true, color: '#24292f' },
        encoding: { ...place, [across]: { field: 'low', type: 'quantitative', title: 'win-back rate' }, [`${across}2`]: { field: 'high' } },
      },
      ...(options.extra ?? []).map((layer) => ({ ...layer, encoding: { ...place, ...(layer as { encoding: object }).encoding } })),
    ],
  } as TopLevelSpec;
}

const armPoints = (category: string, row: GroupRow): RatePoint[] => [
  {
    category,
    series: 'treatment',
    rate: row.treatment_rate,
    low: row.treatment_rate_ci_low,
    high: row.treatment_rate_ci_high,
    too_small: row.too_small,
  },
  {
    category,
    series: 'control',
    rate: row.control_rate,
    low: row.control_rate_ci_low,
    high: row.control_rate_ci_high,
    too_small: row.too_small,
  },
];

/** Treatment and control win-back rates per cohort month. */
export function programmeRatesChart(programme: GroupRow[]): TopLevelSpec {
  const points = programme.flatMap((row) => armPoints(row.cohort_month ?? '', row));
  return rateBars('Win-back rate, treatment and control', points, { seriesTitle: 'arm' });
}

/** Incremental win-backs per cohort month, with their interval; the line at 0 is "no effect". */
export function incrementalChart(programme: GroupRow[]): TopLevelSpec {
  const values = programme.filter((row) => row.incremental_winbacks !== null);
  const layout = bandLayout(values.length, WIDTH, 36);
  return {
    title: 'Incremental win-backs by cohort month',
    width: layout.width,
    height: 180,
    layer: [
      {
        data: { values },
        encoding: { x: { field: 'cohort_month', type: 'nominal', title: null, axis: { labelAngle: layout.labelAngle } } },
        layer: [
          {
            mark: 'bar',
            encoding: {
              y: { field: 'incremental_winbacks', type: 'quantitative', title: 'customers' },
              color: { condition: { test: 'datum.too_small', value: MUTED_COLOUR }, value: SERIES_COLOURS[2] },
            },
          },
          {
            mark: { type: 'errorbar', ticks: true, color: '#24292f' },
            encoding: {
              y: { field: 'incremental_winbacks_ci_low', type: 'quantitative', title: 'customers' },
              y2: { field: 'incremental_winbacks_ci_high' },
            },
          },
        ],
      },
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: 'rule', color: '#57606a' },
        encoding: { y: { field: 'zero', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}

/** Cost per incremental win-back per cohort month, against the cost of acquiring a customer (the dashed line). */
export function costChart(programme: GroupRow[]): TopLevelSpec {
  const values = programme.filter((row) => row.cost_per_incremental_winback !== null);
  const acquisition = programme.find((row) => row.cost_per_acquisition !== null)?.cost_per_acquisition ?? 0;
  const layout = bandLayout(values.length, WIDTH, 36);
  return {
    title: 'Cost per incremental win-back',
    width: layout.width,
    height: 180,
    layer: [
      {
        data: { values },
        mark: 'bar',
        encoding: {
          x: { field: 'cohort_month', type: 'nominal', title: null, axis: { labelAngle: layout.labelAngle } },
          y: { field: 'cost_per_incremental_winback', type: 'quantitative', title: 'cost' },
          color: { condition: { test: 'datum.too_small', value: MUTED_COLOUR }, value: SERIES_COLOURS[3] },
        },
      },
      {
        data: { values: [{ acquisition, label: `cost per acquisition ${acquisition}` }] },
        layer: [
          {
            mark: { type: 'rule', color: SERIES_COLOURS[4], strokeDash: [6, 4], size: 2 },
            encoding: { y: { field: 'acquisition', type: 'quantitative' } },
          },
          {
            mark: { type: 'text', align: 'right', dy: -6, color: SERIES_COLOURS[4], x: 'width' },
            encoding: { y: { field: 'acquisition', type: 'quantitative' }, text: { field: 'label' } },
          },
        ],
      },
    ],
  } as TopLevelSpec;
}

/** Each variant's treatment win-back rate per cohort month beside the control's; "★ winner" over a significant winner. */
export function variantsChart(variants: GroupRow[], programme: GroupRow[]): TopLevelSpec {
  const points: Array<RatePoint & { winner: boolean }> = [
    ...variants.map((row) => ({
      category: row.cohort_month ?? '',
      series: variantName(row, variants),
      rate: row.treatment_rate,
      low: row.treatment_rate_ci_low,
      high: row.treatment_rate_ci_high,
      too_small: row.too_small,
      winner: row.winner,
    })),
    ...programme.map((row) => ({ ...armPoints(row.cohort_month ?? '', row)[1]!, too_small: false, winner: false })),
  ];
  const series = [...new Set(points.map((p) => p.series).filter((s) => s !== 'control'))].sort();
  const colours = [SERIES_COLOURS[0], SERIES_COLOURS[2], SERIES_COLOURS[3], SERIES_COLOURS[4], SERIES_COLOURS[5]];
  const scale = { domain: [...series, 'control'], range: [...series.map((_, i) => colours[i % colours.length]), SERIES_COLOURS[1]] };
  const star = {
    transform: [{ filter: 'datum.winner' }],
    mark: { type: 'text', dy: -8, fontWeight: 'bold', color: '#1a7f37' },
    encoding: { y: { field: 'high', type: 'quantitative' }, text: { value: '★ winner' } },
  };
  return rateBars('Win-back rate by variant', points, { seriesTitle: 'variant', colours: scale, extra: [star] });
}

/** Treatment and control win-back rates per value of one grain (exit reason, segment, channel). */
export function breakdownChart(title: string, rows: GroupRow[]): TopLevelSpec {
  return rateBars(
    title,
    rows.flatMap((row) => armPoints(row.grain_value ?? '(none)', row)),
    { horizontal: true, seriesTitle: 'arm' },
  );
}
