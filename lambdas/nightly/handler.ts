import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { loadLambdaEngine } from '#shared/adapters/aws/lambda-engine';
import { AthenaKpiEngine } from '#shared/adapters/aws/athena-kpi-engine';
import { createAthenaClient, createS3Client } from '#shared/adapters/aws/lake-clients';
import { optionalEnv, requireEnv } from '#shared/adapters/aws/environment';
import { S3ObjectStore } from '#shared/adapters/aws/s3-object-store';
import { encodeParquet } from '#shared/adapters/parquet';
import { runNightlyJob, type NightlySummary } from '#shared/engine/nightly-job';
// Embedded at bundle time (esbuild's text loader, set in lib/nightly-job.ts).
import kpiSqlTemplate from '../../sql/kpis.sql';

const { deps, logger } = await loadLambdaEngine();
const bucket = requireEnv('LAKE_BUCKET');
const lake = new S3ObjectStore({ client: createS3Client(), bucket });
const costPerAcquisition = z.coerce.number().positive().parse(requireEnv('COST_PER_ACQUISITION'));
const scanSegments = z.coerce.number().int().min(1).max(64).parse(requireEnv('SCAN_SEGMENTS'));
/** `athena`: Athena computes the KPIs from the facts in S3; `in-process`: this function does. */
const kpiEngine = z.enum(['in-process', 'athena']).parse(optionalEnv('KPI_ENGINE') ?? 'in-process');
const athena =
  kpiEngine === 'athena'
    ? { client: createAthenaClient(), workgroup: requireEnv('ATHENA_WORKGROUP'), database: requireEnv('ATHENA_DATABASE') }
    : undefined;
/** Time kept back to stop a still-running Athena query and report, before Lambda's own timeout. */
const STOP_MARGIN_MS = 30_000;

/** Scheduler's nightly cron sends `{}`; an operator may re-run a night with `{"date": "YYYY-MM-DD"}`. */
const NightlyInput = z.object({ date: z.iso.date().optional() });

/** Writes the night's journey facts and KPIs to the lake bucket as Parquet `dt=` partitions. */
export const handler = middy(async (event: unknown, context: Context): Promise<NightlySummary> => {
  const date = NightlyInput.parse(event ?? {}).date ?? new Date(deps.clock.now()).toISOString().slice(0, 10);
  const engine =
    athena &&
    new AthenaKpiEngine({
      ...athena,
      lake,
      bucket,
      sqlTemplate: kpiSqlTemplate,
      timeoutMs: () => context.getRemainingTimeInMillis() - STOP_MARGIN_MS,
    });
  return runNightlyJob(
    {
      store: deps.store,
      lake,
      encode: encodeParquet,
      policies: deps.policies,
      clock: deps.clock,
      logger,
      idHashKey: deps.idHashKey,
      costPerAcquisition,
      scanSegments,
      kpiEngine: engine,
    },
    date,
  );
}).use(injectLambdaContext(logger));
