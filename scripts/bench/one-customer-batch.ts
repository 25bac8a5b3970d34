import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import { DAY_MS } from '#shared/domain/vocabulary';
import { type BatchItemResult, ingestBatch } from '#shared/engine/ingest-event';
import { churnInput } from '../../tests/fixtures/events.ts';
import { makeDeps, type TestDeps } from '../../tests/support/fakes.ts';

/**
 * One customer's 500-event batch, the API's largest, through the real DynamoDB adapter on
 * DynamoDB Local: an upstream system backfilling a customer's history, one churn every 5 days
 * over the last 7 years, each a journey (most ineligible: too long ago). Events of one customer
 * are applied in order, so this is the slowest batch there is: before records were bounded every
 * save rewrote a record growing towards DynamoDB's 400 KB item limit, and before a batch's events
 * of one customer were saved together each event was a read and a transaction of its own.
 */

export const ONE_CUSTOMER_EVENTS = 500;
/** The batch must answer well within API Gateway's 29 s integration timeout. */
export const ONE_CUSTOMER_TARGET_SECONDS = 10;

/** The batch, oldest churn first, the latest one the day before `nowMs`. */
export function oneCustomerBatch(customerId: string, nowMs: number): Array<Record<string, unknown>> {
  return Array.from({ length: ONE_CUSTOMER_EVENTS }, (_, i) =>
    churnInput({
      eventId: `${customerId}-backfill-${i}`,
      customerId,
      occurredAt: new Date(nowMs - (ONE_CUSTOMER_EVENTS - i) * 5 * DAY_MS).toISOString().replace('Z', '+00:00'),
    }),
  );
}

/** Engine deps on a fresh table of DynamoDB Local (the timer scheduler is the in-memory fake), and the DynamoDB calls made since. */
export async function dynamoDbDeps(
  endpoint: string,
  tableName: string,
): Promise<{ deps: TestDeps; calls: Record<string, number>; close: () => Promise<void> }> {
  const client = localDynamoClient(endpoint);
  await ensureTable(client, tableName);
  // Calls, not attempts: the SDK's retries are below this step.
  const calls: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName).replace(/Command$/, '');
      calls[operation] = (calls[operation] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  const store = new DynamoDbCustomerStore({
    client: createDocumentClient(client),
    tableName,
    phoneHashKey: 'bench-phone-key',
    eventHashKey: 'bench-event-key',
  });
  const deps = makeDeps({ store: store as unknown as TestDeps['store'] });
  const close = async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    client.destroy();
  };
  return { deps, calls, close };
}

/** Posts the batch as `POST /v1/events` would, and times it. */
export async function runOneCustomerBatch(deps: TestDeps, customerId: string): Promise<{ seconds: number; results: BatchItemResult[] }> {
  const batch = oneCustomerBatch(customerId, deps.clock.now());
  const started = performance.now();
  const results = await ingestBatch(deps, batch);
  return { seconds: (performance.now() - started) / 1000, results };
}

/** The bench row's figure: one run on a fresh table, with the DynamoDB calls it made. */
export interface OneCustomerBatch {
  seconds: number;
  accepted: number;
  /** DynamoDB calls by operation, e.g. `6 BatchGetItem, 11 TransactWriteItems`. */
  calls: string;
}

export async function measureOneCustomerBatch(endpoint: string): Promise<OneCustomerBatch> {
  const { deps, calls, close } = await dynamoDbDeps(endpoint, `winback-bench-one-customer-${Date.now()}`);
  try {
    const before = { ...calls };
    const { seconds, results } = await runOneCustomerBatch(deps, 'bench-backfilled-customer');
    const made = Object.entries(calls)
      .map(([operation, count]) => [operation, count - (before[operation] ?? 0)] as const)
      .filter(([, count]) => count > 0)
      .map(([operation, count]) => `${count} ${operation}`)
      .join(', ');
    return { seconds, accepted: results.filter((r) => r.status === 'accepted').length, calls: made };
  } finally {
    await close();
  }
}
