import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DYNAMODB_CALL } from '#shared/adapters/aws/clients';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { emptyRecord } from '#shared/domain/journey/record';
import { ConcurrentUpdateError } from '#shared/domain/errors';
import { FaultLayer, scriptedFaults, type Fault, type FaultCall } from '../support/faults.ts';
import { faultyDynamoDb } from '../support/faulty-dynamodb.ts';

/**
 * The store's writes under faults injected into the real DynamoDB client, against DynamoDB Local:
 * a write whose answer is lost (it happened, the SDK saw an error) must count as done, exactly
 * once, whether the SDK's retry then meets its own write or gives up; a write that did not happen
 * must still fail, so that the caller retries it.
 */

type Script = Array<Partial<FaultCall> & Fault>;

describe('DynamoDbCustomerStore with answers lost and calls failed', () => {
  const tableName = `winback-faults-store-${randomUUID()}`;
  let script: Script = [];
  const faults = new FaultLayer((call) => scriptedFaults(script)(call));
  let plain: DynamoDBClient;
  let faulty: DynamoDBClient;
  let store: DynamoDbCustomerStore;
  /** The same table through a client without faults: what is really stored. */
  let truth: DynamoDbCustomerStore;

  beforeAll(async () => {
    ({ plain, faulty } = await faultyDynamoDb(tableName, faults));
    store = new DynamoDbCustomerStore({ client: createDocumentClient(faulty), tableName, phoneHashKey: 'faults-phone-key' });
    truth = new DynamoDbCustomerStore({ client: createDocumentClient(plain), tableName, phoneHashKey: 'faults-phone-key' });
  });

  beforeEach(() => {
    script = [];
    faults.injected.length = 0;
  });

  afterAll(async () => {
    await plain?.send(new DeleteTableCommand({ TableName: tableName }));
    plain?.destroy();
    faulty?.destroy();
  });

  const customer = () => `c-${randomUUID()}`;
  const receipt = (eventId: string) => ({ eventId, type: 'customer.churned', receivedAt: '2026-03-01T10:00:00.000Z' });

  it('counts a conditional put whose answer was lost as done: the retry meets its own write', async () => {
    // Prepare
    const id = customer();
    await store.save(emptyRecord(id));
    script = [{ operation: 'PutItem', attempt: 1, kind: 'InternalServerError', phase: 'after' }];

    // Act
    await store.save({ ...(await store.get(id))!, consentSetAt: { sms: '2026-03-01T10:00:00.000Z' } });

    // Assess: written once, at the next version, and the SDK did retry into the failed condition.
    expect(faults.of('dynamodb', 'PutItem')).toHaveLength(1);
    expect(await truth.get(id)).toMatchObject({ version: 2, consentSetAt: { sms: '2026-03-01T10:00:00.000Z' } });
  });

  it('counts a put as done when its answer was lost and the SDK gave up: one consistent read settles it', async () => {
    // Prepare: the first attempt is applied and its answer lost, every retry is refused.
    const id = customer();
    script = [
      { operation: 'PutItem', attempt: 1, kind: 'AnswerLost', phase: 'after' },
      { operation: 'PutItem', kind: 'ServiceUnavailable', phase: 'before' },
    ];

    // Act
    await store.save(emptyRecord(id));

    // Assess
    expect(faults.of('dynamodb', 'PutItem')).toHaveLength(DYNAMODB_CALL.maxAttempts);
    expect(await truth.get(id)).toMatchObject({ version: 1 });
  });

  it('fails a put that did not happen, so that the caller retries it', async () => {
    // Prepare
    const id = customer();
    script = [{ operation: 'PutItem', kind: 'ServiceUnavailable', phase: 'before' }];

    // Act
    const result = store.save(emptyRecord(id));

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    expect(await truth.get(id)).toBeUndefined();
  });

  it('leaves the outcome unknown, and says so with the error, only when the settling read fails too', async () => {
    // Prepare
    const id = customer();
    script = [
      { operation: 'PutItem', attempt: 1, kind: 'AnswerLost', phase: 'after' },
      { operation: 'PutItem', kind: 'ServiceUnavailable', phase: 'before' },
      { operation: 'GetItem', kind: 'InternalServerError', phase: 'before' },
    ];

    // Act
    const result = store.save(emptyRecord(id));

    // Assess: the caller sees a failure although the write happened; a retry of the use case then
    // finds the record at version 1 and decides on fresh data.
    await expect(result).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    expect(await truth.get(id)).toMatchObject({ version: 1 });
  });

  it('counts an event transaction whose answer was lost as done, not as a replay of itself', async () => {
    // Prepare
    const id = customer();
    const eventId = `e-${randomUUID()}`;
    script = [{ operation: 'TransactWriteItems', attempt: 1, kind: 'ServiceUnavailable', phase: 'after' }];

    // Act
    await store.save(emptyRecord(id), receipt(eventId));

    // Assess
    expect(faults.of('dynamodb', 'TransactWriteItems')).toHaveLength(1);
    expect(await truth.hasEvent(eventId)).toBe(true);
    expect(await truth.get(id)).toMatchObject({ version: 1 });
  });

  it('still tells a real concurrent change apart: a transaction conflict is a stale version', async () => {
    // Prepare
    const id = customer();
    script = [{ operation: 'TransactWriteItems', kind: 'TransactionConflict', phase: 'before' }];

    // Act
    const result = store.save(emptyRecord(id), receipt(`e-${randomUUID()}`));

    // Assess: not retried by the SDK (a 400), turned into the error the use cases re-read on.
    await expect(result).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(faults.of('dynamodb', 'TransactWriteItems')).toHaveLength(1);
    expect(await truth.get(id)).toBeUndefined();
  });

  it('still refuses a stale version whose item another writer changed', async () => {
    // Prepare
    const id = customer();
    await store.save(emptyRecord(id));
    const stale = (await store.get(id))!;
    await truth.save({ ...stale });

    // Act
    const result = store.save({ ...stale });

    // Assess
    await expect(result).rejects.toBeInstanceOf(ConcurrentUpdateError);
  });
});
