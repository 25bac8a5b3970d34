import { formatNumber, type NumberKind } from './format.ts';
import type { ReportQueryName } from './queries.ts';

/** Text safe inside HTML elements and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** Where a number on the page comes from: a query, the row (by its key) and the column. */
export interface Source {
  query: ReportQueryName;
  key: string;
}

/**
 * A number as people read it, carrying its exact value and its source as data attributes
 * (`data-query`, `data-key`, `data-column`, `data-value`: JSON, `null` included), so a test or a
 * reader can check it against the query's answer.
 */
export function numberSpan(source: Source, column: string, kind: NumberKind, value: number | null): string {
  const attributes = [
    `data-query="${source.query}"`,
    `data-key="${escapeHtml(source.key)}"`,
    `data-column="${column}"`,
    `data-kind="${kind}"`,
    `data-value="${escapeHtml(JSON.stringify(value))}"`,
  ].join(' ');
  return `<span class="n" ${attributes}>${escapeHtml(formatNumber(kind, value))}</span>`;
}

/** An interval cell: both bounds as {@link numberSpan}s. */
export function intervalSpans(
  source: Source,
  columns: [string, string],
  kind: NumberKind,
  low: number | null,
  high: number | null,
): string {
  if (low === null || high === null) return numberSpan(source, columns[0], kind, low);
  return `${numberSpan(source, columns[0], kind, low)} to ${numberSpan(source, columns[1], kind, high)}`;
}

/** A value with its 95% interval in smaller type below it. */
export function valueWithInterval(
  source: Source,
  columns: [string, string, string],
  kind: NumberKind,
  values: [number | null, number | null, number | null],
): string {
  const [value, low, high] = values;
  const interval =
    low === null || high === null
      ? ''
      : `<br><small class="ci">${intervalSpans(source, [columns[1], columns[2]], kind, low, high)}</small>`;
  return `${numberSpan(source, columns[0], kind, value)}${interval}`;
}

/** A column of a table: its header (under a `group` header, if any), what it means (shown on hover), and its cell's HTML. */
export interface TableColumn<R> {
  header: string;
  group?: string;
  definition?: string;
  numeric?: boolean;
  cell: (row: R) => string;
}

/** The header rows: a row of group headers spanning their columns, when any column has a group. */
function tableHead<R>(columns: readonly TableColumn<R>[]): string {
  const header = (c: TableColumn<R>) =>
    `<th${c.numeric ? ' class="num"' : ''}${c.definition ? ` title="${escapeHtml(c.definition)}"` : ''}>${escapeHtml(c.header)}</th>`;
  if (!columns.some((c) => c.group)) return `<tr>${columns.map(header).join('')}</tr>`;
  const groups: Array<{ name: string; span: number }> = [];
  for (const c of columns) {
    const last = groups.at(-1);
    if (last && last.name === (c.group ?? '')) last.span += 1;
    else groups.push({ name: c.group ?? '', span: 1 });
  }
  const top = groups.map((g) => `<th class="group" colspan="${g.span}">${escapeHtml(g.name)}</th>`).join('');
  return `<tr>${top}</tr><tr>${columns.map(header).join('')}</tr>`;
}

/** A table of rows, scrolling sideways on a narrow screen; `rowClass` marks rows (e.g. too small to read). */
export function table<R>(columns: readonly TableColumn<R>[], rows: readonly R[], rowClass?: (row: R) => string | undefined): string {
  const body = rows
    .map((row) => {
      const cls = rowClass?.(row);
      const cells = columns.map((c) => `<td${c.numeric ? ' class="num"' : ''}>${c.cell(row)}</td>`).join('');
      return `<tr${cls ? ` class="${cls}"` : ''}>${cells}</tr>`;
    })
    .join('\n');
  return `<div class="table-wrap"><table><thead>${tableHead(columns)}</thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** A plain warning, in words, wherever a number must not be read. */
export function warning(text: string): string {
  return `<p class="warning" role="note"><span aria-hidden="true">⚠</span> ${escapeHtml(text)}</p>`;
}

/** A chart as a figure: the inline SVG and a caption saying what it shows. */
export function figure(id: string, svg: string, caption: string): string {
  return `<figure class="chart" data-chart="${id}">${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}
