import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DYNAMODB_CALL } from '#shared/adapters/aws/clients';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import type { CustomerRecord } from '#shared/domain/journey/record';
import { DAY_MS } from '#shared/domain/vocabulary';
import { CustomerChurned } from '#shared/domain/events';
import { type BatchItemResult, ingestBatch, ingestEvent } from '#shared/engine/ingest-event';
import { churnInput } from '../fixtures/events.ts';
import { makeDeps, type TestDeps } from '../support/fakes.ts';
import { type Fault, FaultLayer, type FaultPlan } from '../support/faults.ts';
import { faultyDynamoDb } from '../support/faulty-dynamodb.ts';

/**
 * One customer's batch, saved a chunk of events at a time (one transaction each: the record with
 * the chunk's receipts), with the store failing between chunks, through the real DynamoDB adapter
 * on DynamoDB Local with faults injected into its SDK client. What must hold: every event answered
 * `accepted` or `duplicate` is in the record with its receipt, no receipt claims an event the
 * record lacks, the first event not stored answers `failed: unavailable` and the later ones
 * `earlier_event_failed`; sent again, the batch completes with each event applied exactly once.
 */

const EVENTS = 150;

describe('a batch of one customer with the store failing between its chunks', () => {
  const tableName = `winback-faults-batch-${randomUUID()}`;
  /** Which TransactWriteItems call (1-based, retries not counted) fails, and how; none when undefined. */
  let failing: { call: number; fault: Fault } | undefined;
  let transactions = 0;
  const plan: FaultPlan = (call) => {
    if (call.operation !== 'TransactWriteItems') return undefined;
    if (call.attempt === 1) transactions += 1;
    if (!failing || transactions !== failing.call) return undefined;
    // A lost answer only once (the write happened); a failure before the call on every attempt (the SDK gives up).
    return failing.fault.phase === 'after' && call.attempt > 1 ? undefined : failing.fault;
  };
  const faults = new FaultLayer(plan);
  let plain: DynamoDBClient;
  let faulty: DynamoDBClient;
  let deps: TestDeps;
  /** The same table through a client without faults: what is really stored. */
  let truth: DynamoDbCustomerStore;

  beforeAll(async () => {
    ({ plain, faulty } = await faultyDynamoDb(tableName, faults));
    const options = { tableName, phoneHashKey: 'faults-phone-key', eventHashKey: 'faults-event-key' };
    deps = makeDeps({
      store: new DynamoDbCustomerStore({ client: createDocumentClient(faulty), ...options }) as unknown as TestDeps['store'],
    });
    truth = new DynamoDbCustomerStore({ client: createDocumentClient(plain), ...options });
  });

  beforeEach(() => {
    failing = undefined;
    transactions = 0;
    faults.injected.length = 0;
  });

  afterAll(async () => {
    await plain?.send(new DeleteTableCommand({ TableName: tableName }));
    plain?.destroy();
    faulty?.destroy();
  });

  /** A backfill: one churn every 5 days, oldest first, each its own journey. */
  function backfill(customerId: string): Array<Record<string, unknown>> {
    return Array.from({ length: EVENTS }, (_, i) =>
      churnInput({
        eventId: `${customerId}-churn-${i}`,
        customerId,
        occurredAt: new Date(deps.clock.now() - (EVENTS - i) * 5 * DAY_MS).toISOString().replace('Z', '+00:00'),
      }),
    );
  }

  /**
   * The record these events make applied one by one, each exactly once (`ingestEvent`, in memory,
   * at the same instant), without its version (a batch saves a chunk per version).
   */
  async function appliedOneByOne(events: ReadonlyArray<Record<string, unknown>>): Promise<Omit<CustomerRecord, 'version'>> {
    const reference = makeDeps();
    reference.clock.set(deps.clock.now());
    for (const item of events) await ingestEvent(reference, CustomerChurned.parse(item));
    const { version: _, ...record } = (await reference.store.get(String(events[0]!.customerId)))!;
    return record;
  }
  const storedRecord = async (customerId: string) => {
    const { version: _, ...record } = (await truth.get(customerId))!;
    return record;
  };
  const statuses = (results: BatchItemResult[]) => results.map((r) => (r.status === 'failed' ? `failed:${r.reason}` : r.status));

  it('answers the chunks saved before the failure accepted, the rest failed, and stores exactly the accepted ones', async () => {
    // Prepare: the second transaction fails on every attempt, as in an outage that outlasts the SDK's retries.
    const customerId = `batch-${randomUUID()}`;
    const batch = backfill(customerId);
    failing = { call: 2, fault: { kind: 'ServiceUnavailable', phase: 'before' } };

    // Act
    const results = await ingestBatch(deps, batch);

    // Assess: a prefix accepted (the first chunk), then one unavailable, then the rest not tried.
    const accepted = results.filter((r) => r.status === 'accepted').length;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(EVENTS - 1);
    expect(statuses(results)).toEqual([
      ...Array<string>(accepted).fill('accepted'),
      'failed:unavailable',
      ...Array<string>(EVENTS - accepted - 1).fill('failed:earlier_event_failed'),
    ]);
    expect(faults.of('dynamodb', 'TransactWriteItems').length).toBe(DYNAMODB_CALL.maxAttempts);
    // Receipts exactly for the events the record holds: none claims one it lacks, none is missing.
    const eventIds = batch.map((event) => String(event.eventId));
    expect(await truth.hasEvents(eventIds)).toEqual(new Set(eventIds.slice(0, accepted)));
    expect(await storedRecord(customerId)).toEqual(await appliedOneByOne(batch.slice(0, accepted)));
  });

  it('completes when sent again: the stored events answer duplicate, each event applied exactly once', async () => {
    // Prepare
    const customerId = `batch-${randomUUID()}`;
    const batch = backfill(customerId);
    failing = { call: 2, fault: { kind: 'ServiceUnavailable', phase: 'before' } };
    const first = await ingestBatch(deps, batch);
    const accepted = first.filter((r) => r.status === 'accepted').length;
    failing = undefined;

    // Act
    const again = await ingestBatch(deps, batch);

    // Assess
    expect(statuses(again)).toEqual([...Array<string>(accepted).fill('duplicate'), ...Array<string>(EVENTS - accepted).fill('accepted')]);
    expect(await truth.hasEvents(batch.map((event) => String(event.eventId)))).toHaveProperty('size', EVENTS);
    expect(await storedRecord(customerId)).toEqual(await appliedOneByOne(batch));
  });

  it('counts a chunk whose answer was lost as saved: every event accepted once, none applied twice', async () => {
    // Prepare: the second transaction happens, and its answer is lost; the SDK's retry meets its own write.
    const customerId = `batch-${randomUUID()}`;
    const batch = backfill(customerId);
    failing = { call: 2, fault: { kind: 'AnswerLost', phase: 'after' } };

    // Act
    const results = await ingestBatch(deps, batch);

    // Assess
    expect(faults.of('dynamodb', 'TransactWriteItems')).toHaveLength(1);
    expect(statuses(results)).toEqual(Array<string>(EVENTS).fill('accepted'));
    expect(await storedRecord(customerId)).toEqual(await appliedOneByOne(batch));
    expect(await truth.hasEvents(batch.map((event) => String(event.eventId)))).toHaveProperty('size', EVENTS);
  });
});
