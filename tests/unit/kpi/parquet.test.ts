import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fillKpiSql, openLake, renderKpiSql, type Lake } from '#shared/adapters/local/duckdb-lake';
import { encodeParquet } from '#shared/adapters/parquet';
import { JOURNEY_FACTS, KPIS, type ColumnType, type Row, type TableDefinition } from '#shared/domain/kpi/tables';

/**
 * The Parquet we write is what the Glue tables declare: read back by DuckDB (the engine of
 * `npm run query`), every column has the type tables.ts gives it and every value survives.
 */

/** The Glue/tables.ts type → the DuckDB type it must read back as. */
const EXPECTED_DUCKDB_TYPE: Record<ColumnType, string> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
};

/** Distinct, awkward values per type: unicode and quotes, negatives, ±0.1-style doubles, millisecond timestamps. */
function sampleRow(table: TableDefinition, variant: number): Row {
  return Object.fromEntries(
    table.columns.map((column, i) => {
      switch (column.type) {
        case 'string':
          return [column.name, variant === 0 ? `${column.name}-é'"✓` : ''];
        case 'int':
          return [column.name, variant === 0 ? i * 1000 + 7 : -i];
        case 'double':
          return [column.name, variant === 0 ? 0.1 * (i + 1) : -1234567.891011];
        case 'boolean':
          return [column.name, variant === 0];
        case 'timestamp':
          return [column.name, Date.parse('2026-11-23T08:09:10.123Z') + variant * 86_400_000 + i];
        default:
          throw new Error(`no sample for column type ${column.type satisfies never}`);
      }
    }),
  );
}

const allNull = (table: TableDefinition): Row => Object.fromEntries(table.columns.map((c) => [c.name, null]));

/** A row as the lake answers it: timestamps as ISO strings, plus the partition's `dt`. */
const asRead = (table: TableDefinition, row: Row, dt: string) => ({
  ...Object.fromEntries(
    table.columns.map((c) => [
      c.name,
      c.type === 'timestamp' && row[c.name] !== null ? new Date(row[c.name] as number).toISOString() : row[c.name],
    ]),
  ),
  dt,
});

let lakeRoot: string;
let lake: Lake | undefined;

beforeEach(() => {
  lakeRoot = mkdtempSync(join(tmpdir(), 'winback-parquet-'));
});

afterEach(() => {
  lake?.close();
  lake = undefined;
  rmSync(lakeRoot, { recursive: true, force: true });
});

function writePartition(table: TableDefinition, dt: string, rows: readonly Row[]): void {
  const folder = join(lakeRoot, `${table.prefix}dt=${dt}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'part-0000.parquet'), encodeParquet(table, rows));
}

const describeTable = async (name: string) =>
  (await lake!.query(`DESCRIBE winback.${name}`)).map((column) => [column.column_name, column.column_type]);

describe.each([JOURNEY_FACTS, KPIS])('encodeParquet($name) read back by DuckDB', (table) => {
  it('has the columns of tables.ts, in order, with their types, then dt as DATE', async () => {
    // Prepare
    writePartition(table, '2026-11-23', [sampleRow(table, 0)]);

    // Act
    lake = await openLake(lakeRoot);

    // Assess
    expect(await describeTable(table.name)).toEqual([...table.columns.map((c) => [c.name, EXPECTED_DUCKDB_TYPE[c.type]]), ['dt', 'DATE']]);
  });

  it('gives back the same values, nulls included', async () => {
    // Prepare
    const rows = [sampleRow(table, 0), sampleRow(table, 1), allNull(table)];
    writePartition(table, '2026-11-23', rows);
    lake = await openLake(lakeRoot);

    // Act
    const read = await lake.query(`SELECT * FROM winback.${table.name}`);

    // Assess
    expect(read).toEqual(rows.map((row) => asRead(table, row, '2026-11-23')));
  });

  it('has the same typed columns, and no rows, before any file is written', async () => {
    lake = await openLake(lakeRoot);

    expect(await describeTable(table.name)).toEqual([...table.columns.map((c) => [c.name, EXPECTED_DUCKDB_TYPE[c.type]]), ['dt', 'DATE']]);
    expect(await lake.query(`SELECT count(*) AS n FROM winback.${table.name}`)).toEqual([{ n: 0 }]);
  });
});

describe('encodeParquet', () => {
  it('writes an empty file that still carries the schema', async () => {
    writePartition(KPIS, '2026-11-23', []);
    lake = await openLake(lakeRoot);

    expect(await describeTable('kpis')).toHaveLength(KPIS.columns.length + 1);
    expect(await lake.query('SELECT * FROM winback.kpis')).toEqual([]);
  });
});

describe('openLake', () => {
  it('answers plain JSON values: numbers for big integers and decimals, ISO dates, strings beyond 2^53', async () => {
    lake = await openLake(lakeRoot);

    const [row] = await lake.query(
      `SELECT 42::BIGINT AS big, 9007199254740993::HUGEINT AS huge, sum(x) AS total, 1.25 AS dec, DATE '2026-11-23' AS day,
              TIMESTAMP '2026-11-23 08:00:00.5' AS at, 'NaN'::DOUBLE AS nan, [1, 2]::BIGINT[] AS list, {'a': 1::BIGINT} AS struct
       FROM (VALUES (1), (2)) AS t(x)`,
    );
    expect(row).toEqual({
      big: 42,
      huge: '9007199254740993',
      total: 3,
      dec: 1.25,
      day: '2026-11-23',
      at: '2026-11-23T08:00:00.500Z',
      nan: 'NaN',
      list: [1, 2],
      struct: { a: 1 },
    });
    expect(JSON.parse(JSON.stringify(row))).toEqual(row);
  });

  it('keeps columns in order in queryTable, even when an object could not', async () => {
    lake = await openLake(lakeRoot);

    expect(await lake.queryTable(`SELECT 'x' AS b, 1 AS "1"`)).toEqual({ columns: ['b', '1'], rows: [['x', 1]] });
  });

  it('rejects bad SQL with DuckDB message', async () => {
    lake = await openLake(lakeRoot);

    await expect(lake.query('SELECT * FROM winback.nope')).rejects.toThrow(/nope/);
  });

  it('escapes a lake folder with a quote in its name', async () => {
    lakeRoot = join(lakeRoot, "o'brien");
    writePartition(KPIS, '2026-11-23', [sampleRow(KPIS, 0)]);
    lake = await openLake(lakeRoot);

    expect(await lake.query('SELECT count(*) AS n FROM winback.kpis')).toEqual([{ n: 1 }]);
  });
});

describe('renderKpiSql', () => {
  it('fills the night and the cost per acquisition as a DOUBLE literal, leaving no placeholder', () => {
    const sql = renderKpiSql('2026-11-23', 250);

    expect(sql).toContain(`CAST(dt AS VARCHAR) = '2026-11-23'`);
    expect(sql).toContain('CAST(2.5E2 AS DOUBLE)');
    expect(sql).not.toMatch(/\{\{/);
  });

  it.each([
    [0.1, '1E-1'],
    [12.5, '1.25E1'],
    [1e21, '1E21'],
  ])('writes %s so that it reads back as the same double (%s)', (cost, literal) => {
    expect(fillKpiSql('{{cost_per_acquisition}}', '2026-01-01', cost)).toBe(literal);
    expect(Number(literal)).toBe(cost);
  });

  it.each(["2026-11-23' OR 1=1 --", '2026-13-01', '2026-02-30', '23/11/2026', ''])('refuses the date %j', (dt) => {
    expect(() => renderKpiSql(dt, 250)).toThrow(RangeError);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, 0, -5, '1); DROP TABLE x; --' as unknown as number])(
    'refuses the cost per acquisition %s',
    (cost) => {
      expect(() => renderKpiSql('2026-11-23', cost)).toThrow(RangeError);
    },
  );
});
