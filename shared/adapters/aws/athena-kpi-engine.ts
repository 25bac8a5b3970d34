import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  QueryExecutionState,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { fillKpiSql } from '#shared/domain/kpi/kpi-sql';
import { KPIS } from '#shared/domain/kpi/tables';
import type { KpiQueryEngine } from '#shared/ports/kpi-query-engine';
import type { ObjectStore } from '#shared/ports/object-store';

/** Options of {@link AthenaKpiEngine}. */
export interface AthenaKpiEngineOptions {
  /** Created once per process with `createAthenaClient()` (`lake-clients.ts`). */
  readonly client: AthenaClient;
  /** The Athena workgroup (it enforces the result location, its encryption and the scan limit). */
  readonly workgroup: string;
  /** The Glue database of the analyst tables (`winback`). */
  readonly database: string;
  /** The lake bucket as an object store: the `kpis` partition is cleared through it before the query. */
  readonly lake: ObjectStore;
  /** The lake bucket's name, for the UNLOAD target `s3://<bucket>/kpis/dt=<date>/`. */
  readonly bucket: string;
  /**
   * The text of `sql/kpis.sql`, with its `{{…}}` placeholders. The caller reads it (the nightly
   * Lambda embeds the file at bundle time), so this adapter needs no file system.
   */
  readonly sqlTemplate: string;
  /**
   * How long to wait between two GetQueryExecution polls.
   * @default 2000 ms
   */
  readonly pollIntervalMs?: number;
  /**
   * How long to wait for the query before stopping it and failing: a number, or a function asked
   * when the query starts — in Lambda, what is left of the invocation minus a margin, so the
   * query is stopped (not left running, and billed) before Lambda ends the process.
   * @default 10 minutes
   */
  readonly timeoutMs?: number | (() => number);
}

/** Thrown when Athena reports the KPI query FAILED or CANCELLED, or it did not finish in time. */
export class KpiQueryError extends Error {
  constructor(
    message: string,
    /** The query execution, to look up in the Athena console or with GetQueryExecution. */
    readonly queryExecutionId: string,
  ) {
    super(message);
    this.name = 'KpiQueryError';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * {@link KpiQueryEngine} on Athena: the KPIs are computed by Athena's distributed engine over the
 * `journey_facts` Parquet in the lake, and written back to the lake by Athena itself, so the
 * Lambda only starts the query and waits for it.
 *
 * Primary course:
 *  1. Fill `sql/kpis.sql` for the night and the cost per acquisition (validated: only a date and
 *     a number reach the SQL).
 *  2. Delete every object under `kpis/dt=<date>/`: UNLOAD refuses a target that holds data (it
 *     never overwrites), and a failed UNLOAD leaves its partial files behind.
 *  3. Start `UNLOAD (<sql>) TO 's3://<bucket>/kpis/dt=<date>/' WITH (format = 'PARQUET',
 *     compression = 'SNAPPY')` in the workgroup, with the database as the query's context.
 *     UNLOAD writes Parquet files with names of its own, in parallel (each file sorted, not the
 *     files among themselves), and its manifest and metadata under the workgroup's result
 *     location — not in the partition. The column names and types are those of the SELECT, which
 *     `sql/kpis.sql` casts to the Glue `kpis` table's (INTEGER → int, DOUBLE → double).
 *  4. Poll GetQueryExecution every `pollIntervalMs` until SUCCEEDED. FAILED or CANCELLED throws
 *     with Athena's StateChangeReason; past `timeoutMs` the query is stopped and the call throws.
 *  5. Answer the rows written: GetQueryResults' `UpdateCount` where Athena reports it, else 0
 *     (the API documents the count for CTAS, INSERT INTO and UPDATE, not for UNLOAD).
 */
export class AthenaKpiEngine implements KpiQueryEngine {
  private readonly options: AthenaKpiEngineOptions;
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number | (() => number);

  constructor(options: AthenaKpiEngineOptions) {
    if (!/^[a-z0-9.-]{3,63}$/.test(options.bucket))
      throw new Error(`bucket must be an S3 bucket name, got ${JSON.stringify(options.bucket)}`);
    this.options = options;
    this.pollIntervalMs = options.pollIntervalMs ?? 2_000;
    this.timeoutMs = options.timeoutMs ?? 10 * 60_000;
  }

  /** The UNLOAD statement for one night, as sent to Athena. */
  unloadStatement(date: string, costPerAcquisition: number): string {
    const select = fillKpiSql(this.options.sqlTemplate, date, costPerAcquisition).trim().replace(/;\s*$/, '');
    // Own lines around the query: its last line could be a `--` comment, which would swallow the `)`.
    return `UNLOAD (\n${select}\n)\nTO '${this.target(date)}'\nWITH (format = 'PARQUET', compression = 'SNAPPY')`;
  }

  async writeKpis(date: string, costPerAcquisition: number): Promise<{ rows: number }> {
    const { client, lake, workgroup, database } = this.options;
    const statement = this.unloadStatement(date, costPerAcquisition);
    await lake.delete(await lake.list(partitionPrefix(date)));

    const timeoutMs = typeof this.timeoutMs === 'function' ? this.timeoutMs() : this.timeoutMs;
    const started = Date.now();
    const { QueryExecutionId: id } = await client.send(
      new StartQueryExecutionCommand({ QueryString: statement, WorkGroup: workgroup, QueryExecutionContext: { Database: database } }),
    );
    if (!id) throw new Error('Athena StartQueryExecution answered without a QueryExecutionId');

    for (;;) {
      const { QueryExecution: execution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = execution?.Status?.State;
      if (state === QueryExecutionState.SUCCEEDED) break;
      if (state === QueryExecutionState.FAILED || state === QueryExecutionState.CANCELLED) {
        throw new KpiQueryError(`KPI query ${id} for ${date} ${state}: ${execution?.Status?.StateChangeReason ?? 'no reason given'}`, id);
      }
      if (Date.now() - started >= timeoutMs) {
        // Stop it, or it keeps scanning (and billing) after this run has given up.
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
        throw new KpiQueryError(
          `KPI query ${id} for ${date} did not finish within ${timeoutMs} ms (last state ${state ?? 'unknown'}); stopped it`,
          id,
        );
      }
      await sleep(this.pollIntervalMs);
    }
    return { rows: await this.rowsWritten(id) };
  }

  private target(date: string): string {
    return `s3://${this.options.bucket}/${partitionPrefix(date)}`;
  }

  /**
   * The count is informative only (the summary's `kpiRows`): the partition is written whatever
   * this answers, so a failure to read it must not fail the night.
   */
  private async rowsWritten(id: string): Promise<number> {
    try {
      const { UpdateCount } = await this.options.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 1 }));
      return typeof UpdateCount === 'number' && Number.isInteger(UpdateCount) && UpdateCount >= 0 ? UpdateCount : 0;
    } catch {
      return 0;
    }
  }
}

const partitionPrefix = (date: string) => `${KPIS.prefix}dt=${date}/`;
