import 'aws-sdk-client-mock-vitest/extend';
import { readFileSync } from 'node:fs';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InvalidRequestException,
  type QueryExecutionState,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AthenaKpiEngine, KpiQueryError, type AthenaKpiEngineOptions } from '#shared/adapters/aws/athena-kpi-engine';
import { fillKpiSql } from '#shared/domain/kpi/kpi-sql';
import type { ObjectStore } from '#shared/ports/object-store';

const athenaMock = mockClient(AthenaClient);

const TEMPLATE = readFileSync(new URL('../../../sql/kpis.sql', import.meta.url), 'utf8');
const DATE = '2026-11-23';
const QUERY_ID = 'a1b2c3d4-5678-90ab-cdef-000000000001';
const POLL_MS = 1_000;

/** An object store that keeps keys in memory and notes every call, in order, in a shared log. */
class RecordingLake implements ObjectStore {
  readonly keys = new Set<string>();
  constructor(private readonly log: string[]) {}
  async put(key: string): Promise<void> {
    this.keys.add(key);
  }
  async get(): Promise<Uint8Array | undefined> {
    return undefined;
  }
  async list(prefix: string): Promise<string[]> {
    this.log.push(`list ${prefix}`);
    return [...this.keys].filter((key) => key.startsWith(prefix)).sort();
  }
  async delete(keys: readonly string[]): Promise<void> {
    this.log.push(`delete ${keys.join(',')}`);
    for (const key of keys) this.keys.delete(key);
  }
}

/** GetQueryExecution answers these states in turn, then the last one for ever. */
function states(...sequence: Array<{ state: QueryExecutionState; reason?: string }>): void {
  let call = 0;
  athenaMock.on(GetQueryExecutionCommand).callsFake(() => {
    const { state, reason } = sequence[Math.min(call++, sequence.length - 1)]!;
    return { QueryExecution: { QueryExecutionId: QUERY_ID, Status: { State: state, ...(reason ? { StateChangeReason: reason } : {}) } } };
  });
}

describe('AthenaKpiEngine', () => {
  let log: string[];
  let lake: RecordingLake;

  const engine = (overrides: Partial<AthenaKpiEngineOptions> = {}) =>
    new AthenaKpiEngine({
      client: new AthenaClient({ region: 'eu-west-1' }),
      workgroup: 'winback',
      database: 'winback',
      lake,
      bucket: 'winback-lake-123',
      sqlTemplate: TEMPLATE,
      pollIntervalMs: POLL_MS,
      timeoutMs: 60_000,
      ...overrides,
    });

  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-11-24T02:30:00Z') });
    athenaMock.reset();
    log = [];
    lake = new RecordingLake(log);
    athenaMock.on(StartQueryExecutionCommand).callsFake(() => {
      log.push('StartQueryExecution');
      return { QueryExecutionId: QUERY_ID };
    });
    athenaMock.on(GetQueryResultsCommand).resolves({ UpdateCount: 42, ResultSet: { Rows: [] } });
    athenaMock.on(StopQueryExecutionCommand).resolves({});
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  /** Runs writeKpis to its end, moving the fake clock through every poll interval. */
  async function run(subject: AthenaKpiEngine, costPerAcquisition = 250) {
    const outcome = subject.writeKpis(DATE, costPerAcquisition).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await vi.runAllTimersAsync();
    return outcome;
  }

  it('UNLOADs the rendered kpis.sql as Snappy Parquet into the night’s kpis partition, in the workgroup and database', async () => {
    // Prepare
    states({ state: 'SUCCEEDED' });

    // Act
    await run(engine(), 250);

    // Assess
    const select = fillKpiSql(TEMPLATE, DATE, 250);
    expect(athenaMock).toHaveReceivedCommandTimes(StartQueryExecutionCommand, 1);
    expect(athenaMock).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: `UNLOAD (\n${select.trim()}\n)\nTO 's3://winback-lake-123/kpis/dt=${DATE}/'\nWITH (format = 'PARQUET', compression = 'SNAPPY')`,
      WorkGroup: 'winback',
      QueryExecutionContext: { Database: 'winback' },
    });
    // The night and the cost per acquisition are filled in, no placeholder is left.
    const sent = athenaMock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input.QueryString!;
    expect(sent).toContain(`CAST(dt AS VARCHAR) = '${DATE}'`);
    expect(sent).toContain('CAST(2.5E2 AS DOUBLE)');
    expect(sent).not.toMatch(/\{\{/);
    // No result location in the request: the workgroup enforces its own.
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input.ResultConfiguration).toBeUndefined();
  });

  it('polls QUEUED → RUNNING → SUCCEEDED, one poll interval apart, and answers the rows written', async () => {
    // Prepare
    states({ state: 'QUEUED' }, { state: 'RUNNING' }, { state: 'SUCCEEDED' });
    const started = Date.now();

    // Act
    const outcome = await run(engine());

    // Assess
    expect(outcome).toEqual({ value: { rows: 42 } });
    expect(athenaMock).toHaveReceivedCommandTimes(GetQueryExecutionCommand, 3);
    expect(athenaMock).toHaveReceivedNthCommandWith(GetQueryExecutionCommand, 1, { QueryExecutionId: QUERY_ID });
    expect(Date.now() - started).toBe(2 * POLL_MS);
    expect(athenaMock).toHaveReceivedCommandWith(GetQueryResultsCommand, { QueryExecutionId: QUERY_ID });
    expect(athenaMock).not.toHaveReceivedCommand(StopQueryExecutionCommand);
  });

  it('answers 0 rows when Athena reports no count, or the results cannot be read, as the partition is written anyway', async () => {
    // Prepare
    states({ state: 'SUCCEEDED' });
    athenaMock
      .on(GetQueryResultsCommand)
      .resolvesOnce({ ResultSet: { Rows: [] } })
      .rejectsOnce(new InvalidRequestException({ message: 'no results for this statement', $metadata: {} }));

    // Act
    const withoutCount = await run(engine());
    const unreadable = await run(engine());

    // Assess
    expect(withoutCount).toEqual({ value: { rows: 0 } });
    expect(unreadable).toEqual({ value: { rows: 0 } });
  });

  it.each([
    ['FAILED', 'HIVE_PATH_ALREADY_EXISTS: Target directory for table already exists'],
    ['CANCELLED', 'Query cancelled by user'],
  ] as const)('throws with the StateChangeReason when the query is %s', async (state, reason) => {
    // Prepare
    states({ state: 'RUNNING' }, { state, reason });

    // Act
    const outcome = await run(engine());

    // Assess
    expect('error' in outcome && outcome.error).toBeInstanceOf(KpiQueryError);
    const error = (outcome as { error: KpiQueryError }).error;
    expect(error.message).toContain(state);
    expect(error.message).toContain(reason);
    expect(error.queryExecutionId).toBe(QUERY_ID);
    expect(athenaMock).not.toHaveReceivedCommand(StopQueryExecutionCommand);
    expect(athenaMock).not.toHaveReceivedCommand(GetQueryResultsCommand);
  });

  it('stops the query and throws when it is still running at the timeout', async () => {
    // Prepare
    states({ state: 'QUEUED' }, { state: 'RUNNING' });
    const started = Date.now();

    // Act
    const outcome = await run(engine({ timeoutMs: 5_000 }));

    // Assess
    expect('error' in outcome && outcome.error).toBeInstanceOf(KpiQueryError);
    expect((outcome as { error: Error }).error.message).toMatch(/did not finish within 5000 ms \(last state RUNNING\); stopped it/);
    expect(athenaMock).toHaveReceivedCommandTimes(StopQueryExecutionCommand, 1);
    expect(athenaMock).toHaveReceivedCommandWith(StopQueryExecutionCommand, { QueryExecutionId: QUERY_ID });
    expect(Date.now() - started).toBe(5_000);
  });

  it('asks a timeout function when the query starts (in Lambda: the time left minus a margin)', async () => {
    // Prepare
    states({ state: 'RUNNING' });
    let left = 60_000;
    const timeout = vi.fn(() => left - 57_000);
    const subject = engine({ timeoutMs: timeout });
    left = 5_000; // the facts took most of the invocation

    // Act
    const outcome = await run(subject);

    // Assess: 5 s left − 57 s of margin is already past: stopped after the first poll.
    expect(timeout).toHaveBeenCalledTimes(1);
    expect('error' in outcome).toBe(true);
    expect(athenaMock).toHaveReceivedCommandTimes(GetQueryExecutionCommand, 1);
    expect(athenaMock).toHaveReceivedCommandTimes(StopQueryExecutionCommand, 1);
  });

  it('clears the night’s kpis partition before the query (UNLOAD refuses a target with data), and nothing else', async () => {
    // Prepare: files of an earlier run of the night (Athena's own names), and of another night.
    for (const key of [
      `kpis/dt=${DATE}/20261123_023000_00001_abcde_0.parquet`,
      `kpis/dt=${DATE}/20261123_023000_00001_abcde_1.parquet`,
      'kpis/dt=2026-11-22/part-00000.parquet',
      `journey_facts/dt=${DATE}/part-000-00000.parquet`,
    ]) {
      await lake.put(key);
    }
    states({ state: 'SUCCEEDED' });

    // Act
    await run(engine());

    // Assess
    expect(log).toEqual([
      `list kpis/dt=${DATE}/`,
      `delete kpis/dt=${DATE}/20261123_023000_00001_abcde_0.parquet,kpis/dt=${DATE}/20261123_023000_00001_abcde_1.parquet`,
      'StartQueryExecution',
    ]);
    expect([...lake.keys].sort()).toEqual([`journey_facts/dt=${DATE}/part-000-00000.parquet`, 'kpis/dt=2026-11-22/part-00000.parquet']);
  });

  it('refuses a malformed night or cost before touching the lake or Athena', async () => {
    // Prepare
    await lake.put(`kpis/dt=${DATE}/part-00000.parquet`);

    // Act
    const badDate = await engine()
      .writeKpis("2026-11-23' OR 1=1 --", 250)
      .catch((error: unknown) => error);
    const badCost = await engine()
      .writeKpis(DATE, Number.NaN)
      .catch((error: unknown) => error);

    // Assess
    expect(badDate).toBeInstanceOf(RangeError);
    expect(badCost).toBeInstanceOf(RangeError);
    expect(log).toEqual([]);
    expect(athenaMock).not.toHaveReceivedCommand(StartQueryExecutionCommand);
  });

  it('refuses a bucket name that is not one (it is written into the SQL)', () => {
    expect(() => engine({ bucket: "lake' ; DROP" })).toThrow(/bucket must be an S3 bucket name/);
  });
});
