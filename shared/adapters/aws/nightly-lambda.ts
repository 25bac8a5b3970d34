import type { EnvironmentConfig } from '#shared/config/lambda-environment';
import { runNightlyJob, type NightlySummary } from '#shared/engine/nightly-job';
import { encodeParquet } from '../parquet.ts';
import { AthenaKpiEngine } from './athena-kpi-engine.ts';
import { ATHENA_CALL, worstCaseCallMs } from './clients.ts';
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
 * as Parquet `dt=` partitions.
 */
export function createNightlyRun(
  { deps, logger }: LambdaEngine,
  environment: EnvironmentConfig<'nightly'>,
  sqlTemplate: string,
): NightlyRun {
  const bucket = environment.LAKE_BUCKET;
  const lake = new S3ObjectStore({ client: createS3Client(), bucket });
  // `athena`: Athena computes the KPIs from the facts in S3; `in-process`: this function does.
  // The schema refuses `athena` without the workgroup and database.
  const athena =
    environment.KPI_ENGINE === 'athena'
      ? { client: createAthenaClient(), workgroup: environment.ATHENA_WORKGROUP!, database: environment.ATHENA_DATABASE! }
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
      },
      date ?? new Date(deps.clock.now()).toISOString().slice(0, 10),
    );
  };
}
