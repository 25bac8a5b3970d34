import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient, startDynamoDbLocal } from '#shared/adapters/local/dynamodb-local';
import { readLegacyTimeFiles, retireLegacyTimeFiles } from '#shared/adapters/local/legacy-time-files';
import { SqliteClock } from '#shared/adapters/local/sqlite-clock';
import { SqliteCustomerStore } from '#shared/adapters/local/sqlite-customer-store';
import { openSqliteDatabase } from '#shared/adapters/local/sqlite-database';
import { SqliteTimers } from '#shared/adapters/local/sqlite-timers';
import { deriveKey } from '#shared/domain/keys';
import type { CustomerStore } from '#shared/ports/customer-store';
import { CommandError } from './cli.ts';
import { type LocalConfig, TABLE_NAME } from './local-config.ts';

/** What the runner's virtual clock started from: a new clock, or the data folder's saved one. */
export type ClockOrigin =
  | { kind: 'started'; from: 'WINBACK_START_TIME' | 'wall clock' }
  /** `startedFrom`: the first run's start time (ISO), `wall clock`, or undefined when not recorded. */
  | { kind: 'resumed'; startedFrom: string | undefined };

/** What a new clock records it started from when `WINBACK_START_TIME` is not set. */
const WALL_CLOCK = 'wall clock';

/** The runner's durable state: the customer store, and the timers and clock of `<data>/winback.db`. */
export interface LocalData {
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
export async function openLocalData(config: LocalConfig, logger: Logger): Promise<LocalData> {
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
