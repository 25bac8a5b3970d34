import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { loadLambdaEngine } from '#shared/adapters/aws/lambda-engine';
import { createNightlyRun } from '#shared/adapters/aws/nightly-lambda';
import { readLambdaEnvironment } from '#shared/config/lambda-environment';
import type { NightlySummary } from '#shared/engine/nightly-job';
// Embedded at bundle time (esbuild's text loader, set in lib/nightly-job.ts).
import kpiSqlTemplate from '../../sql/kpis.sql';

const environment = readLambdaEnvironment('nightly');
const engine = await loadLambdaEngine(environment.engine);
const runNight = createNightlyRun(engine, environment.nightly, kpiSqlTemplate);

/** Scheduler's nightly cron sends `{}`; an operator may re-run a night with `{"date": "YYYY-MM-DD"}`. */
const NightlyInput = z.object({ date: z.iso.date().optional() });

/** Writes the night's journey facts and KPIs to the lake bucket as Parquet `dt=` partitions. */
export const handler = middy(
  async (event: unknown, context: Context): Promise<NightlySummary> =>
    runNight(NightlyInput.parse(event ?? {}).date, () => context.getRemainingTimeInMillis()),
).use(injectLambdaContext(engine.logger));
