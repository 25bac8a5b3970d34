/**
 * `npm run bench:kpi [-- --journeys N] [--segments S] [--json]`: the nightly KPI job over N
 * synthetic journeys (default 1,000,000), then DuckDB over the same Parquet
 * (scripts/bench/kpi-job.ts). Prints time and peak memory of the job beside DuckDB's time, or
 * with `--json` the raw figures, for `npm run bench`.
 */
import '../bin/sdk-warning.ts';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runKpiBench } from './bench/kpi-job.ts';

const { values } = parseArgs({
  options: {
    journeys: { type: 'string', default: '1000000' },
    segments: { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
  },
});
const result = await runKpiBench(Number(values.journeys), Number(values.segments));

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
