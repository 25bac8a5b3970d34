import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import { InMemoryCustomerStore } from '#shared/adapters/local/memory-customer-store';
import { SqliteCustomerStore } from '#shared/adapters/local/sqlite-customer-store';
import { openSqliteDatabase } from '#shared/adapters/local/sqlite-database';
import { ExitReason } from '#shared/domain/vocabulary';
import { ingestBatch } from '#shared/engine/ingest-event';
import type { EngineDeps } from '#shared/engine/deps';
import type { CustomerStore } from '#shared/ports/customer-store';
import { churnInput } from '../../tests/fixtures/events.ts';
import { makeDeps } from '../../tests/support/fakes.ts';

/**
 * Ingest throughput, in one Node process (one core): `ingestBatch` — what `POST /v1/events` runs
 * for a batch: validate each event with zod, then `ingestEvent` with 16 customers side by side —
 * over batches of 500 churn events, against the in-memory store, the SQLite store on a file (the
 * local runner's default) and DynamoDB Local through the real DynamoDB adapter. The timer scheduler is the in-memory fake, so the figure
 * leaves out the two CreateSchedule calls a churn makes in AWS.
 *
 * "Per core" is events per second of this process's CPU time (user + system), which is what a
 * Lambda's vCPU share buys; with DynamoDB Local the JVM runs on the other core and the wall-clock
 * rate is given beside it.
 */

/** The API's largest batch. */
const BATCH = 500;
const ZONES = ['Europe/London', 'Europe/Madrid', 'America/New_York', 'America/Sao_Paulo', 'Asia/Kolkata', 'Australia/Sydney'];

export interface Throughput {
  events: number;
  /** Events per second of this process's CPU time. */
  perCore: number;
  /** Events per second of wall-clock time. */
  perSecond: number;
}

/**
 * `count` raw churn events as upstream systems post them: the port-out fixture, varied in what
 * drives the engine's decisions (exit reason, time zone, consents, value, repeat churners).
 */
export function churnInputs(count: number, prefix: string): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) =>
    churnInput({
      eventId: `${prefix}-evt-${i}`,
      customerId: `${prefix}-cust-${i}`,
      exitReason: ExitReason.options[i % ExitReason.options.length]!,
      timezone: ZONES[i % ZONES.length]!,
      contacts: { phone: `+4477009${String(i % 100_000).padStart(5, '0')}`, ...(i % 3 === 0 ? {} : { email: `c${i}@example.com` }) },
      consents: { sms: i % 5 !== 0, email: i % 2 === 0, push: false },
      monthlyRevenue: 8 + (i % 60),
      tenureMonths: 1 + (i % 72),
      priorChurns: i % 10 === 0 ? 2 : 0,
    }),
  );
}

async function ingestAll(store: CustomerStore, inputs: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const deps: EngineDeps = { ...makeDeps(), store };
  for (let start = 0; start < inputs.length; start += BATCH) {
    const results = await ingestBatch(deps, inputs.slice(start, start + BATCH));
    const failed = results.find((result) => result.status !== 'accepted');
    if (failed) throw new Error(`event ${failed.index} was ${failed.status}`);
  }
}

/** Events ingested first, not counted: the JIT compiles the hot paths, connections open. */
const WARM_UP = 200;

/** Ingests {@link WARM_UP} events, then `events` more, timed. */
export async function measureIngest(store: CustomerStore, events: number, prefix: string): Promise<Throughput> {
  await ingestAll(store, churnInputs(WARM_UP, `${prefix}-warmup`));
  const inputs = churnInputs(events, prefix);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await ingestAll(store, inputs);
  const wallSeconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  return { events, perCore: events / ((user + system) / 1e6), perSecond: events / wallSeconds };
}

/** Against the in-memory store. */
export const measureIngestInMemory = (events: number) => measureIngest(new InMemoryCustomerStore(), events, 'mem');

/** Against the SQLite store, on a fresh database file in a temporary folder (deleted afterwards). */
export async function measureIngestSqlite(events: number): Promise<Throughput> {
  const dir = mkdtempSync(join(tmpdir(), 'winback-bench-ingest-'));
  const database = openSqliteDatabase(join(dir, 'winback.db'));
  try {
    return await measureIngest(new SqliteCustomerStore({ database, phoneHashKey: 'bench-phone-key' }), events, 'sqlite');
  } finally {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Against DynamoDB Local at `endpoint`, through the real adapter, in a table of its own (deleted afterwards). */
export async function measureIngestDynamoDb(endpoint: string, events: number): Promise<Throughput> {
  const tableName = `winback-bench-ingest-${Date.now()}`;
  const client = localDynamoClient(endpoint);
  await ensureTable(client, tableName);
  try {
    return await measureIngest(
      new DynamoDbCustomerStore({ client: createDocumentClient(client), tableName, phoneHashKey: 'bench-phone-key' }),
      events,
      'ddb',
    );
  } finally {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    client.destroy();
  }
}
