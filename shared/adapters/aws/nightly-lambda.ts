import type { EnvironmentConfig } from '#shared/config/lambda-environment';
import { runNightlyJob, type NightlySummary } from '#shared/engine/nightly-job';
import { createReportPublisher } from '#shared/report/publish';
import type { ReportSql } from '#shared/report/queries';
import { encodeParquet } from '../parquet.ts';
import { AthenaKpiEngine } from './athena-kpi-engine.ts';
import { ATHENA_CALL, worstCaseCallMs } from './clients.ts';
import { AthenaSqlReader } from './athena-sql-reader.ts';
import { createAthenaClient, createS3Client } from './lake-clients.ts';
import type { LambdaEngine } from './lambda-engine.ts';
import { S3ObjectStore } from './s3-object-store.ts';

/**
 * Time kept back to stop a still-running Athena query and report, before Lambda's own timeout:
 * the stop call as slow as its client allows, and 5 s for the report.
 */
export const STOP_MARGIN_MS = worstCaseCallMs(ATHENA_CALL) + 5_000;

/** One run of the nightly job: the night (`YYYY-MM-DD`, today's by the engine's clock if absent), and the time the invocation has left. */
export type NightlyRun = (date: string | undefined, remainingMs: () => number) => Promise<NightlySummary>;

/**
 * The composition root of the nightly function: the lake bucket, and with `KPI_ENGINE=athena`
 * the Athena engine that runs `sqlTemplate` (`sql/kpis.sql`, embedded in the bundle), wired once
 * per cold start from the `nightly` settings; each run writes the night's journey facts and KPIs
 * as Parquet `dt=` partitions. With `reportSql` (`sql/report/*.sql`, embedded too) and the Athena
 * names, each run then writes the night's KPI report under `reports/`, its queries run by Athena.
 * The scan also resolves the touches it meets stuck in `sending` (see `runNightlyJob`).
 */
export function createNightlyRun(
  { deps, logger }: LambdaEngine,
  environment: EnvironmentConfig<'nightly'>,
  sqlTemplate: string,
  reportSql?: ReportSql,
): NightlyRun {
  const bucket = environment.LAKE_BUCKET;
  const lake = new S3ObjectStore({ client: createS3Client(), bucket });
  const workgroup = environment.ATHENA_WORKGROUP;
  const database = environment.ATHENA_DATABASE;
  const athenaClient = workgroup && database && (environment.KPI_ENGINE === 'athena' || reportSql) ? createAthenaClient() : undefined;
  // `athena`: Athena computes the KPIs from the facts in S3; `in-process`: this function does.
  // The schema refuses `athena` without the workgroup and database.
  const athena = environment.KPI_ENGINE === 'athena' ? { client: athenaClient!, workgroup: workgroup!, database: database! } : undefined;
  const report =
    reportSql && athenaClient
      ? createReportPublisher({
          openReader: async () => new AthenaSqlReader({ client: athenaClient, workgroup: workgroup!, database: database! }),
          sql: reportSql,
          lake,
          now: () => deps.clock.now(),
        })
      : undefined;
  return (date, remainingMs) => {
    const kpiEngine =
      athena && new AthenaKpiEngine({ ...athena, lake, bucket, sqlTemplate, timeoutMs: () => remainingMs() - STOP_MARGIN_MS });
    return runNightlyJob(
      {
        store: deps.store,
        lake,
        encode: encodeParquet,
        policies: deps.policies,
        clock: deps.clock,
        logger,
        idHashKey: deps.idHashKey,
        costPerAcquisition: environment.COST_PER_ACQUISITION,
        scanSegments: environment.SCAN_SEGMENTS,
        kpiEngine,
        report,
        // Claims stuck in `sending` are resolved as the scan meets them; no channel here can show a
        // message went out (SMS and SES cannot be asked), so they end `failed: outcome_unknown`.
        engine: deps,
      },
      date ?? new Date(deps.clock.now()).toISOString().slice(0, 10),
    );
  };
}
