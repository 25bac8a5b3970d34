import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  QueryExecutionState,
  type Row,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { SqlReader } from '#shared/ports/sql-reader';

export interface AthenaSqlReaderOptions {
  /** Created once per process with `createAthenaClient()` (`lake-clients.ts`). */
  readonly client: AthenaClient;
  /** The workgroup (it enforces the result location, its encryption and the scan limit). */
  readonly workgroup: string;
  /** The Glue database of the analyst tables (`winback`). */
  readonly database: string;
  /** @default 1000 ms */
  readonly pollIntervalMs?: number;
  /** How long one query may run before it is stopped and the call fails. @default 5 minutes */
  readonly timeoutMs?: number;
}

/** Athena answered FAILED or CANCELLED, or the query ran out of time. */
export class AthenaQueryError extends Error {
  override name = 'AthenaQueryError';
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const DECIMAL_TYPES = new Set(['double', 'real', 'float', 'decimal']);

/**
 * A cell as Athena sends it (text, or no value for NULL) as the plain value its column type
 * means, the same as DuckDB's reader gives: numbers, booleans, strings (dates as `YYYY-MM-DD`).
 */
export function athenaValue(text: string | undefined, column: ColumnInfo): unknown {
  if (text === undefined) return null;
  const type = (column.Type ?? 'varchar').toLowerCase().replace(/\(.*$/, '');
  if (INTEGER_TYPES.has(type) || DECIMAL_TYPES.has(type)) return Number(text);
  if (type === 'boolean') return text === 'true';
  return text;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * {@link SqlReader} on Athena, for SELECTs with small answers (the report's): starts the query in
 * the workgroup, polls until it ends, and pages through GetQueryResults, skipping the header row
 * Athena puts first. Types come from the result's column metadata.
 */
export class AthenaSqlReader implements SqlReader {
  constructor(private readonly options: AthenaSqlReaderOptions) {}

  async query(sql: string): Promise<Array<Record<string, unknown>>> {
    const { client, workgroup, database } = this.options;
    const { QueryExecutionId: id } = await client.send(
      new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: workgroup, QueryExecutionContext: { Database: database } }),
    );
    if (!id) throw new AthenaQueryError('Athena StartQueryExecution answered without a QueryExecutionId');
    await this.waitFor(id);
    return this.results(id);
  }

  private async waitFor(id: string): Promise<void> {
    const { client } = this.options;
    const started = Date.now();
    const timeoutMs = this.options.timeoutMs ?? 5 * 60_000;
    for (;;) {
      const { QueryExecution: execution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = execution?.Status?.State;
      if (state === QueryExecutionState.SUCCEEDED) return;
      if (state === QueryExecutionState.FAILED || state === QueryExecutionState.CANCELLED)
        throw new AthenaQueryError(`Athena query ${id} ${state}: ${execution?.Status?.StateChangeReason ?? 'no reason given'}`);
      if (Date.now() - started >= timeoutMs) {
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
        throw new AthenaQueryError(`Athena query ${id} did not finish within ${timeoutMs} ms; stopped it`);
      }
      await sleep(this.options.pollIntervalMs ?? 1_000);
    }
  }

  private async results(id: string): Promise<Array<Record<string, unknown>>> {
    const rows: Array<Record<string, unknown>> = [];
    let columns: ColumnInfo[] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page = await this.options.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }));
      if (first) columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const data: Row[] = page.ResultSet?.Rows ?? [];
      // The first row of a SELECT's first page holds the column names.
      for (const row of first ? data.slice(1) : data) {
        rows.push(Object.fromEntries(columns.map((column, i) => [column.Name!, athenaValue(row.Data?.[i]?.VarCharValue, column)])));
      }
      first = false;
      token = page.NextToken;
    } while (token);
    return rows;
  }
}
