import 'aws-sdk-client-mock-vitest/extend';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryError, AthenaSqlReader } from '#shared/adapters/aws/athena-sql-reader';

const athenaMock = mockClient(AthenaClient);
const QUERY_ID = 'q-0001';
const COLUMNS = [
  { Name: 'grain', Type: 'varchar' },
  { Name: 'treatment_eligible', Type: 'bigint' },
  { Name: 'treatment_rate', Type: 'double' },
  { Name: 'too_small', Type: 'boolean' },
  { Name: 'dt', Type: 'date' },
];
const cells = (...values: Array<string | undefined>) => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });

const reader = (timeoutMs = 60_000) =>
  new AthenaSqlReader({
    client: new AthenaClient({ region: 'eu-west-1' }),
    workgroup: 'winback',
    database: 'winback',
    pollIntervalMs: 1,
    timeoutMs,
  });

beforeEach(() => {
  athenaMock.reset();
  athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
});

describe('AthenaSqlReader', () => {
  it('runs the SELECT in the workgroup and database, waits for it, and reads every page as typed rows', async () => {
    // Prepare: running once, then done; two pages, the first starting with the header row.
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athenaMock
      .on(GetQueryResultsCommand, { QueryExecutionId: QUERY_ID, NextToken: undefined })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: COLUMNS },
          Rows: [
            cells('grain', 'treatment_eligible', 'treatment_rate', 'too_small', 'dt'),
            cells('programme', '80', '0.375', 'false', '2026-10-01'),
          ],
        },
        NextToken: 'page-2',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: QUERY_ID, NextToken: 'page-2' })
      .resolves({ ResultSet: { Rows: [cells('variant', '40', undefined, 'true', '2026-10-01')] } });

    // Act
    const rows = await reader().query('SELECT 1');

    // Assess
    expect(athenaMock).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: 'SELECT 1',
      WorkGroup: 'winback',
      QueryExecutionContext: { Database: 'winback' },
    });
    expect(rows).toEqual([
      { grain: 'programme', treatment_eligible: 80, treatment_rate: 0.375, too_small: false, dt: '2026-10-01' },
      { grain: 'variant', treatment_eligible: 40, treatment_rate: null, too_small: true, dt: '2026-10-01' },
    ]);
  });

  it("fails with Athena's reason when the query fails", async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'TABLE_NOT_FOUND: winback.kpis' } },
    });

    await expect(reader().query('SELECT 1')).rejects.toThrow(
      new AthenaQueryError('Athena query q-0001 FAILED: TABLE_NOT_FOUND: winback.kpis'),
    );
  });

  it('stops a query that runs past its time, and fails', async () => {
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });

    await expect(reader(5).query('SELECT 1')).rejects.toBeInstanceOf(AthenaQueryError);
    expect(athenaMock).toHaveReceivedCommandWith(StopQueryExecutionCommand, { QueryExecutionId: QUERY_ID });
  });
});
