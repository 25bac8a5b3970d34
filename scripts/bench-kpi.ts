/**
 * `npm run bench:kpi [-- --journeys N] [--segments S] [--json]`: the nightly KPI job over N
 * synthetic journeys (default 1,000,000), then DuckDB over the same Parquet
 * (scripts/bench/kpi-job.ts). Prints time and peak memory of the job beside DuckDB's time, or
 * with `--json` the raw figures, for `npm run bench`.
 */
import '../bin/sdk-warning.ts';
import { cpus } from 'node:os';
import { type CommandSpec, numberOption, readCommandLine } from '../bin/cli.ts';
import { runKpiBench } from './bench/kpi-job.ts';

const BENCH_KPI_COMMAND = {
  command: 'npm run bench:kpi --',
  summary: 'Runs the nightly KPI job over synthetic journeys, then DuckDB over the same Parquet, and prints time and peak memory.',
  usage: ['[--journeys N] [--segments N] [--json]'],
  options: {
    journeys: { type: 'string', value: 'n', description: 'synthetic journeys (default: 1000000)' },
    segments: { type: 'string', value: 'n', description: 'parallel scan segments, as the nightly function uses (default: 4)' },
    json: { type: 'boolean', description: 'print the raw figures as JSON (what npm run bench reads)' },
  },
} as const satisfies CommandSpec;
const values = readCommandLine(BENCH_KPI_COMMAND, ({ values }) => ({
  journeys: numberOption('journeys', values.journeys, 1_000_000, { min: 1, integer: true }),
  segments: numberOption('segments', values.segments, 4, { min: 1, max: 64, integer: true }),
  json: values.json === true,
}));
const result = await runKpiBench(values.journeys, values.segments);

if (values.json) {
  console.log(JSON.stringify(result));
} else {
  const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MB`;
  const table = [
    ['what', 'journeys', 'time', 'peak memory', 'output'],
    [
      'nightly job (scan → facts Parquet → KPIs), Node',
      result.journeys.toLocaleString('en'),
      `${result.jobSeconds.toFixed(1)} s`,
      `${mb(result.peakRssBytes)} RSS (${mb(result.rssGrowthBytes)} above start)`,
      `${result.factFiles} fact files, ${result.kpiRows} KPI rows`,
    ],
    [
      'same KPIs with sql/kpis.sql, DuckDB over the Parquet',
      result.journeys.toLocaleString('en'),
      `${result.duckSeconds.toFixed(1)} s`,
      '(in-process DuckDB)',
      `${result.duckRows} KPI rows`,
    ],
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  for (const [i, row] of table.entries()) {
    console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  }
  console.log(
    `\n${result.segments} scan segments, ${(result.journeys / result.jobSeconds).toFixed(0)} journeys/s; Node ${process.version}, ${cpus().length} cores.`,
  );
}
if (result.duckRows !== result.kpiRows) {
  console.error('DuckDB and the job disagree on the number of KPI rows');
  process.exitCode = 1;
}
