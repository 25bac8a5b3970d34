import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { perChannel } from '#shared/domain/channels';
import { deploymentPolicies, type PolicyRegistry } from '#shared/domain/policy-registry';
import { PriceSettingsSchema } from '#shared/domain/default-prices';
import { type PriceTable, priceCurrencyIssues } from '#shared/domain/pricing';
import { signUnsubscribeToken } from '#shared/domain/unsubscribe';
import { NotFoundError, ValidationError } from '#shared/domain/errors';
import { toFieldIssues } from '#shared/domain/events';
import type { EngineDeps } from '#shared/engine/deps';
import type { Clock } from '#shared/ports/clock';
import type { CustomerStore } from '#shared/ports/customer-store';
import { fireTimer } from '#shared/engine/fire-timer';
import { createRouter, MAX_BODY_BYTES } from '#shared/http/router';
import { v1Routes } from '#shared/http/v1-routes';
import { unsubscribeRoutes } from '#shared/http/unsubscribe-routes';
import { linkRoutes } from '#shared/http/link-routes';
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
import { CommandError, type CliVariable } from './cli.ts';
import { lockDataFolder, resetDataFolder, type DataFolderLock } from './data-folder.ts';
import { localLogger } from './local-logger.ts';
import { localPartnerPush, partnerPushSettings } from './local-partner-push.ts';
import { policyFileList, readPolicyFiles } from './policy-file.ts';
import { openLake } from '#shared/adapters/local/duckdb-lake';
import { LATEST_REPORT_KEY } from '#shared/report/keys';
import { createReportPublisher } from '#shared/report/publish';
import { readReportSql } from '#shared/report/sql-files';

/**
 * Settings of the local runner (DESIGN.md, "Local runner"), read from the environment. Each
 * one's description is what `npm start -- --help` prints for it.
 */
export const LocalConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('port to listen on, on 127.0.0.1 only (0: any free port)'),
  WINBACK_API_KEY: z
    .string()
    .min(8, 'must be at least 8 characters')
    .default('local-dev-key')
    .describe('the x-api-key every request must carry (at least 8 characters)'),
  WINBACK_START_TIME: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('where the virtual clock starts (ISO 8601) on a new data folder; a folder started otherwise refuses it (see --reset)'),
  WINBACK_DATA_DIR: z.string().min(1).default('.winback').describe('the data folder: customers, timers, clock, outbox, lake'),
  /** Optional JSON policy files replacing the embedded policies. */
  WINBACK_POLICY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('JSON policy files, comma-separated, replacing the embedded policies (default: the embedded ones)'),
  /** The local stand-in for the deployment's master secret: pseudonymous ids and unsubscribe links derive from it. */
  WINBACK_MASTER_KEY: z
    .string()
    .min(16, 'must be at least 16 characters')
    .default('winback-local-master-key')
    .describe('the key pseudonymous ids and unsubscribe links derive from (at least 16 characters)'),
  /**
   * Optional JSON file of message prices, the same shape as the deployment settings' `prices`
   * (keys left out take the same defaults as a deployment's).
   */
  WINBACK_PRICES_FILE: z
    .string()
    .min(1)
    .optional()
    .describe("JSON file of message prices, the shape of the deployment settings' prices (default: the default price table)"),
  /** What acquiring a new customer costs, for the KPIs' cost comparison (policy currency). */
  WINBACK_COST_PER_ACQUISITION: z.coerce
    .number()
    .positive()
    .default(150)
    .describe("what acquiring a customer costs, in the policy's currency, for the KPIs"),
  /**
   * Who computes the nightly KPIs: the job itself (`in-process`), or DuckDB running
   * `sql/kpis.sql` over the facts the job wrote (`duckdb`, what Athena does in AWS with
   * `kpiEngine: "athena"`). Both write the same `kpis` partition.
   */
  WINBACK_KPI_ENGINE: z
    .enum(['in-process', 'duckdb'])
    .default('in-process')
    .describe('who computes the nightly KPIs: in-process, or duckdb running sql/kpis.sql as Athena does'),
  /**
   * Where customers are stored: embedded SQLite (`sqlite`, `<data>/winback.db`, no Java needed), or
   * Amazon's DynamoDB Local (`dynamodb-local`, `<data>/dynamodb/`) through the same DynamoDB adapter
   * as in AWS. Timers and the virtual clock are in `<data>/winback.db` either way.
   */
  WINBACK_STORE: z
    .enum(['sqlite', 'dynamodb-local'])
    .default('sqlite')
    .describe('where customers are kept: sqlite (winback.db), or dynamodb-local (Java 17) through the AWS adapter'),
  /**
   * The public URL tracked links in messages point at (`<url>/r/<token>`): where customers reach
   * this runner. Default: the runner's own address.
   */
  WINBACK_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional()
    .describe("where the tracked links in messages point (<url>/r/<token>; default: the runner's own address)"),
  /**
   * The partner's endpoint push messages are POSTed to, signed with `WINBACK_PARTNER_PUSH_SECRET`
   * (plain HTTP only to this machine). Absent: push messages land in the outbox only.
   */
  WINBACK_PARTNER_PUSH_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional()
    .describe('the partner endpoint push messages are POSTed to, signed (https, or http to 127.0.0.1; default: the outbox only)'),
  /** The secret push messages are signed with and partner receipts checked with (with `WINBACK_PARTNER_PUSH_URL`). */
  WINBACK_PARTNER_PUSH_SECRET: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe('the secret partner push messages and receipts are signed with (at least 16 characters)'),
  /** Port of DynamoDB Local (`WINBACK_STORE=dynamodb-local`); any free port when absent. */
  WINBACK_DYNAMODB_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe('port of DynamoDB Local with WINBACK_STORE=dynamodb-local (default: any free port)'),
});
export type LocalConfig = z.output<typeof LocalConfigSchema>;

export function readLocalConfig(env: NodeJS.ProcessEnv): LocalConfig {
  const result = LocalConfigSchema.safeParse(env);
  if (!result.success) throw new ValidationError('invalid local runner settings', toFieldIssues(result.error));
  return result.data;
}

/** The runner's environment variables as `--help` lists them: each with its description and default. */
export function localEnvironment(): CliVariable[] {
  return Object.entries(LocalConfigSchema.shape).map(([name, schema]) => {
    const fallback = schema.safeParse(undefined);
    const value = fallback.success && fallback.data !== undefined ? String(fallback.data) : undefined;
    return { name, description: schema.description ?? '', ...(value !== undefined ? { default: value } : {}) };
  });
}

export const TABLE_NAME = 'winback';

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

/** What the runner's virtual clock started from: a new clock, or the data folder's saved one. */
export type ClockOrigin =
  | { kind: 'started'; from: 'WINBACK_START_TIME' | 'wall clock' }
  /** `startedFrom`: the first run's start time (ISO), `wall clock`, or undefined when not recorded. */
  | { kind: 'resumed'; startedFrom: string | undefined };

/** What a new clock records it started from when `WINBACK_START_TIME` is not set. */
const WALL_CLOCK = 'wall clock';

export interface LocalRunner {
  url: string;
  apiKey: string;
  /** The virtual clock (`resumed`: it came from the data folder, not from `WINBACK_START_TIME`). */
  clock: Clock & { readonly resumed: boolean };
  clockOrigin: ClockOrigin;
  /** The policies loaded: the ones that plan new journeys, and the versions kept to finish journeys. */
  policies: PolicyRegistry;
  /** The lock file this runner holds in the data folder. */
  lockFile: string;
  /** Every route it serves, `/local/*` included: tests walk them all. */
  routes: readonly Route[];
  close(): Promise<void>;
}

/** Options of {@link startLocalRunner}. */
export interface LocalRunnerOptions {
  /** Empties the data folder of what a runner wrote before starting (`npm start -- --reset`). */
  reset?: boolean;
}

/** The runner's durable state: the customer store, and the timers and clock of `<data>/winback.db`. */
interface LocalData {
  store: CustomerStore;
  timers: SqliteTimers;
  clock: SqliteClock;
  clockOrigin: ClockOrigin;
  close(): Promise<void>;
}

/**
 * Why `WINBACK_START_TIME` cannot apply to the data folder's saved clock, as one line saying what
 * to do; undefined when it can. A saved clock is resumed as it is (a restart loses nothing), so a
 * start time is honoured only by the folder it started: one started at another time or from the
 * wall clock refuses it rather than ignoring it silently (its churns would land in the past).
 */
export function startTimeConflict(startTime: string | undefined, origin: ClockOrigin, nowMs: number, dataDir: string): string | undefined {
  if (startTime === undefined || origin.kind === 'started') return undefined;
  const from = origin.startedFrom;
  if (from !== undefined && from !== WALL_CLOCK && Date.parse(from) === Date.parse(startTime)) return undefined;
  const earlier =
    from === undefined
      ? 'an earlier run'
      : from === WALL_CLOCK
        ? 'an earlier run started from the wall clock'
        : `an earlier run started at ${from}`;
  const now = new Date(nowMs).toISOString();
  return (
    `The data folder ${dataDir}/ holds a virtual clock at ${now} from ${earlier}, so WINBACK_START_TIME=${startTime} cannot apply: ` +
    `run npm start -- --reset to empty ${dataDir}/ and start at ${startTime}, set WINBACK_DATA_DIR to a new folder, or unset WINBACK_START_TIME to resume at ${now}.`
  );
}

/**
 * Opens the virtual clock of `<data>/winback.db`: the saved one, else a new one at
 * `WINBACK_START_TIME` (or now). With `dynamodb-local`, an older runner's clock file beside its
 * DynamoDB Local folder counts as a saved clock (its start not known).
 */
function openClock(config: LocalConfig, database: ReturnType<typeof openSqliteDatabase>) {
  const legacy = config.WINBACK_STORE === 'dynamodb-local' ? readLegacyTimeFiles(config.WINBACK_DATA_DIR) : undefined;
  const startedFrom = config.WINBACK_START_TIME ?? WALL_CLOCK;
  const startMs = legacy?.clockMs ?? (config.WINBACK_START_TIME ? Date.parse(config.WINBACK_START_TIME) : Date.now());
  const clock = new SqliteClock(database, startMs, legacy?.clockMs === undefined ? startedFrom : undefined);
  const clockOrigin: ClockOrigin =
    clock.resumed || legacy?.clockMs !== undefined
      ? { kind: 'resumed', startedFrom: clock.startedFrom }
      : { kind: 'started', from: config.WINBACK_START_TIME ? 'WINBACK_START_TIME' : 'wall clock' };
  return { clock, clockOrigin, legacy };
}

/**
 * Opens `<data>/winback.db` (timers, clock, and the customers with `WINBACK_STORE=sqlite`), and
 * starts DynamoDB Local for the customers with `dynamodb-local`. In that mode the clock and timer
 * files an older runner kept beside its DynamoDB Local folder (`clock.json`, `timers.jsonl`) are
 * moved into the database once, so its pending touches still fire. A start time the saved clock
 * cannot honour stops it first ({@link startTimeConflict}).
 */
async function openLocalData(config: LocalConfig, logger: Logger): Promise<LocalData> {
  const dataDir = config.WINBACK_DATA_DIR;
  const database = openSqliteDatabase(join(dataDir, 'winback.db'));
  try {
    const { clock, clockOrigin, legacy } = openClock(config, database);
    const conflict = startTimeConflict(config.WINBACK_START_TIME, clockOrigin, clock.now(), dataDir);
    if (conflict) throw new CommandError(conflict);
    const phoneHashKey = deriveKey(config.WINBACK_MASTER_KEY, 'phone-lookup');
    const eventHashKey = deriveKey(config.WINBACK_MASTER_KEY, 'event-receipt');
    const timers = new SqliteTimers(database);
    if (config.WINBACK_STORE === 'sqlite') {
      if (!clock.resumed && existsSync(join(dataDir, 'dynamodb')))
        logger.warn('this data folder holds DynamoDB Local data from an earlier run: set WINBACK_STORE=dynamodb-local to use it');
      const close = async () => void database.close();
      return { store: new SqliteCustomerStore({ database, phoneHashKey, eventHashKey }), timers, clock, clockOrigin, close };
    }
    for (const timer of legacy?.timers ?? []) await timers.schedule(timer);
    if (legacy) retireLegacyTimeFiles(dataDir);
    const dynamo = await startDynamoDbLocal({
      dbPath: join(dataDir, 'dynamodb'),
      ...(config.WINBACK_DYNAMODB_PORT ? { port: config.WINBACK_DYNAMODB_PORT } : {}),
    });
    const client = localDynamoClient(dynamo.endpoint);
    await ensureTable(client, TABLE_NAME);
    const store = new DynamoDbCustomerStore({ client: createDocumentClient(client), tableName: TABLE_NAME, phoneHashKey, eventHashKey });
    const close = async () => {
      database.close();
      client.destroy();
      await dynamo.stop();
    };
    return { store, timers, clock, clockOrigin, close };
  } catch (error) {
    if (database.open) database.close();
    throw error;
  }
}

/** Listens on 127.0.0.1; a port that is taken or forbidden ends in one line saying what to do. */
async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      throw new CommandError(
        `Port ${port} on 127.0.0.1 is in use (another runner, or another program): stop it, or set PORT to a free port.`,
      );
    if (error.code === 'EACCES')
      throw new CommandError(`Port ${port} needs privileges this user does not have: set PORT to a port above 1023.`);
    throw error;
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

/**
 * The local runner: the same engine and the same v1 routes as in AWS, with embedded SQLite (or
 * DynamoDB Local, through the same DynamoDB adapter) as the store, a virtual clock, crash-safe
 * timers and an outbox instead of SNS and SES. Adds `/local/*` routes, behind the API key like the
 * rest. At start it fires the timers a crash left due and unfinished.
 *
 * Start-up stops with a {@link CommandError} (one message saying what to do) on a bad policy file,
 * a data folder another runner holds, a start time the saved clock cannot honour, or a busy port;
 * what it opened before is closed again.
 */
export async function startLocalRunner(config: LocalConfig, options: LocalRunnerOptions = {}): Promise<LocalRunner> {
  // Policies first: a bad file stops the runner before it touches the data folder. Journey ids and
  // timer names are keyed with the engine's pseudonym key (`idHashKey` below).
  const idKey = deriveKey(config.WINBACK_MASTER_KEY, 'customer-id-hash');
  const policies = deploymentPolicies(readPolicyFiles(policyFileList(config.WINBACK_POLICY_FILE)), { idKey });
  const prices = loadPriceTable(config.WINBACK_PRICES_FILE, policies);
  partnerPushSettings(config);
  const lock = lockDataFolder(config.WINBACK_DATA_DIR);
  let data: LocalData | undefined;
  try {
    if (options.reset) resetDataFolder(config.WINBACK_DATA_DIR);
    let now = () => Date.now();
    const logger = localLogger(() => now());
    data = await openLocalData(config, logger);
    const clock = data.clock;
    now = () => clock.now();
    return await serve(config, { data, policies, prices, logger, lock });
  } catch (error) {
    await data?.close();
    lock.release();
    throw error;
  }
}

/** Everything {@link serve} runs on, opened by {@link startLocalRunner}. */
interface Opened {
  data: LocalData;
  policies: PolicyRegistry;
  prices: PriceTable;
  logger: Logger;
  lock: DataFolderLock;
}

/** Wires the engine on the opened data, listens, then fires what a previous run left due. */
async function serve(config: LocalConfig, { data, policies, prices, logger, lock }: Opened): Promise<LocalRunner> {
  const dataDir = config.WINBACK_DATA_DIR;
  const { clock, timers } = data;
  let url = `http://127.0.0.1:${config.PORT}`;
  const unsubscribeKey = deriveKey(config.WINBACK_MASTER_KEY, 'unsubscribe-link');
  // E-mails carry the runner's own one-click link, as SES's List-Unsubscribe header carries the API's.
  const outbox = new OutboxChannel(join(dataDir, 'outbox.jsonl'), clock, {
    unsubscribeUrl: (message) =>
      `${url}/v1/unsubscribe?token=${encodeURIComponent(signUnsubscribeToken({ customerId: message.customerId, channel: 'email' }, unsubscribeKey))}`,
  });
  // The lake, laid out as in S3, so `npm run query` (DuckDB) reads what Athena would.
  const lake = new FileObjectStore(join(dataDir, 'lake'));
  const kpiEngine = config.WINBACK_KPI_ENGINE === 'duckdb' ? new DuckDbKpiEngine(join(dataDir, 'lake')) : undefined;
  // Each nightly run ends with the night's report in the lake, as in AWS; GET /local/report serves the latest.
  const report = createReportPublisher({
    openReader: () => openLake(join(dataDir, 'lake')),
    sql: readReportSql(),
    lake,
    now: () => clock.now(),
  });
  // Push to a partner test server for real, where the settings give one (plus the outbox line).
  const partnerPush = localPartnerPush(config, outbox);
  const deps: EngineDeps = {
    store: data.store,
    scheduler: timers,
    channels: { ...perChannel(() => outbox), task: outbox, ...(partnerPush ? { push: partnerPush.channel } : {}) },
    clock,
    policies,
    prices,
    logger,
    // The registry's `idKey` too: one key for every pseudonym the engine keeps.
    idHashKey: deriveKey(config.WINBACK_MASTER_KEY, 'customer-id-hash'),
  };
  const linkKey = deriveKey(config.WINBACK_MASTER_KEY, 'tracked-link');

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
            report,
            // Claims left `sending` are resolved as the scan meets them: sent if the outbox holds the message.
            engine: deps,
          },
          parsed.data.date,
        );
        return { status: 200, body: summary };
      },
    },
    {
      method: 'GET',
      path: '/local/report',
      handler: async () => {
        const page = await lake.get(LATEST_REPORT_KEY);
        if (!page) throw new NotFoundError('no report yet: run the nightly job first (POST /local/jobs/nightly)');
        return { status: 200, raw: { contentType: 'text/html; charset=utf-8', text: new TextDecoder().decode(page) } };
      },
    },
  ];

  const unsubscribe = unsubscribeRoutes(deps, unsubscribeKey);
  const routes = [...v1Routes(deps), ...unsubscribe, ...linkRoutes(deps, linkKey), ...(partnerPush?.routes(deps) ?? []), ...localRoutes];
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
  url = `http://127.0.0.1:${await listen(server, config.PORT)}`;
  // Links point at the public URL, or at the runner itself, whose port is known once it listens.
  deps.links = { baseUrl: config.WINBACK_PUBLIC_URL ?? url, key: linkKey };
  server.on('error', (error) => logger.error('local server error', { error: String(error) }));
  const close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await data.close();
    lock.release();
  };
  try {
    const resumed = await time.resume();
    if (resumed.fired > 0) logger.warn('fired timers left due by the previous run', { fired: resumed.fired });
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }
  return { url, apiKey: config.WINBACK_API_KEY, clock, clockOrigin: data.clockOrigin, policies, lockFile: lock.file, routes, close };
}
