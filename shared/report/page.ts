import { REPORT_DEFINITIONS } from './definitions.ts';
import { breakdownsSection, programmeSection, variantsSection } from './group-sections.ts';
import { escapeHtml, numberSpan } from './html.ts';
import { funnelSection, retentionSection, tasksSection } from './outcome-sections.ts';
import { ROW_KEYS, type ReportData } from './queries.ts';

/** Where the definitions live in the project's documentation. */
export const KPI_DOCS_PATH = 'docs/kpis.md';

export interface ReportPageOptions {
  /**
   * Where a reader finds docs/kpis.md (a link on the page); the page also carries every definition.
   * @default the path `docs/kpis.md#the-report`, relative to a checkout of the project
   */
  readonly docsUrl?: string;
  /** When the page was generated, shown in its header. @default not shown */
  readonly generatedAt?: string;
}

/** The page's style, inline: nothing is loaded, and it prints. */
const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 0 auto; padding: 24px; max-width: 1280px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; } h3 { font-size: 15px; margin: 20px 0 6px; }
.subtitle { color: #57606a; margin: 0 0 12px; }
.howto { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure.chart { margin: 8px 0; max-width: 100%; } figure.chart svg { max-width: 100%; height: auto; } figcaption { color: #57606a; font-size: 12px; max-width: 560px; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #d8dee4; padding: 4px 8px; text-align: left; vertical-align: top; } th { background: #f6f8fa; font-weight: 600; }
th.num { text-align: right; } td.num { text-align: right; white-space: nowrap; } th.group { text-align: center; border-bottom: 2px solid #d0d7de; }
td:first-child, td:nth-child(2) { white-space: nowrap; } small.ci { color: #57606a; }
tr.too-small td { color: #8c959f; }
.badge { display: inline-block; font-size: 11px; background: #fff8c5; color: #7d4e00; border: 1px solid #d4a72c; border-radius: 10px; padding: 0 6px; }
.warning { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 6px 10px; color: #4d2d00; }
.winner { color: #1a7f37; } .note { color: #57606a; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; } dt { font-weight: 600; } dd { margin: 0; }
nav a { margin-right: 12px; }
`;

function header(data: ReportData, options: ReportPageOptions): string {
  const months = [...new Set(data.groups.filter((g) => g.grain === 'programme').map((g) => g.cohort_month))].filter(Boolean) as string[];
  const span =
    months.length === 0 ? 'no cohort yet' : months.length === 1 ? `cohort ${months[0]}` : `cohorts ${months[0]} to ${months.at(-1)}`;
  const generated = options.generatedAt ? ` · generated ${escapeHtml(options.generatedAt)}` : '';
  const priced = data.groups.find((g) => g.grain === 'programme' && g.cost_per_acquisition !== null);
  const acquisition = priced
    ? ` · cost per acquisition ${numberSpan({ query: 'groups', key: ROW_KEYS.groups(priced) }, 'cost_per_acquisition', 'money', priced.cost_per_acquisition)}`
    : '';
  const docs = escapeHtml(options.docsUrl ?? `${KPI_DOCS_PATH}#the-report`);
  return `<header>
<h1>Winback KPI report · night ${escapeHtml(data.night)}</h1>
<p class="subtitle">${escapeHtml(span)}${acquisition} · from winback.kpis and winback.journey_facts, dt=${escapeHtml(data.night)}${generated}</p>
<p class="howto">How to read it: each bar's black line is its 95% interval; a group drawn pale or marked <span class="badge">too small</span> has too few customers to say anything yet; “–” means the number does not exist for that group (no control group, no incremental win-back, nothing observed yet). Every number is defined at the <a href="#definitions">foot of the page</a> and in <a href="${docs}">${KPI_DOCS_PATH}</a>.</p>
<nav><a href="#programme">Programme</a><a href="#variants">Variants</a><a href="#breakdowns">Breakdowns</a><a href="#funnel">Funnel</a><a href="#retention">Retention and NPS</a><a href="#tasks">Retention tasks</a><a href="#definitions">Definitions</a></nav>
</header>`;
}

function definitions(): string {
  const items = REPORT_DEFINITIONS.map((d) => `<dt>${escapeHtml(d.term)}</dt><dd>${escapeHtml(d.meaning)}</dd>`).join('\n');
  return `<section id="definitions"><h2>Definitions</h2><dl>\n${items}\n</dl></section>`;
}

/**
 * The report as one self-contained HTML page: inline CSS, charts as inline SVG, no script, no
 * request for anything, so it opens from disk, from S3 or from the local runner alike.
 */
export async function renderReportPage(data: ReportData, options: ReportPageOptions = {}): Promise<string> {
  const sections = [
    await programmeSection(data.groups),
    await variantsSection(data.groups),
    await breakdownsSection(data.groups),
    await funnelSection(data.funnel),
    await retentionSection(data.retention),
    await tasksSection(data.tasks),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Winback KPI report · ${escapeHtml(data.night)}</title>
<style>${STYLE}</style>
</head>
<body>
${header(data, options)}
<main>
${sections.join('\n')}
${definitions()}
</main>
</body>
</html>
`;
}
