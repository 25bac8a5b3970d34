import { cpus, arch, platform } from 'node:os';

/** One line of the bench's table. */
export interface Row {
  measure: string;
  target: string;
  figure: string;
  verdict: 'pass' | 'over';
}

export const verdict = (withinTarget: boolean): Row['verdict'] => (withinTarget ? 'pass' : 'over');

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
export const ms = (milliseconds: number) => `${Math.round(milliseconds)} ms`;
export const times = (ratio: number) => `${ratio.toFixed(2)}×`;
export const perSecond = (rate: number) => Math.round(rate).toLocaleString('en');

/** The rows as a Markdown table, columns padded so it also reads well in a terminal. */
export function renderTable(rows: readonly Row[]): string {
  const header: Row = { measure: 'measure', target: 'target', figure: 'figure', verdict: 'pass' };
  const cells = (row: Row) => [row.measure, row.target, row.figure, row === header ? 'verdict' : row.verdict];
  const all = [header, ...rows].map(cells);
  const widths = all[0]!.map((_, column) => Math.max(...all.map((line) => line[column]!.length)));
  const line = (values: string[]) => `| ${values.map((value, column) => value.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(all[0]!), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...all.slice(1).map(line)].join('\n');
}

/** The machine the figures come from. */
export function machine(): string {
  const cores = cpus();
  return `${cores[0]?.model.trim() ?? 'unknown CPU'}, ${cores.length} cores, Node ${process.version} (${platform()} ${arch()})`;
}
