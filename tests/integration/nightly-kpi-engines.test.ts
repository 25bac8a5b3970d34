import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbKpiEngine } from '#shared/adapters/local/duckdb-kpi-engine';
import { FileObjectStore } from '#shared/adapters/local/file-object-store';
import { plainValue } from '#shared/adapters/local/duckdb-lake';
import { encodeParquet } from '#shared/adapters/parquet';
import { MessageEngaged, SurveyAnswered } from '#shared/domain/events';
import { JOURNEY_FACTS, KPIS, type Row } from '#shared/domain/kpi/tables';
import { eraseCustomer } from '#shared/engine/customer-admin';
import { ingestEvent } from '#shared/engine/ingest-event';
import { runNightlyJob, type NightlyDeps, type NightlySummary } from '#shared/engine/nightly-job';
import type { KpiQueryEngine } from '#shared/ports/kpi-query-engine';
import { churnEvent, eventFixture, returnedEvent } from '../fixtures/events.ts';
import { customerIdIn, makeDeps, runUntil, type TestDeps } from '../support/fakes.ts';
import { nightlyDepsOf } from '../support/nightly-deps.ts';
import { day } from '../unit/engine/helpers.ts';

/**
 * The nightly job's two ways to the `kpis` partition — folding the facts in process, or writing
 * the facts and having a SQL engine run `sql/kpis.sql` over them (DuckDB here, Athena in AWS) —
 * give the same partition, value for value and type for type, for the same journeys.
 */

const DATE = '2026-05-15';
// Not a round number: the cost per acquisition reaches every row and two computed columns.
const COST_PER_ACQUISITION = 137.5;

/** Every row of one table's partition, in file order, as DuckDB reads it (values as plain JS). */
async function readPartition(
  lakeRoot: string,
  prefix: string,
): Promise<{ rows: Array<Record<string, unknown>>; types: Array<{ column_name: string; column_type: string }>; files: string[] }> {
  const folder = join(lakeRoot, `${prefix}dt=${DATE}`);
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const source = `read_parquet('${folder}/*.parquet', hive_partitioning = false)`;
    const reader = await connection.runAndReadAll(`SELECT * FROM ${source}`);
    const columns = reader.deduplicatedColumnNames();
    const rows = reader.convertRows(plainValue).map((row) => Object.fromEntries(columns.map((name, i) => [name, row[i]])));
    const types = (
      await connection.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${source})`)
    ).getRowObjectsJson() as Array<{ column_name: string; column_type: string }>;
    return { rows, types, files: readdirSync(folder).sort() };
  } finally {
    connection.closeSync();
  }
}

/** The Parquet schema of a file: physical type, how Athena reads it, and nullability. */
async function parquetColumns(file: string): Promise<Array<Record<string, unknown>>> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const rows = (
      await connection.runAndReadAll(
        `SELECT name, type, converted_type, repetition_type FROM parquet_schema('${file}') WHERE num_children IS NULL ORDER BY column_id`,
      )
    ).getRowObjectsJson() as Array<{ name: string; type: string; converted_type: string | null; repetition_type: string }>;
    // INT32 without a converted type and INT32 marked INT_32 are the same signed 32-bit integer
    // (Athena `int`, DuckDB INTEGER); hyparquet-writer leaves it unmarked, DuckDB marks it.
    return rows.map((c) => ({ ...c, converted_type: c.type === 'INT32' && c.converted_type === 'INT_32' ? null : c.converted_type }));
  } finally {
    connection.closeSync();
  }
}

describe('nightly job: in-process KPIs and KPIs from the SQL engine', () => {
  const lakes: Record<'inProcess' | 'duckdb', string> = { inProcess: '', duckdb: '' };
  let deps: TestDeps;
  const summaries: Partial<Record<keyof typeof lakes, NightlySummary>> = {};
  const treated = Array.from({ length: 16 }, (_, i) => customerIdIn('treatment', undefined, `engines-t${i}`));
  const control = Array.from({ length: 8 }, (_, i) => customerIdIn('control', undefined, `engines-c${i}`));

  const nightly = (lakeRoot: string, kpiEngine?: KpiQueryEngine): NightlyDeps =>
    nightlyDepsOf(deps, lakeRoot, {
      costPerAcquisition: COST_PER_ACQUISITION,
      scanSegments: 3,
      // Small parts, so the SQL engine reads the night from several files.
      rowsPerPart: 4,
      ...(kpiEngine ? { kpiEngine } : {}),
    });

  beforeAll(async () => {
    lakes.inProcess = mkdtempSync(join(tmpdir(), 'winback-kpis-in-process-'));
    lakes.duckdb = mkdtempSync(join(tmpdir(), 'winback-kpis-duckdb-'));
    deps = makeDeps();
    // Prepare: 24 port-outs over two exit reasons; treated and control customers return on
    // different days (medians of odd and even counts), with revenue; some click, some answer the
    // survey (NPS); one treated customer is erased.
    const everyone = [...treated, ...control];
    for (const [i, customerId] of everyone.entries()) {
      await ingestEvent(
        deps,
        churnEvent({
          customerId,
          eventId: `engines-churn-${i}`,
          exitReason: i % 3 === 0 ? 'price' : 'coverage',
          contacts: { phone: `+4477009003${String(i).padStart(2, '0')}`, email: `engines${i}@example.net` },
          consents: { sms: true, email: i % 2 === 0, push: false },
        }),
      );
    }
    await runUntil(deps, deps.scheduler, day(40));
    for (const message of deps.channels.sms.sent.slice(0, 5)) {
      await ingestEvent(
        deps,
        MessageEngaged.parse({
          ...eventFixture('message-engaged'),
          eventId: `engines-click-${message.touchId}`,
          customerId: message.customerId,
          touchId: message.touchId,
          occurredAt: new Date(day(40)).toISOString(),
        }),
      );
    }
    const returns: Array<[string, number, number]> = [
      [treated[0]!, 41, 30],
      [treated[1]!, 45, 12.5],
      [treated[2]!, 47, 30],
      [treated[3]!, 52, 19.99],
      [treated[4]!, 63, 30],
      [treated[5]!, 75, 42],
      [control[0]!, 44, 30],
      [control[1]!, 58, 25],
    ];
    for (const [customerId, onDay, revenue] of returns) {
      await runUntil(deps, deps.scheduler, day(onDay));
      await ingestEvent(
        deps,
        returnedEvent({ customerId, eventId: `engines-return-${customerId}`, occurredAt: new Date(day(onDay)).toISOString(), revenue }),
      );
    }
    for (const [i, [customerId, onDay]] of returns.slice(0, 5).entries()) {
      await ingestEvent(
        deps,
        SurveyAnswered.parse({
          ...eventFixture('survey-answered'),
          eventId: `engines-survey-${customerId}`,
          customerId,
          occurredAt: new Date(day(onDay + 3)).toISOString(),
          score: [10, 9, 7, 3, 9][i],
        }),
      );
    }
    await runUntil(deps, deps.scheduler, day(130));
    await eraseCustomer(deps, treated[15]!);

    // Act: the same store, the same night, two lakes.
    summaries.inProcess = await runNightlyJob(nightly(lakes.inProcess), DATE);
    summaries.duckdb = await runNightlyJob(nightly(lakes.duckdb, new DuckDbKpiEngine(lakes.duckdb)), DATE);
  });

  afterAll(() => {
    for (const lakeRoot of Object.values(lakes)) if (lakeRoot) rmSync(lakeRoot, { recursive: true, force: true });
  });

  it('writes exactly the same kpis partition either way', async () => {
    // Assess
    const inProcess = await readPartition(lakes.inProcess, KPIS.prefix);
    const fromSql = await readPartition(lakes.duckdb, KPIS.prefix);
    expect(inProcess.rows.length).toBeGreaterThanOrEqual(4);
    // The journeys did exercise the columns that need returns, a control group and surveys.
    expect(
      inProcess.rows.some(
        (row) => row.lift !== null && row.median_days_to_return !== null && row.nps !== null && row.cost_per_winback !== null,
      ),
    ).toBe(true);
    expect(fromSql.rows).toEqual(inProcess.rows);
    expect(Object.keys(fromSql.rows[0]!)).toEqual(KPIS.columns.map((c) => c.name));
    expect(fromSql.files).toEqual(['part-00000.parquet']);
  });

  it('writes the same column types: DuckDB reads both as the same INTEGER, DOUBLE and VARCHAR', async () => {
    // Assess: as DuckDB (npm run query) reads the partition …
    const inProcess = await readPartition(lakes.inProcess, KPIS.prefix);
    const fromSql = await readPartition(lakes.duckdb, KPIS.prefix);
    const duckType = { string: 'VARCHAR', int: 'INTEGER', double: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP' } as const;
    expect(inProcess.types).toEqual(KPIS.columns.map((c) => ({ column_name: c.name, column_type: duckType[c.type] })));
    expect(fromSql.types).toEqual(inProcess.types);
    // … and as Athena would: the same physical Parquet types and nullability, column for column.
    const file = (lakeRoot: string) => join(lakeRoot, `${KPIS.prefix}dt=${DATE}`, 'part-00000.parquet');
    expect(await parquetColumns(file(lakes.duckdb))).toEqual(await parquetColumns(file(lakes.inProcess)));
  });

  it('writes the same facts and the same summary, the KPI row count coming from the engine', async () => {
    // Assess
    const facts = await readPartition(lakes.inProcess, JOURNEY_FACTS.prefix);
    expect(facts.rows).toHaveLength(24);
    expect((await readPartition(lakes.duckdb, JOURNEY_FACTS.prefix)).rows).toEqual(facts.rows);
    expect(summaries.duckdb).toEqual(summaries.inProcess);
    expect(summaries.duckdb).toMatchObject({ journeys: 24, kpiFile: `kpis/dt=${DATE}/part-00000.parquet` });
    expect(summaries.duckdb!.kpiRows).toBe((await readPartition(lakes.duckdb, KPIS.prefix)).rows.length);
    expect(summaries.duckdb!.factFiles.length).toBeGreaterThanOrEqual(6);
  });

  it('replaces the night when re-run with the SQL engine, also over a partition written in process', async () => {
    // Prepare: the duckdb lake's kpis partition as the in-process job writes it, plus a stray file.
    const lakeRoot = lakes.duckdb;
    const before = await readPartition(lakeRoot, KPIS.prefix);
    await runNightlyJob(nightly(lakeRoot), DATE);
    await new FileObjectStore(lakeRoot).put(
      `${KPIS.prefix}dt=${DATE}/stray.parquet`,
      encodeParquet(KPIS, before.rows as Row[]),
      'application/vnd.apache.parquet',
    );

    // Act
    const again = await runNightlyJob(nightly(lakeRoot, new DuckDbKpiEngine(lakeRoot)), DATE);

    // Assess
    const after = await readPartition(lakeRoot, KPIS.prefix);
    expect(after.files).toEqual(['part-00000.parquet']);
    expect(after.rows).toEqual(before.rows);
    expect(again.kpiRows).toBe(before.rows.length);
  });
});
