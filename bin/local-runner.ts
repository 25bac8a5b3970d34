import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { perChannel } from '#shared/domain/channels';
import { parsePolicy, type Policy } from '#shared/domain/policy';
import { deploymentPolicies, type PolicyRegistry } from '#shared/domain/policy-registry';
import { PriceSettingsSchema } from '#shared/domain/default-prices';
import { type PriceTable, priceCurrencyIssues } from '#shared/domain/pricing';
import { ValidationError } from '#shared/domain/errors';
import { toFieldIssues } from '#shared/domain/events';
import type { EngineDeps } from '#shared/engine/deps';
import type { Clock } from '#shared/ports/clock';
import type { CustomerStore } from '#shared/ports/customer-store';
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
import { readLegacyTimeFiles, retireLegacyTimeFiles } from '#shared/adapters/local/legacy-time-files';
import { OutboxChannel } from '#shared/adapters/local/outbox-channel';
import { SqliteClock } from '#shared/adapters/local/sqlite-clock';
import { SqliteCustomerStore } from '#shared/adapters/local/sqlite-customer-store';
import { openSqliteDatabase } from '#shared/adapters/local/sqlite-database';
import { SqliteTimers } from '#shared/adapters/local/sqlite-timers';
import { VirtualTime } from '#shared/adapters/local/virtual-time';
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
  /**
   * Optional JSON file of message prices, the same shape as the deployment settings' `prices`
   * (keys left out take the same defaults as a deployment's).
   */
  WINBACK_PRICES_FILE: z.string().min(1).optional(),
  /** What acquiring a new customer costs, for the KPIs' cost comparison (policy currency). */
  WINBACK_COST_PER_ACQUISITION: z.coerce.number().positive().default(150),
  /**
   * Who computes the nightly KPIs: the job itself (`in-process`), or DuckDB running
   * `sql/kpis.sql` over the facts the job wrote (`duckdb`, what Athena does in AWS with
   * `kpiEngine: "athena"`). Both write the same `kpis` partition.
   */
  WINBACK_KPI_ENGINE: z.enum(['in-process', 'duckdb']).default('in-process'),
  /**
   * Where customers are stored: embedded SQLite (`sqlite`, `<data>/winback.db`, no Java needed), or
   * Amazon's DynamoDB Local (`dynamodb-local`, `<data>/dynamodb/`) through the same DynamoDB adapter
   * as in AWS. Timers and the virtual clock are in `<data>/winback.db` either way.
   */
  WINBACK_STORE: z.enum(['sqlite', 'dynamodb-local']).default('sqlite'),
  /** Port of DynamoDB Local (`WINBACK_STORE=dynamodb-local`); any free port when absent. */
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
 * The price table the local engine prices messages with: the file's (over the defaults), or the
 * defaults. A bad file, or a policy in a currency the table cannot price in, is a
 * `ValidationError` naming the file and each field at fault.
 */
export function loadPriceTable(file: string | undefined, policies: PolicyRegistry): PriceTable {
  const source = file ? `price file ${file}` : 'default prices';
  let raw: unknown;
  try {
    raw = file === undefined ? undefined : JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ValidationError(`invalid ${source}`, [{ path: 'WINBACK_PRICES_FILE', code: 'unreadable', message: String(error) }]);
  }
  const parsed = PriceSettingsSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`invalid ${source}`, toFieldIssues(parsed.error));
  const issues = priceCurrencyIssues(parsed.data, policies.versions());
  if (issues.length > 0)
    throw new ValidationError(
      `invalid ${source}`,
      issues.map((message) => ({ path: 'exchangeRates', code: 'custom', message })),
    );
  return parsed.data;
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
  /** The virtual clock (`resumed`: it came from the data folder, not from `WINBACK_START_TIME`). */
  clock: Clock & { readonly resumed: boolean };
  /** Every route it serves, `/local/*` included: tests walk them all. */
  routes: readonly Route[];
  close(): Promise<void>;
}

/** The runner's durable state: the customer store, and the timers and clock of `<data>/winback.db`. */
interface LocalData {
  store: CustomerStore;
  timers: SqliteTimers;
  clock: SqliteClock;
  close(): Promise<void>;
}

/**
 * Opens `<data>/winback.db` (timers, clock, and the customers with `WINBACK_STORE=sqlite`), and
 * starts DynamoDB Local for the customers with `dynamodb-local`. In that mode the clock and timer
 * files an older runner kept beside its DynamoDB Local folder (`clock.json`, `timers.jsonl`) are
 * moved into the database once, so its pending touches still fire.
 */
async function openLocalData(config: LocalConfig, logger: Logger): Promise<LocalData> {
  const dataDir = config.WINBACK_DATA_DIR;
  const database = openSqliteDatabase(join(dataDir, 'winback.db'));
  const startMs = config.WINBACK_START_TIME ? Date.parse(config.WINBACK_START_TIME) : Date.now();
  const phoneHashKey = deriveKey(config.WINBACK_MASTER_KEY, 'phone-lookup');
  const timers = new SqliteTimers(database);
  if (config.WINBACK_STORE === 'sqlite') {
    const clock = new SqliteClock(database, startMs);
    if (!clock.resumed && existsSync(join(dataDir, 'dynamodb')))
      logger.warn('this data folder holds DynamoDB Local data from an earlier run: set WINBACK_STORE=dynamodb-local to use it');
    const close = async () => void database.close();
    return { store: new SqliteCustomerStore({ database, phoneHashKey }), timers, clock, close };
  }
  const legacy = readLegacyTimeFiles(dataDir);
  const clock = new SqliteClock(database, legacy?.clockMs ?? startMs);
  for (const timer of legacy?.timers ?? []) await timers.schedule(timer);
  if (legacy) retireLegacyTimeFiles(dataDir);
  const dynamo = await startDynamoDbLocal({
    dbPath: join(dataDir, 'dynamodb'),
    ...(config.WINBACK_DYNAMODB_PORT ? { port: config.WINBACK_DYNAMODB_PORT } : {}),
  });
  const client = localDynamoClient(dynamo.endpoint);
  await ensureTable(client, TABLE_NAME);
  const store = new DynamoDbCustomerStore({ client: createDocumentClient(client), tableName: TABLE_NAME, phoneHashKey });
  const close = async () => {
    database.close();
    client.destroy();
    await dynamo.stop();
  };
  return { store, timers, clock, close };
}

/**
 * The local runner: the same engine and the same v1 routes as in AWS, with embedded SQLite (or
 * DynamoDB Local, through the same DynamoDB adapter) as the store, a virtual clock, crash-safe
 * timers and an outbox instead of SNS and SES. Adds `/local/*` routes, behind the API key like the
 * rest. At start it fires the timers a crash left due and unfinished.
 */
export async function startLocalRunner(config: LocalConfig): Promise<LocalRunner> {
  const logger = new Logger({ serviceName: 'winback-local' });
  const dataDir = config.WINBACK_DATA_DIR;
  const policies = deploymentPolicies(loadPolicies(config.WINBACK_POLICY_FILE));
  const prices = loadPriceTable(config.WINBACK_PRICES_FILE, policies);
  const data = await openLocalData(config, logger);
  const { clock, timers } = data;
  const outbox = new OutboxChannel(join(dataDir, 'outbox.jsonl'), clock);
  // The lake, laid out as in S3, so `npm run query` (DuckDB) reads what Athena would.
  const lake = new FileObjectStore(join(dataDir, 'lake'));
  const kpiEngine = config.WINBACK_KPI_ENGINE === 'duckdb' ? new DuckDbKpiEngine(join(dataDir, 'lake')) : undefined;
  const deps: EngineDeps = {
    store: data.store,
    scheduler: timers,
    channels: { ...perChannel(() => outbox), task: outbox },
    clock,
    policies,
    prices,
    logger,
    idHashKey: deriveKey(config.WINBACK_MASTER_KEY, 'customer-id-hash'),
  };

  // One clock move at a time (VirtualTime queues them): overlapping moves would fire timers out of order.
  const time = new VirtualTime(clock, timers, async (timer) => {
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
  const resumed = await time.resume();
  if (resumed.fired > 0) logger.warn('fired timers left due by the previous run', { fired: resumed.fired });

  const localRoutes: Route[] = [
    {
      method: 'POST',
      path: '/local/clock',
      handler: async ({ json }) => {
        const parsed = ClockRequest.safeParse(json);
        if (!parsed.success) throw new ValidationError('send {"advanceDays": n} or {"advanceTo": "<ISO>"}', toFieldIssues(parsed.error));
        const { advanceDays, advanceTo } = parsed.data;
        // The target is computed when this move's turn comes: a move queued behind another starts where it ended.
        const move = await time.advance((nowMs) => {
          if (advanceTo === undefined) return nowMs + Math.round(advanceDays! * 86_400_000);
          if (Date.parse(advanceTo) < nowMs)
            throw new ValidationError('the clock only moves forward', [
              { path: 'advanceTo', code: 'too_small', message: `must not be before ${new Date(nowMs).toISOString()}` },
            ]);
          return Date.parse(advanceTo);
        });
        return { status: 200, body: { now: new Date(move.nowMs).toISOString(), fired: move.fired } };
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
      await data.close();
    },
  };
}
