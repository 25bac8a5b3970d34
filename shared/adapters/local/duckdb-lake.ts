import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DuckDBInstance,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  dateFromTimestampMillisecondsValue,
  dateFromTimestampNanosecondsValue,
  dateFromTimestampSecondsValue,
  dateFromTimestampTZValue,
  dateFromTimestampValue,
  doubleFromDecimalValue,
  stringFromValue,
  type DuckDBValue,
  type DuckDBValueConverter,
  type Json,
} from '@duckdb/node-api';
import { fillKpiSql } from '#shared/domain/kpi/kpi-sql';
import { ANALYST_TABLES, DATABASE, type ColumnType, type TableDefinition } from '#shared/domain/kpi/tables';
import { LATEST_VIEWS } from '#shared/domain/kpi/views';

// Re-exported for existing callers; the function lives in the domain so the Lambda bundle can use it without DuckDB.
export { fillKpiSql };

/** A query answer as columns in order plus rows of plain values, for printing. */
export interface LakeTable {
  columns: string[];
  rows: Json[][];
}

/** The local lake, queried with DuckDB under the same database and table names as in Athena. */
export interface Lake {
  /** Runs SQL; each row as an object of JSON-friendly values (see {@link plainValue}). */
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  /** Runs SQL; the column names in order and the rows as arrays (object keys can reorder, e.g. a column named `1`). */
  queryTable(sql: string): Promise<LakeTable>;
  close(): void;
}

/** The DuckDB type each column type of tables.ts reads back as from our Parquet files. */
export const DUCKDB_TYPE: Record<ColumnType, string> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
};

const BIG_INTEGERS = new Set([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);
const TIMESTAMP_TO_DATE: Partial<Record<DuckDBTypeId, (value: DuckDBValue) => Date>> = {
  [DuckDBTypeId.TIMESTAMP]: dateFromTimestampValue,
  [DuckDBTypeId.TIMESTAMP_S]: dateFromTimestampSecondsValue,
  [DuckDBTypeId.TIMESTAMP_MS]: dateFromTimestampMillisecondsValue,
  [DuckDBTypeId.TIMESTAMP_NS]: dateFromTimestampNanosecondsValue,
  [DuckDBTypeId.TIMESTAMP_TZ]: dateFromTimestampTZValue,
};

/**
 * DuckDB values as plain JSON-friendly JS: numbers for integers and doubles (a 64/128-bit integer
 * beyond 2^53 stays a string rather than silently losing digits; NaN and ±Infinity become
 * strings too), DECIMAL as a number, DATE as `YYYY-MM-DD`, timestamps as ISO 8601 in UTC.
 * Everything else (VARCHAR, BOOLEAN, lists, structs…) in DuckDB's own JSON form.
 */
export const plainValue: DuckDBValueConverter<Json> = (value, type, converter) => {
  if (value === null) return null;
  if (BIG_INTEGERS.has(type.typeId) && typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (type.typeId === DuckDBTypeId.DECIMAL) return doubleFromDecimalValue(value);
  if (type.typeId === DuckDBTypeId.DATE) return stringFromValue(value);
  const toDate = TIMESTAMP_TO_DATE[type.typeId];
  if (toDate) {
    try {
      return toDate(value).toISOString();
    } catch {
      // ±infinity and instants outside JS's Date range have no ISO form: keep DuckDB's text.
      return stringFromValue(value);
    }
  }
  return JsonDuckDBValueConverter(value, type, converter);
};

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** `<lakeRoot>/<prefix>*\/*.parquet`: every part file of every `dt=` partition. */
const partGlob = (lakeRoot: string, table: TableDefinition) => `${resolve(lakeRoot)}/${table.prefix}*/*.parquet`;

/**
 * A view with exactly the table's columns plus `dt` and no rows, for a table nothing has been
 * written to yet: read_parquet fails on a glob without files, and analysts' SQL should still run.
 */
function emptyViewSql(table: TableDefinition): string {
  const columns = [...table.columns.map((c) => `CAST(NULL AS ${DUCKDB_TYPE[c.type]}) AS ${ident(c.name)}`), 'CAST(NULL AS DATE) AS dt'];
  return `CREATE VIEW ${DATABASE}.${ident(table.name)} AS SELECT ${columns.join(', ')} WHERE false`;
}

/**
 * A view over every part file of a table: exactly the table's columns, in order, then `dt`.
 * Columns are matched by name (`union_by_name`), so nights written before a column was added
 * read it as NULL, as Athena does with Parquet.
 */
function filesViewSql(lakeRoot: string, table: TableDefinition): string {
  const columns = [...table.columns.map((c) => ident(c.name)), 'dt'].join(', ');
  const files = `read_parquet(${sqlString(partGlob(lakeRoot, table))}, hive_partitioning = true, union_by_name = true)`;
  return `CREATE VIEW ${DATABASE}.${ident(table.name)} AS SELECT ${columns} FROM ${files}`;
}

/**
 * Opens the local lake (`.winback/lake/` by default) in an in-memory DuckDB: schema `winback`
 * with one view per analyst table over its Parquet files, `dt` from the `dt=` folders (typed
 * DATE by DuckDB, a string in Athena), and the `…_latest` views of the latest night
 * (`LATEST_VIEWS`), as in Athena. Views are resolved when opened: a table that gets its first
 * file afterwards needs a new `openLake`.
 */
export async function openLake(lakeRoot: string): Promise<Lake> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    // DuckDB 1.5.5 fails with "INTERNAL Error: Attempted to access index N within vector of
    // size N" when a hive partition column is compared with a subquery, exactly what the named
    // queries do (`dt = (SELECT max(dt) …)`, the form that lets Athena prune partitions). Its
    // statistics propagation is at fault; without it the queries run unchanged. 1.5.6 fixes it
    // but has no published bindings for macOS or Windows (so `npm ci` could not install it).
    await connection.run(`SET disabled_optimizers = 'statistics_propagation'`);
    await connection.run(`CREATE SCHEMA ${DATABASE}`);
    for (const table of ANALYST_TABLES) {
      const glob = sqlString(partGlob(lakeRoot, table));
      const files = await connection.runAndReadAll(`SELECT count(*) AS files FROM glob(${glob})`);
      const hasFiles = Number(files.getRowsJS()[0]?.[0] ?? 0) > 0;
      await connection.run(hasFiles ? filesViewSql(lakeRoot, table) : emptyViewSql(table));
    }
    for (const view of LATEST_VIEWS) await connection.run(`CREATE VIEW ${DATABASE}.${ident(view.name)} AS ${view.sql}`);
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  }
  const run = async (sql: string) => {
    const reader = await connection.runAndReadAll(sql);
    return { columns: reader.deduplicatedColumnNames(), rows: reader.convertRows(plainValue) };
  };
  return {
    async query(sql) {
      const { columns, rows } = await run(sql);
      return rows.map((row) => Object.fromEntries(columns.map((name, i) => [name, row[i] ?? null])));
    },
    queryTable: run,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Where the portable KPI query lives (run by Athena at scale and by DuckDB in tests). */
export const KPI_SQL_PATH = new URL('../../../sql/kpis.sql', import.meta.url);

/** `sql/kpis.sql` for one night, ready to run in Athena or through {@link openLake}. */
export function renderKpiSql(dt: string, costPerAcquisition: number): string {
  return fillKpiSql(readFileSync(KPI_SQL_PATH, 'utf8'), dt, costPerAcquisition);
}
