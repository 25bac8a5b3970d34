import './sdk-warning.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '@duckdb/node-api';
import { openLake, type LakeTable } from '#shared/adapters/local/duckdb-lake';
import { readCommandLine, UsageError, type CommandSpec } from './cli.ts';

/**
 * `npm run query -- "<SQL>"`: analysts' SQL over the local lake with DuckDB, under the same
 * database and table names as in Athena (`winback.journey_facts`, `winback.kpis`), so the named
 * queries in sql/named/ run unchanged. No AWS needed.
 *
 *   npm run query -- "SELECT * FROM winback.kpis LIMIT 5"
 *   npm run query -- --file sql/named/lift-by-variant.sql
 *   npm run query -- --json "SELECT ..."     (one JSON object per line)
 *
 * Reads `${WINBACK_DATA_DIR:-.winback}/lake`. A SQL error prints DuckDB's message and exits 1.
 */
const QUERY_COMMAND = {
  command: 'npm run query --',
  summary:
    "Runs SQL over the local runner's KPI tables with DuckDB, under Athena's database and table names (winback.journey_facts, winback.kpis).",
  usage: ['[--json] "<SQL>"', '[--json] --file <path.sql>'],
  options: {
    file: { type: 'string', short: 'f', value: 'path.sql', description: 'run the SQL in this file (e.g. one of sql/named/*.sql)' },
    json: { type: 'boolean', description: 'print one JSON object per row instead of a table' },
  },
  positionals: true,
  environment: [{ name: 'WINBACK_DATA_DIR', description: "the local runner's data folder; its lake/ is read", default: '.winback' }],
  notes: ["A SQL error prints DuckDB's message and exits 1. Tables appear after POST /local/jobs/nightly (docs/kpis.md)."],
} as const satisfies CommandSpec;

const request = readCommandLine(QUERY_COMMAND, ({ values, positionals }) => {
  if (values.file !== undefined && positionals.length > 0) throw new UsageError('give either SQL or --file, not both');
  if (values.file === undefined && positionals.length === 0) throw new UsageError('give the SQL to run, or --file <path.sql>');
  const sql = values.file === undefined ? positionals.join(' ') : readSqlFile(values.file);
  if (sql.trim() === '') throw new UsageError('the SQL is empty');
  return { sql, json: values.json ?? false };
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

const cell = (value: Json): string => (value === null ? 'NULL' : typeof value === 'object' ? JSON.stringify(value) : String(value));

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
  const table = await lake.queryTable(request.sql);
  if (request.json) {
    for (const row of table.rows) console.log(JSON.stringify(Object.fromEntries(table.columns.map((name, i) => [name, row[i]]))));
  } else {
    console.log(formatTable(table));
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  lake.close();
}
