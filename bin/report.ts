import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openLake } from '#shared/adapters/local/duckdb-lake';
import { buildReport } from '#shared/report/build';
import { readReportSql } from '#shared/report/sql-files';

/**
 * `npm run report`: the KPI report of a night as one self-contained HTML file (charts inline, no
 * network), from the KPI tables with the project's own SQL (`sql/report/*.sql`), run by DuckDB
 * over the local lake (`${WINBACK_DATA_DIR:-.winback}/lake`).
 *
 *   npm run report                                  the latest night → winback-report-<night>.html
 *   npm run report -- --date 2026-05-15 --out r.html
 *
 * A missing night or a query whose answer lacks a column prints what is wrong and exits 1.
 */
const USAGE = 'usage: npm run report -- [--date YYYY-MM-DD] [--out FILE]';

class UsageError extends Error {}

function readOptions(): { date?: string; out?: string } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const { date, out } = parsed.values;
  if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new UsageError(`--date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  return { ...(date !== undefined ? { date } : {}), ...(out !== undefined ? { out } : {}) };
}

const parse = () =>
  parseArgs({
    options: { date: { type: 'string' }, out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
  });

let options: { date?: string; out?: string };
try {
  options = readOptions();
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}

const lake = await openLake(join(process.env.WINBACK_DATA_DIR || '.winback', 'lake'));
try {
  const report = await buildReport(lake, readReportSql(), {
    ...options,
    generatedAt: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  });
  const out = resolve(options.out ?? `winback-report-${report.night}.html`);
  writeFileSync(out, report.html);
  console.log(`wrote ${out} (night ${report.night})`);
} catch (error) {
  // A missing night, a query answer without a column the page reads, or a SQL error: the
  // message says which; a stack trace would not help.
  console.error(`report: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  lake.close();
}
