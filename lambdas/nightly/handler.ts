import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { z } from 'zod';
import { loadLambdaEngine } from '#shared/adapters/aws/lambda-engine';
import { createS3Client } from '#shared/adapters/aws/clients';
import { requireEnv } from '#shared/adapters/aws/environment';
import { S3ObjectStore } from '#shared/adapters/aws/s3-object-store';
import { encodeParquet } from '#shared/adapters/parquet';
import { runNightlyJob, type NightlySummary } from '#shared/engine/nightly-job';

const { deps, logger } = await loadLambdaEngine({ channels: 'none' });
const lake = new S3ObjectStore({ client: createS3Client(), bucket: requireEnv('LAKE_BUCKET') });
const costPerAcquisition = z.coerce.number().positive().parse(requireEnv('COST_PER_ACQUISITION'));
const scanSegments = z.coerce.number().int().min(1).max(64).parse(requireEnv('SCAN_SEGMENTS'));

/** Scheduler's nightly cron sends `{}`; an operator may re-run a night with `{"date": "YYYY-MM-DD"}`. */
const NightlyInput = z.object({ date: z.iso.date().optional() });

/** Writes the night's journey facts and KPIs to the lake bucket as Parquet `dt=` partitions. */
export const handler = middy(async (event: unknown): Promise<NightlySummary> => {
  const date = NightlyInput.parse(event ?? {}).date ?? new Date(deps.clock.now()).toISOString().slice(0, 10);
  return runNightlyJob({ store: deps.store, lake, encode: encodeParquet, policies: deps.policies, clock: deps.clock, logger, idHashKey: deps.idHashKey, costPerAcquisition, scanSegments }, date);
}).use(injectLambdaContext(logger));
