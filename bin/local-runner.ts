import { appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { perChannel } from '#shared/domain/channels';
import { deploymentPolicies, type PolicyRegistry } from '#shared/domain/policy-registry';
import type { PriceTable } from '#shared/domain/pricing';
import { signUnsubscribeToken } from '#shared/domain/unsubscribe';
import { NotFoundError, ValidationError } from '#shared/domain/errors';
import { toFieldIssues } from '#shared/domain/events';
import type { EngineDeps } from '#shared/engine/deps';
import type { Clock } from '#shared/ports/clock';
import { fireTimer } from '#shared/engine/fire-timer';
import { createRouter, MAX_BODY_BYTES } from '#shared/http/router';
import { v1Routes } from '#shared/http/v1-routes';
import { unsubscribeRoutes } from '#shared/http/unsubscribe-routes';
import { linkRoutes } from '#shared/http/link-routes';
import { deriveKey } from '#shared/domain/keys';
import { apiKeyAuthorizer } from '#shared/http/api-key';
import type { Route } from '#shared/http/http-types';
import { fromNodeRequest } from '#shared/http/node-request';
import { OutboxChannel } from '#shared/adapters/local/outbox-channel';
import { VirtualTime } from '#shared/adapters/local/virtual-time';
import { DuckDbKpiEngine } from '#shared/adapters/local/duckdb-kpi-engine';
import { FileObjectStore } from '#shared/adapters/local/file-object-store';
import { encodeParquet } from '#shared/adapters/parquet';
import { NightlyRequest, runNightlyJob } from '#shared/engine/nightly-job';
import { CommandError } from './cli.ts';
import { type LocalConfig, loadPriceTable } from './local-config.ts';
import { type ClockOrigin, type LocalData, openLocalData } from './local-data.ts';
import { lockDataFolder, resetDataFolder, type DataFolderLock } from './data-folder.ts';
import { localLogger } from './local-logger.ts';
import { localPartnerPush, partnerPushSettings } from './local-partner-push.ts';
import { policyFileList, readPolicyFiles } from './policy-file.ts';
import { openLake } from '#shared/adapters/local/duckdb-lake';
import { LATEST_REPORT_KEY } from '#shared/report/keys';
import { createReportPublisher } from '#shared/report/publish';
import { readReportSql } from '#shared/report/sql-files';

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
