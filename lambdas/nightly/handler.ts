import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { loadLambdaEngine } from '#shared/adapters/aws/lambda-engine';
import { createNightlyRun } from '#shared/adapters/aws/nightly-lambda';
import { readLambdaEnvironment } from '#shared/config/lambda-environment';
import type { NightlySummary } from '#shared/engine/nightly-job';
import type { ReportSql } from '#shared/report/queries';
// Embedded at bundle time (esbuild's text loader, set in lib/nightly-job.ts).
import kpiSqlTemplate from '../../sql/kpis.sql';
import funnel from '../../sql/report/funnel.sql';
import groups from '../../sql/report/groups.sql';
import nights from '../../sql/report/nights.sql';
import retention from '../../sql/report/retention.sql';
import tasks from '../../sql/report/tasks.sql';

const environment = readLambdaEnvironment('nightly');
const engine = await loadLambdaEngine(environment.engine);
const reportSql: ReportSql = { nights, groups, funnel, retention, tasks };
const runNight = createNightlyRun(engine, environment.nightly, kpiSqlTemplate, reportSql);

/** Scheduler's nightly cron sends `{}`; an operator may re-run a night with `{"date": "YYYY-MM-DD"}`. */
const NightlyInput = z.object({ date: z.iso.date().optional() });

/** Writes the night's journey facts and KPIs to the lake bucket as Parquet `dt=` partitions, then its report under `reports/`. */
export const handler = middy(
  async (event: unknown, context: Context): Promise<NightlySummary> =>
    runNight(NightlyInput.parse(event ?? {}).date, () => context.getRemainingTimeInMillis()),
).use(injectLambdaContext(engine.logger));
