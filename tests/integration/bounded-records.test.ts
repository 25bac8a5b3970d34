import { GetCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/aws/dynamodb-customer-store';
import { customerKey } from '#shared/adapters/aws/dynamodb-items';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import { FINISHED_JOURNEYS_KEPT, MAX_RECORD_BYTES } from '#shared/domain/journey/archive';
import { pseudonymize } from '#shared/domain/hash';
import type { StoredJourneys } from '#shared/ports/customer-store';
import { dynamoDbDeps, ONE_CUSTOMER_EVENTS, runOneCustomerBatch } from '../../scripts/bench/one-customer-batch.ts';
import { makeDeps, type TestDeps } from '../support/fakes.ts';

/**
 * A customer's record stays bounded whatever their history: one customer's 500-event batch (an
 * upstream system backfilling churns) through the DynamoDB adapter on DynamoDB Local is accepted
 * whole, the record keeps the latest finished journeys, and the others are kept as archived
 * journey facts, so the nightly job still sees every journey. (How long it takes is a bench row:
 * `npm run bench -- --only ingest`.)
 */
describe('one customer’s 500-event batch on DynamoDB Local', () => {
  const CUSTOMER = 'backfilled-customer';
  const tableName = `winback-bounded-it-${Date.now()}`;
  let deps: TestDeps;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ deps, close } = await dynamoDbDeps(inject('dynamodbEndpoint'), tableName));
    deps.clock.set('2026-06-01T09:00:00Z');
  });
  afterAll(async () => close?.());

  // No timed assertion: the time is the bench's row. The timeout only bounds a run on a loaded machine.
  it('accepts every event, keeps the record bounded and every journey as a fact', { timeout: 300_000 }, async () => {
    // Prepare: the same batch through the in-memory store says how many journeys it makes (a
    // churn while a journey still runs makes none).
    const inMemory = makeDeps();
    inMemory.clock.set(deps.clock.now());
    await runOneCustomerBatch(inMemory, CUSTOMER);
    const expected = (await inMemory.store.get(CUSTOMER))!;
    const journeys = expected.journeys.length + expected.archived!.journeys;

    // Act
    const { results } = await runOneCustomerBatch(deps, CUSTOMER);

    // Assess: every event stored.
    expect(results.filter((r) => r.status !== 'accepted')).toEqual([]);
    const record = (await deps.store.get(CUSTOMER))!;
    const scanned: StoredJourneys[] = [];
    for await (const item of deps.store.scan(0, 1)) scanned.push(item);
    const archived = scanned.flatMap((item) => (item.kind === 'archived' ? [item.journey] : []));

    // The record: the latest finished journeys, and a journey still running if there is one.
    expect(record.journeys.length).toBeLessThanOrEqual(FINISHED_JOURNEYS_KEPT + 1);
    expect(journeys).toBeGreaterThan(ONE_CUSTOMER_EVENTS * 0.9);
    expect(record.journeys.length + archived.length).toBe(journeys);
    expect(record.archived).toEqual({ journeys: archived.length, wonBack: 0 });
    expect(new Set(archived.map((j) => j.customerHash))).toEqual(new Set([pseudonymize(CUSTOMER, deps.idHashKey)]));
    expect(new Set([...archived, ...record.journeys].map((j) => j.journeyId)).size).toBe(journeys);

    // The item, as DynamoDB holds it, well under the 400 KB limit.
    const documents = createDocumentClient(localDynamoClient(inject('dynamodbEndpoint')));
    const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: customerKey(CUSTOMER) }));
    expect(Buffer.byteLength(JSON.stringify(Item))).toBeLessThan(MAX_RECORD_BYTES / 4);
    let items = 0;
    for await (const page of paginateScan({ client: documents }, { TableName: tableName })) items += page.Items?.length ?? 0;
    // The record, a receipt per event, an archived journey each, the phone lookup.
    expect(items).toBe(1 + ONE_CUSTOMER_EVENTS + archived.length + 1);
  });
});
