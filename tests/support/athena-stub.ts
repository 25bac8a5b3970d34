import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openLake } from '#shared/adapters/local/duckdb-lake';
import { startFakeAwsEndpoint, type FakeAwsEndpoint } from '../unit/adapters/fake-aws-endpoint.ts';

/** The lake's objects as they are now: key → bytes. */
export type LakeSnapshot = () => Promise<Array<{ key: string; body: Uint8Array }>>;

export interface AthenaStub extends FakeAwsEndpoint {
  /** Every SQL query started, in order. */
  queries: string[];
}

type Execution = { state: 'RUNNING' } | { state: 'SUCCEEDED'; rows: Array<Record<string, unknown>> } | { state: 'FAILED'; reason: string };

/**
 * Athena (JSON 1.1 protocol) for SELECTs, answered by DuckDB over the lake's current objects, so a
 * Lambda bundle that reads the KPI tables through its own SDK client can run here: a query runs
 * in the background from `StartQueryExecution`, `GetQueryExecution` says RUNNING until it is done,
 * and `GetQueryResults` answers one page, the header row first, as Athena does. Column types are
 * told from the values (`double`, `boolean`, `varchar`), enough for the readers' conversions.
 */
export async function startAthenaStub(snapshot: LakeSnapshot): Promise<AthenaStub> {
  const executions = new Map<string, Execution>();
  const queries: string[] = [];
  const endpoint = await startFakeAwsEndpoint((request, index) => {
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `athena-stub-${index}` };
    const body = JSON.parse(request.body || '{}') as { QueryString?: string; QueryExecutionId?: string };
    const target = request.headers['x-amz-target'];
    if (target === 'AmazonAthena.StartQueryExecution') {
      const id = `stub-query-${executions.size + 1}`;
      queries.push(body.QueryString ?? '');
      executions.set(id, { state: 'RUNNING' });
      runQuery(snapshot, body.QueryString ?? '').then(
        (rows) => executions.set(id, { state: 'SUCCEEDED', rows }),
        (error: unknown) => executions.set(id, { state: 'FAILED', reason: String(error) }),
      );
      return { status: 200, headers, body: JSON.stringify({ QueryExecutionId: id }) };
    }
    const execution = executions.get(body.QueryExecutionId ?? '');
    if (!execution) return { status: 400, headers, body: JSON.stringify({ __type: 'InvalidRequestException', Message: 'no such query' }) };
    if (target === 'AmazonAthena.GetQueryExecution') {
      const status = execution.state === 'FAILED' ? { State: 'FAILED', StateChangeReason: execution.reason } : { State: execution.state };
      return {
        status: 200,
        headers,
        body: JSON.stringify({ QueryExecution: { QueryExecutionId: body.QueryExecutionId, Status: status } }),
      };
    }
    if (target === 'AmazonAthena.GetQueryResults' && execution.state === 'SUCCEEDED')
      return { status: 200, headers, body: JSON.stringify({ ResultSet: resultSet(execution.rows) }) };
    return { status: 400, headers, body: JSON.stringify({ __type: 'InvalidRequestException', Message: `unsupported ${target}` }) };
  });
  return { ...endpoint, queries };
}

async function runQuery(snapshot: LakeSnapshot, sql: string): Promise<Array<Record<string, unknown>>> {
  const root = mkdtempSync(join(tmpdir(), 'winback-athena-stub-'));
  try {
    for (const { key, body } of await snapshot()) {
      mkdirSync(dirname(join(root, key)), { recursive: true });
      writeFileSync(join(root, key), body);
    }
    const lake = await openLake(root);
    try {
      return await lake.query(sql);
    } finally {
      lake.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const typeOf = (values: unknown[]) => {
  const value = values.find((v) => v !== null && v !== undefined);
  return typeof value === 'number' ? 'double' : typeof value === 'boolean' ? 'boolean' : 'varchar';
};

function resultSet(rows: Array<Record<string, unknown>>) {
  const names = Object.keys(rows[0] ?? {});
  const columnInfo = names.map((name) => ({ Name: name, Label: name, Type: typeOf(rows.map((row) => row[name])) }));
  const cell = (value: unknown) => (value === null || value === undefined ? {} : { VarCharValue: String(value) });
  return {
    ResultSetMetadata: { ColumnInfo: columnInfo },
    Rows: [{ Data: names.map((name) => ({ VarCharValue: name })) }, ...rows.map((row) => ({ Data: names.map((name) => cell(row[name])) }))],
  };
}
