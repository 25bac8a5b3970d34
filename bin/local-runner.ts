import { appendFileSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { perChannel } from '#shared/domain/channels';
import { parsePolicy, type Policy } from '#shared/domain/policy';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import { ValidationError } from '#shared/domain/errors';
import { toFieldIssues } from '#shared/domain/events';
import type { EngineDeps } from '#shared/engine/deps';
import { fireTimer } from '#shared/engine/fire-timer';
import { createRouter, MAX_BODY_BYTES } from '#shared/http/router';
import { v1Routes } from '#shared/http/v1-routes';
import { unsubscribeRoutes } from '#shared/http/unsubscribe-routes';
import { deriveKey } from '#shared/domain/keys';
import { apiKeyAuthorizer } from '#shared/http/api-key';
import type { Route } from '#shared/http/http-types';
import { fromNodeRequest } from '#shared/http/node-request';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient, startDynamoDbLocal } from '#shared/adapters/local/dynamodb-local';
import { LocalTimers } from '#shared/adapters/local/local-timers';
import { OutboxChannel } from '#shared/adapters/local/outbox-channel';
import { VirtualClock } from '#shared/adapters/local/virtual-clock';
import { DuckDbKpiEngine } from '#shared/adapters/local/duckdb-kpi-engine';
import { FileObjectStore } from '#shared/adapters/local/file-object-store';
import { encodeParquet } from '#shared/adapters/parquet';
import { NightlyRequest, runNightlyJob } from '#shared/engine/nightly-job';

/** Settings of the local runner (DESIGN.md, "Local runner"), read from the environment. */
export const LocalConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  WINBACK_API_KEY: z.string().min(8, 'must be at least 8 characters').default('local-dev-key'),
  WINBACK_START_TIME: z.iso.datetime({ offset: true }).optional(),
  WINBACK_DATA_DIR: z.string().min(1).default('.winback'),
  /** Optional JSON policy file replacing the embedded default. */
  WINBACK_POLICY_FILE: z.string().min(1).optional(),
  /** The local stand-in for the deployment's master secret: pseudonymous ids and unsubscribe links derive from it. */
  WINBACK_MASTER_KEY: z.string().min(16, 'must be at least 16 characters').default('winback-local-master-key'),
  /** What acquiring a new customer costs, for the KPIs' cost comparison (policy currency). */
  WINBACK_COST_PER_ACQUISITION: z.coerce.number().positive().default(150),
  /**
   * Who computes the nightly KPIs: the job itself (`in-process`), or DuckDB running
   * `sql/kpis.sql` over the facts the job wrote (`duckdb`, what Athena does in AWS with
   * `kpiEngine: "athena"`). Both write the same `kpis` partition.
   */
  WINBACK_KPI_ENGINE: z.enum(['in-process', 'duckdb']).default('in-process'),
  /** Port of DynamoDB Local; any free port when absent. */
  WINBACK_DYNAMODB_PORT: z.coerce.number().int().min(0).max(65535).optional(),
});
export type LocalConfig = z.output<typeof LocalConfigSchema>;

export function readLocalConfig(env: NodeJS.ProcessEnv): LocalConfig {
  const result = LocalConfigSchema.safeParse(env);
  if (!result.success) throw new ValidationError('invalid local runner settings', toFieldIssues(result.error));
  return result.data;
}

export const TABLE_NAME = 'winback';

/** `WINBACK_POLICY_FILE` may list several files, comma-separated: every version still in use. */
function loadPolicies(files: string | undefined): Policy[] {
  return (files ?? '')
    .split(',')
    .filter(Boolean)
    .map((file) => parsePolicy(JSON.parse(readFileSync(file.trim(), 'utf8'))));
}

/**
 * A flat object rather than a union of two: zod reports a failed union as the whole body's
 * fault, where a flat object names the field (`advanceDays`). The refine leaves exactly one set.
 */
const ClockRequest = z
  .strictObject({ advanceDays: z.number().positive().max(3650).optional(), advanceTo: z.iso.datetime({ offset: true }).optional() })
  .refine((move) => (move.advanceDays === undefined) !== (move.advanceTo === undefined), 'send either advanceDays or advanceTo');

export interface LocalRunner {
  url: string;
  apiKey: string;
  clock: VirtualClock;
  /** Every route it serves, `/local/*` included: tests walk them all. */
  routes: readonly Route[];
  close(): Promise<void>;
}

/**
 * The local runner: the same engine and the same v1 routes as in AWS, with DynamoDB Local as
 * the store (through the same DynamoDB adapter), a virtual clock, durable local timers and an
 * outbox instead of SNS and SES. Adds `/local/*` routes, behind the API key like the rest.
 */
export async function startLocalRunner(config: LocalConfig): Promise<LocalRunner> {
  const logger = new Logger({ serviceName: 'winback-local' });
  const dataDir = config.WINBACK_DATA_DIR;
  const policies = deploymentPolicies(loadPolicies(config.WINBACK_POLICY_FILE));
  const dynamo = await startDynamoDbLocal({
    dbPath: join(dataDir, 'dynamodb'),
    ...(config.WINBACK_DYNAMODB_PORT ? { port: config.WINBACK_DYNAMODB_PORT } : {}),
  });
  const client = localDynamoClient(dynamo.endpoint);
  await ensureTable(client, TABLE_NAME);

  const clock = new VirtualClock(
    join(dataDir, 'clock.json'),
    config.WINBACK_START_TIME ? Date.parse(config.WINBACK_START_TIME) : Date.now(),
  );
  const timers = new LocalTimers(join(dataDir, 'timers.jsonl'));
  const outbox = new OutboxChannel(join(dataDir, 'outbox.jsonl'), clock);
  // The lake, laid out as in S3, so `npm run query` (DuckDB) reads what Athena would.
  const lake = new FileObjectStore(join(dataDir, 'lake'));
  const kpiEngine = config.WINBACK_KPI_ENGINE === 'duckdb' ? new DuckDbKpiEngine(join(dataDir, 'lake')) : undefined;
  const deps: EngineDeps = {
    store: new DynamoDbCustomerStore({
      client: createDocumentClient(client),
      tableName: TABLE_NAME,
      phoneHashKey: deriveKey(config.WINBACK_MASTER_KEY, 'phone-lookup'),
    }),
    scheduler: timers,
    channels: { ...perChannel(() => outbox), task: outbox },
    clock,
    policies,
    logger,
    idHashKey: deriveKey(config.WINBACK_MASTER_KEY, 'customer-id-hash'),
  };

  // One clock move at a time: two overlapping advances would fire timers out of order.
  let clockQueue: Promise<unknown> = Promise.resolve();
  const advance = (targetMs: number) => {
    const run = clockQueue.then(async () => {
      if (targetMs < clock.now())
        throw new ValidationError('the clock only moves forward', [
          { path: 'advanceTo', code: 'too_small', message: `must not be before ${new Date(clock.now()).toISOString()}` },
        ]);
      const fired = await timers.fireDue(targetMs, async (timer) => {
        clock.set(Math.max(clock.now(), Date.parse(timer.dueAt)));
        try {
          await fireTimer(deps, timer.payload);
        } catch (error) {
          // What Scheduler would put in its dead-letter queue after its retries.
          appendFileSync(
            join(dataDir, 'dead-letters.jsonl'),
            `${JSON.stringify({ timer, error: String(error), at: new Date(clock.now()).toISOString() })}\n`,
          );
          logger.error('touch timer failed; dead-lettered', { timerName: timer.name, error: String(error) });
        }
      });
      clock.set(targetMs);
      return { now: new Date(clock.now()).toISOString(), fired };
    });
    clockQueue = run.catch(() => undefined);
    return run;
  };

  const localRoutes: Route[] = [
    {
      method: 'POST',
      path: '/local/clock',
      handler: async ({ json }) => {
        const parsed = ClockRequest.safeParse(json);
        if (!parsed.success) throw new ValidationError('send {"advanceDays": n} or {"advanceTo": "<ISO>"}', toFieldIssues(parsed.error));
        const { advanceDays, advanceTo } = parsed.data;
        const target = advanceTo === undefined ? clock.now() + Math.round(advanceDays! * 86_400_000) : Date.parse(advanceTo);
        return { status: 200, body: await advance(target) };
      },
    },
    {
      method: 'GET',
      path: '/local/clock',
      handler: async () => ({ status: 200, body: { now: new Date(clock.now()).toISOString() } }),
    },
    {
      method: 'GET',
      path: '/local/outbox',
      handler: async () => ({ status: 200, body: { messages: outbox.list() } }),
    },
    {
      method: 'POST',
      path: '/local/jobs/nightly',
      handler: async ({ json }) => {
        const parsed = NightlyRequest.safeParse(json);
        if (!parsed.success) throw new ValidationError('send {"date": "YYYY-MM-DD"}', toFieldIssues(parsed.error));
        const summary = await runNightlyJob(
          {
            store: deps.store,
            lake,
            encode: encodeParquet,
            policies,
            clock,
            logger,
            idHashKey: deps.idHashKey,
            costPerAcquisition: config.WINBACK_COST_PER_ACQUISITION,
            scanSegments: 2,
            kpiEngine,
          },
          parsed.data.date,
        );
        return { status: 200, body: summary };
      },
    },
  ];

  const unsubscribe = unsubscribeRoutes(deps, deriveKey(config.WINBACK_MASTER_KEY, 'unsubscribe-link'));
  const routes = [...v1Routes(deps), ...unsubscribe, ...localRoutes];
  const handle = createRouter({ routes, authorize: apiKeyAuthorizer(config.WINBACK_API_KEY), logger });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const response = await handle(await fromNodeRequest(req, MAX_BODY_BYTES));
      res.writeHead(response.statusCode, response.headers).end(response.body);
    })().catch((error: unknown) => {
      logger.error('local server failure', { error: String(error) });
      if (!res.headersSent)
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end('{"error":{"code":"internal_error","message":"internal error","details":[]}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(config.PORT, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey: config.WINBACK_API_KEY,
    clock,
    routes,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      client.destroy();
      await dynamo.stop();
    },
  };
}
