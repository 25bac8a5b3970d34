import './sdk-warning.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json } from '@duckdb/node-api';
import { type Lake, openLake, type LakeTable } from '#shared/adapters/local/duckdb-lake';
import { readCommandLine, UsageError, type CommandSpec } from './cli.ts';

/**
 * `npm run query -- "<SQL>"`: analysts' SQL over the local lake with DuckDB, under the same
 * database, table and view names as in Athena (`winback.journey_facts`, `winback.kpis`, and the
 * latest night in `winback.kpis_latest`, `winback.journey_facts_latest`), so the named queries in
 * sql/named/ run unchanged. No AWS needed.
 *
 *   npm run query -- "SELECT * FROM winback.kpis_latest WHERE grain = 'programme'"
 *   npm run query -- --file sql/named/lift-by-variant.sql
 *   npm run query -- --json "SELECT ..."     (one JSON object per line, numbers as computed)
 *   npm run query -- --csv "SELECT ..."      (CSV with a header line, written by DuckDB, numbers as computed)
 *
 * The table output rounds fractions to 4 decimals for reading; --json and --csv never round.
 * Reads `${WINBACK_DATA_DIR:-.winback}/lake`. A SQL error prints DuckDB's message and exits 1.
 */
const QUERY_COMMAND = {
  command: 'npm run query --',
  summary:
    "Runs SQL over the local runner's KPI tables with DuckDB, under Athena's database, table and view names (winback.journey_facts, winback.kpis, winback.kpis_latest, winback.journey_facts_latest).",
  usage: ['[--json | --csv] "<SQL>"', '[--json | --csv] --file <path.sql>'],
  options: {
    file: { type: 'string', short: 'f', value: 'path.sql', description: 'run the SQL in this file (e.g. one of sql/named/*.sql)' },
    json: { type: 'boolean', description: 'print one JSON object per row instead of a table (numbers as computed)' },
    csv: { type: 'boolean', description: 'print CSV with a header line, written by DuckDB (numbers as computed)' },
  },
  positionals: true,
  environment: [{ name: 'WINBACK_DATA_DIR', description: "the local runner's data folder; its lake/ is read", default: '.winback' }],
  notes: [
    'The table output rounds fractions to 4 decimals for reading; --json and --csv never round.',
    "A SQL error prints DuckDB's message and exits 1. Tables appear after POST /local/jobs/nightly (docs/kpis.md).",
  ],
} as const satisfies CommandSpec;

type Format = 'table' | 'json' | 'csv';

const request = readCommandLine(QUERY_COMMAND, ({ values, positionals }) => {
  if (values.json && values.csv) throw new UsageError('give either --json or --csv, not both');
  if (values.file !== undefined && positionals.length > 0) throw new UsageError('give either SQL or --file, not both');
  if (values.file === undefined && positionals.length === 0) throw new UsageError('give the SQL to run, or --file <path.sql>');
  const sql = values.file === undefined ? positionals.join(' ') : readSqlFile(values.file);
  if (sql.trim() === '') throw new UsageError('the SQL is empty');
  const format: Format = values.json ? 'json' : values.csv ? 'csv' : 'table';
  return { sql, format };
});

/** The SQL of `--file`; a file that cannot be read is a usage mistake, named. */
function readSqlFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read --file ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? (error as Error).message)}`);
  }
}

/** Decimals a fraction is shown with in the table output. */
const TABLE_DECIMALS = 4;

/** A value as the table shows it: fractions rounded to 4 decimals (0.183333… → 0.1833), integers and text as they are. */
function cell(value: Json): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toFixed(TABLE_DECIMALS)));
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The answer as CSV (RFC 4180, a header line, NULL as an empty field), written by DuckDB's own CSV writer. */
async function csv(lake: Lake, sql: string): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), 'winback-query-'));
  try {
    const file = join(folder, 'answer.csv');
    // Own lines around the query: its last line could be a `--` comment, which would swallow the `)`.
    await lake.queryTable(`COPY (\n${sql.trim().replace(/;\s*$/, '')}\n) TO '${file.replaceAll("'", "''")}' (FORMAT CSV, HEADER)`);
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Columns padded to their widest cell; numbers right-aligned, like psql. */
function formatTable({ columns, rows }: LakeTable): string {
  const texts = rows.map((row) => row.map(cell));
  const widths = columns.map((name, i) => Math.max(name.length, ...texts.map((row) => row[i]!.length)));
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((row) => row[i] === null || typeof row[i] === 'number'));
  const line = (cells: string[]) =>
    cells
      .map((text, i) => (numeric[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd();
  return [
    line(columns),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...texts.map(line),
    `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`,
  ].join('\n');
}

const lakeRoot = join(process.env.WINBACK_DATA_DIR || '.winback', 'lake');
const lake = await openLake(lakeRoot);
try {
  if (request.format === 'csv') {
    process.stdout.write(await csv(lake, request.sql));
  } else {
    const table = await lake.queryTable(request.sql);
    if (request.format === 'json') {
      for (const row of table.rows) console.log(JSON.stringify(Object.fromEntries(table.columns.map((name, i) => [name, row[i]]))));
    } else {
      console.log(formatTable(table));
    }
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  lake.close();
}
