import { createHmac, randomUUID } from 'node:crypto';
import { DeleteTableCommand, DescribeTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import { applyEvent } from '#shared/domain/journey/apply-event';
import { emptyRecord, type CustomerRecord } from '#shared/domain/journey/record';
import { erasedFacts, type ErasedJourney } from '#shared/domain/erasure';
import { ConcurrentUpdateError, DuplicateEventError } from '#shared/domain/errors';
import { CustomerChurned } from '#shared/domain/events';
import { pseudonymize } from '#shared/domain/hash';
import { parsePolicy } from '#shared/domain/policy';
import { PolicyRegistry } from '#shared/domain/policy-registry';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import type { EventReceipt } from '#shared/ports/customer-store';

const PHONE = '+33612345678';
const EMAIL = 'jane.doe@example.com';
const HASH_KEY = 'integration-test-key';
const PHONE_KEY = 'integration-test-phone-key';
const NOW_MS = Date.parse('2026-03-01T10:00:00.000Z');
const DAY_SECONDS = 86_400;

const policies = new PolicyRegistry([parsePolicy(telecomPortOut)]);

/** A customer who just ported out: a profile with contacts, one active journey, two touches. */
function churnedRecord(customerId: string): CustomerRecord {
  const event = CustomerChurned.parse({
    eventId: newId('churn'),
    type: 'customer.churned',
    occurredAt: '2026-03-01T09:30:00+01:00',
    customerId,
    churnKind: 'port_out',
    exitReason: 'coverage',
    contacts: { phone: PHONE, email: EMAIL },
    consents: { sms: true, email: true },
    timezone: 'Europe/Paris',
    monthlyRevenue: 30,
    tenureMonths: 24,
  });
  return applyEvent(emptyRecord(customerId), event, NOW_MS, policies).record;
}

const receiptFor = (eventId: string): EventReceipt => ({ eventId, type: 'customer.churned', receivedAt: new Date(NOW_MS).toISOString() });
const newId = (prefix: string) => `${prefix}-${randomUUID()}`;

describe('DynamoDbCustomerStore on DynamoDB Local', () => {
  // Each test file owns a table, so files running in parallel never share items.
  const tableName = newId('winback-store-it');
  let client: DynamoDBClient;
  let documentClient: DynamoDBDocumentClient;
  let store: DynamoDbCustomerStore;

  beforeAll(async () => {
    client = localDynamoClient(inject('dynamodbEndpoint'));
    documentClient = createDocumentClient(client);
    await ensureTable(client, tableName);
    store = new DynamoDbCustomerStore({ client: documentClient, tableName, phoneHashKey: PHONE_KEY });
  });

  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    client.destroy();
  });

  describe('get and save', () => {
    it('answers undefined for a customer it never stored', async () => {
      // Act
      const record = await store.get(newId('missing'));

      // Assess
      expect(record).toBeUndefined();
    });

    it('stores a new record at version 1 and reads it back unchanged', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));

      // Act
      await store.save(record);
      const stored = await store.get(record.customerId);

      // Assess
      expect(stored).toEqual({ ...record, version: 1 });
    });

    it('increments the version on each save', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));
      await store.save(record);
      const first = (await store.get(record.customerId))!;

      // Act
      await store.save({ ...first, lastReturnedAt: '2026-04-01T00:00:00.000Z' });
      const second = await store.get(record.customerId);

      // Assess
      expect(second).toMatchObject({ version: 2, lastReturnedAt: '2026-04-01T00:00:00.000Z' });
    });

    it('refuses a save from a stale version', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));
      await store.save(record);
      const current = (await store.get(record.customerId))!;
      await store.save(current);

      // Act
      const save = store.save({ ...current, lastReturnedAt: '2026-04-01T00:00:00.000Z' });

      // Assess
      await expect(save).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.get(record.customerId)).toMatchObject({ version: 2 });
      expect((await store.get(record.customerId))?.lastReturnedAt).toBeUndefined();
    });

    it('refuses to create a record that already exists (version 0 twice)', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));
      await store.save(record);

      // Act
      const save = store.save(record);

      // Assess
      await expect(save).rejects.toBeInstanceOf(ConcurrentUpdateError);
    });

    it('lets exactly one of two concurrent saves from the same version win', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));
      await store.save(record);
      const current = (await store.get(record.customerId))!;

      // Act
      const results = await Promise.allSettled([
        store.save({ ...current, lastReturnedAt: '2026-04-01T00:00:00.000Z' }),
        store.save({ ...current, lastReturnedAt: '2026-05-01T00:00:00.000Z' }),
      ]);

      // Assess
      const fulfilled = results.filter((result) => result.status === 'fulfilled');
      const rejected = results.filter((result) => result.status === 'rejected');
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]?.reason).toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.get(record.customerId)).toMatchObject({ version: 2 });
    });
  });

  describe('save with an event receipt', () => {
    it('stores the receipt with the record, so hasEvent answers true', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));
      const eventId = newId('event');
      const before = await store.hasEvent(eventId);

      // Act
      await store.save(record, receiptFor(eventId));

      // Assess
      expect(before).toBe(false);
      expect(await store.hasEvent(eventId)).toBe(true);
      expect(await store.get(record.customerId)).toEqual({ ...record, version: 1 });
    });

    it('keeps the receipt about 400 days, with nothing personal in it', async () => {
      // Prepare
      const eventId = newId('event');
      const receipt = receiptFor(eventId);

      // Act
      await store.save(churnedRecord(newId('customer')), receipt);
      const { Item } = await documentClient.send(
        new GetCommand({ TableName: tableName, Key: { pk: `EVENT#${eventId}`, sk: 'RECEIPT' }, ConsistentRead: true }),
      );

      // Assess
      expect(Item).toEqual({
        pk: `EVENT#${eventId}`,
        sk: 'RECEIPT',
        eventId,
        type: 'customer.churned',
        receivedAt: receipt.receivedAt,
        expiresAt: NOW_MS / 1000 + 400 * DAY_SECONDS,
      });
    });

    it('honours a custom retention', async () => {
      // Prepare
      const shortMemory = new DynamoDbCustomerStore({ client: documentClient, tableName, eventRetentionDays: 30, phoneHashKey: PHONE_KEY });
      const eventId = newId('event');

      // Act
      await shortMemory.save(churnedRecord(newId('customer')), receiptFor(eventId));
      const { Item } = await documentClient.send(
        new GetCommand({ TableName: tableName, Key: { pk: `EVENT#${eventId}`, sk: 'RECEIPT' }, ConsistentRead: true }),
      );

      // Assess
      expect(Item?.expiresAt).toBe(NOW_MS / 1000 + 30 * DAY_SECONDS);
    });

    it('refuses the same receipt twice and leaves the record unchanged', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));
      const eventId = newId('event');
      await store.save(record, receiptFor(eventId));
      const current = (await store.get(record.customerId))!;

      // Act
      const replay = store.save({ ...current, lastReturnedAt: '2026-04-01T00:00:00.000Z' }, receiptFor(eventId));

      // Assess
      await expect(replay).rejects.toBeInstanceOf(DuplicateEventError);
      expect(await store.get(record.customerId)).toEqual(current);
    });

    it('reports a duplicate rather than a conflict when the version is stale too', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));
      const eventId = newId('event');
      await store.save(record, receiptFor(eventId));

      // Act: the same event again, built on the record as it was before the first save.
      const replay = store.save(record, receiptFor(eventId));

      // Assess
      await expect(replay).rejects.toBeInstanceOf(DuplicateEventError);
    });

    it('refuses a stale version without storing the receipt', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));
      await store.save(record, receiptFor(newId('event')));
      const eventId = newId('event');

      // Act
      const save = store.save(record, receiptFor(eventId));

      // Assess
      await expect(save).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.hasEvent(eventId)).toBe(false);
    });

    it('applies exactly one of two concurrent events from the same version', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));
      await store.save(record);
      const current = (await store.get(record.customerId))!;
      const eventIds = [newId('event'), newId('event')];

      // Act
      const results = await Promise.allSettled(
        eventIds.map((eventId) => store.save({ ...current, lastReturnedAt: '2026-04-01T00:00:00.000Z' }, receiptFor(eventId))),
      );

      // Assess
      const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [eventIds[index]!] : []));
      const losers = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      expect(losers[0]).toBeInstanceOf(ConcurrentUpdateError);
      const recorded = await Promise.all(eventIds.map((eventId) => store.hasEvent(eventId)));
      expect(recorded.filter(Boolean)).toHaveLength(1);
      expect(await store.hasEvent(winners[0]!)).toBe(true);
      expect(await store.get(record.customerId)).toMatchObject({ version: 2 });
    });
  });

  describe('erase', () => {
    async function storedCustomer(): Promise<CustomerRecord> {
      const record = churnedRecord(newId('customer'));
      await store.save(record);
      return (await store.get(record.customerId))!;
    }

    async function erasedItem(customerHash: string, journeyId: string) {
      const { Item } = await documentClient.send(
        new GetCommand({ TableName: tableName, Key: { pk: `ERASED#${customerHash}`, sk: `JOURNEY#${journeyId}` }, ConsistentRead: true }),
      );
      return Item;
    }

    it('deletes the record and keeps only pseudonymous journey facts', async () => {
      // Prepare
      const record = await storedCustomer();
      const facts = erasedFacts(record, HASH_KEY, NOW_MS);
      const customerHash = pseudonymize(record.customerId, HASH_KEY);

      // Act
      await store.erase(record.customerId, record.version, facts);

      // Assess
      expect(await store.get(record.customerId)).toBeUndefined();
      expect(facts).toHaveLength(1);
      const item = await erasedItem(customerHash, facts[0]!.journeyId);
      expect(item?.facts).toEqual(facts[0]);
      const raw = JSON.stringify(item);
      expect(raw).not.toContain(PHONE);
      expect(raw).not.toContain(EMAIL);
      expect(raw).not.toContain(record.customerId);
    });

    it('refuses to erase from a stale version and keeps the record', async () => {
      // Prepare
      const record = await storedCustomer();
      await store.save(record);
      const facts = erasedFacts(record, HASH_KEY, NOW_MS);

      // Act
      const erase = store.erase(record.customerId, record.version, facts);

      // Assess
      await expect(erase).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.get(record.customerId)).toMatchObject({ version: record.version + 1 });
      expect(await erasedItem(facts[0]!.customerHash, facts[0]!.journeyId)).toBeUndefined();
    });

    it('erases a record that has no journeys', async () => {
      // Prepare
      const customerId = newId('customer');
      await store.save(emptyRecord(customerId));

      // Act
      await store.erase(customerId, 1, []);

      // Assess
      expect(await store.get(customerId)).toBeUndefined();
    });

    it('writes more facts than one transaction holds, then deletes the record', async () => {
      // Prepare
      const record = await storedCustomer();
      const [template] = erasedFacts(record, HASH_KEY, NOW_MS) as [ErasedJourney];
      const facts = Array.from({ length: 150 }, (_, index) => ({ ...template, journeyId: `${template.journeyId}-${index}` }));

      // Act
      await store.erase(record.customerId, record.version, facts);

      // Assess
      expect(await store.get(record.customerId)).toBeUndefined();
      const { Count } = await documentClient.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `ERASED#${template.customerHash}` },
          Select: 'COUNT',
          ConsistentRead: true,
        }),
      );
      expect(Count).toBe(150);
    });
  });

  describe('phone lookup', () => {
    /** A stored customer with its own number, so the lookups of other tests do not interfere. */
    async function customerWithPhone(phone: string): Promise<CustomerRecord> {
      const record = churnedRecord(newId('customer'));
      record.profile!.contacts.phone = phone;
      await store.save(record, receiptFor(newId('churn')));
      return (await store.get(record.customerId))!;
    }
    const uniquePhone = () => `+4477009${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    const lookupItems = async (phone: string) => {
      const { Items } = await documentClient.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `PHONE#${createHmac('sha256', PHONE_KEY).update(phone).digest('hex')}` },
          ConsistentRead: true,
        }),
      );
      return Items ?? [];
    };

    it('finds the customer by phone after a save, through an item that holds only a keyed hash of the number', async () => {
      // Prepare
      const phone = uniquePhone();

      // Act
      const record = await customerWithPhone(phone);

      // Assess
      expect(await store.customerIdByPhone(phone)).toBe(record.customerId);
      const items = await lookupItems(phone);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ customerId: record.customerId, sk: `CUSTOMER#${record.customerId}` });
      expect(JSON.stringify(items)).not.toContain(phone.slice(1));
      expect(await store.customerIdByPhone(uniquePhone())).toBeUndefined();
    });

    it('moves the lookup when the number changes, and leaves it alone when it does not', async () => {
      // Prepare
      const [oldPhone, newPhone] = [uniquePhone(), uniquePhone()];
      const record = await customerWithPhone(oldPhone);

      // Act: one save without a change, one with a new number (no receipt: the single-put path before).
      await store.save(record);
      const reread = (await store.get(record.customerId))!;
      reread.profile!.contacts.phone = newPhone;
      await store.save(reread);

      // Assess
      expect(await store.customerIdByPhone(oldPhone)).toBeUndefined();
      expect(await lookupItems(oldPhone)).toEqual([]);
      expect(await store.customerIdByPhone(newPhone)).toBe(record.customerId);
      expect(await store.get(record.customerId)).toMatchObject({ version: record.version + 2, profile: { contacts: { phone: newPhone } } });
    });

    it('does not move the lookup when the save loses to a concurrent change', async () => {
      // Prepare
      const [oldPhone, newPhone] = [uniquePhone(), uniquePhone()];
      const record = await customerWithPhone(oldPhone);
      await store.save(record);
      record.profile!.contacts.phone = newPhone;

      // Act
      const stale = store.save(record);

      // Assess
      await expect(stale).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.customerIdByPhone(oldPhone)).toBe(record.customerId);
      expect(await store.customerIdByPhone(newPhone)).toBeUndefined();
    });

    it('answers the customer saved last when two share a number, and erasing one leaves the other', async () => {
      // Prepare
      const phone = uniquePhone();
      const first = await customerWithPhone(phone);
      const second = await customerWithPhone(phone);
      expect(await store.customerIdByPhone(phone)).toBe(second.customerId);

      // Act
      await store.erase(second.customerId, second.version, erasedFacts(second, HASH_KEY, NOW_MS));

      // Assess
      expect(await store.customerIdByPhone(phone)).toBe(first.customerId);
      expect((await lookupItems(phone)).map((item) => item.customerId)).toEqual([first.customerId]);
    });

    it('removes the lookup on erasure, in the one-transaction and the many-facts paths', async () => {
      // Prepare
      const [phoneA, phoneB] = [uniquePhone(), uniquePhone()];
      const a = await customerWithPhone(phoneA);
      const b = await customerWithPhone(phoneB);
      const [template] = erasedFacts(b, HASH_KEY, NOW_MS) as [ErasedJourney];
      const manyFacts = Array.from({ length: 120 }, (_, index) => ({ ...template, journeyId: `${template.journeyId}-${index}` }));

      // Act
      await store.erase(a.customerId, a.version, erasedFacts(a, HASH_KEY, NOW_MS));
      await store.erase(b.customerId, b.version, manyFacts);

      // Assess
      for (const phone of [phoneA, phoneB]) {
        expect(await store.customerIdByPhone(phone)).toBeUndefined();
        expect(await lookupItems(phone)).toEqual([]);
      }
    });
  });

  describe('ensureTable', () => {
    it('is idempotent and turns TTL on for expiresAt', async () => {
      // Act: the table already exists (beforeAll); a second and a racing third call are no-ops.
      await Promise.all([ensureTable(client, tableName), ensureTable(client, tableName)]);
      const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));

      // Assess
      expect(TimeToLiveDescription).toEqual({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    });

    it('creates a missing table, racing another creator', async () => {
      // Prepare
      const freshTable = newId('winback-fresh');

      // Act
      await Promise.all([ensureTable(client, freshTable), ensureTable(client, freshTable)]);
      const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: freshTable }));

      // Assess
      expect(TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');
      await client.send(new DeleteTableCommand({ TableName: freshTable }));
    });
  });
});

describe('DynamoDbCustomerStore.scan on DynamoDB Local', () => {
  const client: DynamoDBClient = localDynamoClient(inject('dynamodbEndpoint'));
  const documentClient = createDocumentClient(client);
  const tableName = newId('winback-scan-it');
  let store: DynamoDbCustomerStore;

  beforeAll(async () => {
    await ensureTable(client, tableName);
    store = new DynamoDbCustomerStore({ client: documentClient, tableName, phoneHashKey: PHONE_KEY });
  });
  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  });

  it('streams every customer and erased journey exactly once across parallel segments, and no receipts', async () => {
    // Prepare: 40 customers saved with receipts, 3 of them erased.
    const ids = Array.from({ length: 40 }, (_, i) => `scan-customer-${i}`);
    for (const id of ids) await store.save(churnedRecord(id), receiptFor(newId('scan-event')));
    for (const id of ids.slice(0, 3)) {
      const record = (await store.get(id))!;
      await store.erase(id, record.version, erasedFacts(record, HASH_KEY, NOW_MS));
    }

    // Act
    const segments = await Promise.all(
      [0, 1, 2, 3].map(async (segment) => {
        const items = [];
        for await (const item of store.scan(segment, 4)) items.push(item);
        return items;
      }),
    );

    // Assess
    const all = segments.flat();
    const customers = all.flatMap((item) => (item.kind === 'customer' ? [item.record.customerId] : []));
    const erased = all.flatMap((item) => (item.kind === 'erased' ? [item.journey.customerHash] : []));
    expect(customers.sort()).toEqual(ids.slice(3).sort());
    expect(erased.sort()).toEqual(
      ids
        .slice(0, 3)
        .map((id) => pseudonymize(id, HASH_KEY))
        .sort(),
    );
    expect(all.find((item) => item.kind === 'customer')!.record.version).toBe(1);
    expect(segments.filter((items) => items.length > 0).length).toBeGreaterThan(1);
  });
});
