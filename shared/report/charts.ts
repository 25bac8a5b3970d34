import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Charts for self-contained HTML pages (the KPI report, the simulator's report): a Vega-Lite
 * spec rendered to an SVG string in Node, with no browser, no canvas and no network, so the SVG
 * can be inlined in a page that needs no script to be read.
 */

/** The look shared by every chart: system fonts (nothing to download), quiet axes, readable sizes. */
export const CHART_CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', titleColor: '#444', gridColor: '#eee' },
  legend: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', orient: 'bottom' },
  title: { fontSize: 14, anchor: 'start', fontWeight: 'bold' },
} as const;

/** Series colours people tell apart, also in grey: treatment, control, then others. */
export const SERIES_COLOURS = ['#1f6feb', '#9a6700', '#2da44e', '#8250df', '#cf222e', '#57606a'] as const;

/** Colour of a group too small to read. */
export const MUTED_COLOUR = '#b8bec6';

/**
 * Renders a Vega-Lite spec to SVG. The spec must carry its data inline (`data.values`): nothing
 * is loaded. `CHART_CONFIG` is applied under the spec's own `config`.
 * @throws Error when the spec does not compile or render, with Vega's message
 */
export async function renderChart(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), {
    renderer: 'none',
    // No loader may fetch anything: a spec that names a URL fails instead of reaching the network.
    loader: { load: () => Promise.reject(new Error('charts load no data: pass it inline')) } as unknown as vega.Loader,
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Width and x-label angle of a chart with one band per category (cohort months): the chart grows
 * past `minWidth` so each band keeps `perCategory` pixels, and past 8 categories the labels slant
 * so they never overlap.
 */
export function bandLayout(categories: number, minWidth: number, perCategory: number): { width: number; labelAngle: number } {
  return { width: Math.max(minWidth, categories * perCategory), labelAngle: categories > 8 ? -45 : 0 };
}
