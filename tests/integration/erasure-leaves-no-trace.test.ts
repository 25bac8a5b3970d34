import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import { SqliteCustomerStore } from '#shared/adapters/local/sqlite-customer-store';
import { openSqliteDatabase } from '#shared/adapters/local/sqlite-database';
import { shortHash } from '#shared/domain/hash';
import { eraseCustomer } from '#shared/engine/customer-admin';
import { ingestEvent } from '#shared/engine/ingest-event';
import { churnEvent } from '../fixtures/events.ts';
import { customerIdIn, makeDeps, runUntil, type TestDeps } from '../support/fakes.ts';

/**
 * What an erasure leaves in the DynamoDB table, read item by item: nothing an upstream id or a
 * phone number can be recovered from, by reading or by trying numbers against plain hashes. The
 * upstream system here builds both customer ids (an MSISDN) and event ids from phone numbers.
 */
describe('erasure on DynamoDB leaves no trace of the person', () => {
  const tableName = `winback-erasure-it-${Date.now()}`;
  const PHONE = '+447700900123';
  const CUSTOMER = customerIdIn('treatment', undefined, '+447700900555');
  const CHURN_EVENT = `churn/${PHONE}/2026-01-05`;
  const T0 = Date.parse('2026-01-05T09:00:00Z');
  let client: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  let deps: TestDeps;

  const storeWith = (eventHashKey?: string) =>
    new DynamoDbCustomerStore({
      client: documents,
      tableName,
      phoneHashKey: 'erasure-it-phone-key',
      ...(eventHashKey ? { eventHashKey } : {}),
    }) as unknown as TestDeps['store'];

  async function everyItem(): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    for await (const page of paginateScan({ client: documents }, { TableName: tableName })) items.push(...(page.Items ?? []));
    return items;
  }

  beforeAll(async () => {
    client = localDynamoClient(inject('dynamodbEndpoint'));
    documents = createDocumentClient(client);
    await ensureTable(client, tableName);
  });

  afterAll(async () => {
    await client?.send(new DeleteTableCommand({ TableName: tableName }));
    client?.destroy();
  });

  beforeEach(() => {
    deps = makeDeps({ store: storeWith('erasure-it-event-key') });
    deps.clock.set(T0);
  });

  it('keeps receipts, journey ids and timer names keyed, so the facts left cannot be tied back to the number', async () => {
    // Prepare: a journey with a message sent, then the erasure request.
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER, eventId: CHURN_EVENT, contacts: { phone: PHONE } }));
    const timerNames = [...deps.scheduler.timers.keys()];
    await runUntil(deps, deps.scheduler, T0 + 50 * 86_400_000);

    // Act
    await eraseCustomer(deps, CUSTOMER);
    const items = JSON.stringify(await everyItem());

    // Assess: neither the ids nor their plain hashes, in any item or timer name.
    const plainHashes = [shortHash(CUSTOMER), shortHash(`journey:${CHURN_EVENT}`, 12), shortHash(CHURN_EVENT)];
    for (const trace of [PHONE, CUSTOMER, CHURN_EVENT, '7700900', ...plainHashes]) expect(items).not.toContain(trace);
    expect(timerNames.length).toBeGreaterThan(0);
    for (const name of timerNames) for (const trace of plainHashes) expect(name).not.toContain(trace);
    expect(items).toContain('ERASED#');
    expect(items).toContain('EVENT#');
  });

  it('still answers a replay of the erased customer’s churn as a duplicate, and brings nothing back', async () => {
    // Prepare
    const churn = churnEvent({ customerId: CUSTOMER, eventId: CHURN_EVENT, contacts: { phone: PHONE } });
    await ingestEvent(deps, churn);
    await eraseCustomer(deps, CUSTOMER);

    // Act
    const replay = await ingestEvent(deps, churn);

    // Assess
    expect(replay.status).toBe('duplicate');
    expect(await deps.store.get(CUSTOMER)).toBeUndefined();
  });

  it('finds a receipt written before receipts were keyed, so an old event replayed stays a replay', async () => {
    // Prepare: the same event recorded by a store without a receipt key (as before the upgrade).
    const legacy = storeWith();
    const eventId = `legacy-${Date.now()}`;
    await legacy.save(
      { customerId: 'legacy-customer', version: 0, consentSetAt: {}, journeys: [], history: [] },
      {
        eventId,
        type: 'customer.churned',
        receivedAt: new Date(T0).toISOString(),
      },
    );

    // Act
    const replay = await ingestEvent(deps, churnEvent({ customerId: 'legacy-customer', eventId }));

    // Assess
    expect(await deps.store.hasEvent(eventId)).toBe(true);
    expect(replay.status).toBe('duplicate');
  });
});

describe('erasure on SQLite (the local runner) leaves no trace of the person', () => {
  it('keeps receipts keyed, still finds receipts kept before they were keyed, and answers replays as duplicates', async () => {
    // Prepare
    const database = openSqliteDatabase(':memory:');
    const keyed = new SqliteCustomerStore({ database, phoneHashKey: 'p', eventHashKey: 'erasure-it-event-key' });
    const legacy = new SqliteCustomerStore({ database, phoneHashKey: 'p' });
    const deps = makeDeps({ store: keyed as unknown as TestDeps['store'] });
    const T0 = Date.parse('2026-01-05T09:00:00Z');
    deps.clock.set(T0);
    const customerId = '+447700900556';
    const eventId = 'churn/+447700900556/1';
    await legacy.save(
      { customerId: 'old', version: 0, consentSetAt: {}, journeys: [], history: [] },
      {
        eventId: 'old-event',
        type: 'customer.churned',
        receivedAt: new Date(T0).toISOString(),
      },
    );

    // Act
    await ingestEvent(deps, churnEvent({ customerId, eventId }));
    await eraseCustomer(deps, customerId);
    const receipts = JSON.stringify(database.prepare('SELECT * FROM event_receipts').all());
    const replay = await ingestEvent(deps, churnEvent({ customerId, eventId }));

    // Assess
    expect(receipts).not.toContain('7700900556');
    expect(replay.status).toBe('duplicate');
    expect(await keyed.hasEvent('old-event')).toBe(true);
    expect(await keyed.get(customerId)).toBeUndefined();
    database.close();
  });
});
