import { createHmac } from 'node:crypto';
import { DeleteTableCommand, DescribeTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import type { CustomerRecord } from '#shared/domain/journey/record';
import { erasedFacts, type ErasedJourney } from '#shared/domain/erasure';
import { pseudonymize } from '#shared/domain/hash';
import {
  churnedRecord,
  newId,
  receiptFor,
  STORE_EMAIL as EMAIL,
  STORE_NOW_MS as NOW_MS,
  STORE_PHONE as PHONE,
} from '../support/store-records.ts';

const HASH_KEY = 'integration-test-key';
const PHONE_KEY = 'integration-test-phone-key';
const DAY_SECONDS = 86_400;

// What every store does (versions, receipts, phone lookup, erasure, tasks, scan) is checked on
// DynamoDB Local too by the contract suite, customer-store.contract.test.ts; here, the item layout.
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

  describe('save with an event receipt', () => {
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

    it('finds many events at once under their keyed hash, and those whose receipt was written before receipts were keyed', async () => {
      // Prepare: 60 events saved keyed, 1 saved by a store without a receipt key (raw id), 100 never seen.
      const keyed = new DynamoDbCustomerStore({ client: documentClient, tableName, phoneHashKey: PHONE_KEY, eventHashKey: 'receipts-key' });
      const recorded = Array.from({ length: 60 }, () => newId('event'));
      const legacy = newId('legacy-event');
      await keyed.save(churnedRecord(newId('customer')), recorded.map(receiptFor));
      await store.save(churnedRecord(newId('customer')), receiptFor(legacy));
      const unknown = Array.from({ length: 100 }, () => newId('event'));

      // Act: 161 events, 221 keys (each keyed and raw): three BatchGetItem calls.
      const found = await keyed.hasEvents([...unknown, ...recorded, legacy]);

      // Assess
      expect(found).toEqual(new Set([...recorded, legacy]));
      const { Item } = await documentClient.send(
        new GetCommand({ TableName: tableName, Key: { pk: `EVENT#${recorded[0]}`, sk: 'RECEIPT' }, ConsistentRead: true }),
      );
      expect(Item).toBeUndefined();
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

    it('keeps one lookup item per customer, holding only a keyed hash of the number', async () => {
      // Prepare
      const phone = uniquePhone();

      // Act
      const first = await customerWithPhone(phone);
      const second = await customerWithPhone(phone);

      // Assess
      const items = await lookupItems(phone);
      expect(items.map((item) => item.sk).sort()).toEqual([`CUSTOMER#${first.customerId}`, `CUSTOMER#${second.customerId}`].sort());
      expect(items[0]).toMatchObject({ customerId: expect.any(String), linkedAt: expect.any(Number) });
      expect(JSON.stringify(items)).not.toContain(phone.slice(1));
    });

    it('deletes the old item when the number changes (single-put path before), and the item on erasure in both erase paths', async () => {
      // Prepare
      const [oldPhone, newPhone, phoneA, phoneB] = [uniquePhone(), uniquePhone(), uniquePhone(), uniquePhone()];
      const moving = await customerWithPhone(oldPhone);
      const a = await customerWithPhone(phoneA);
      const b = await customerWithPhone(phoneB);
      const [template] = erasedFacts(b, HASH_KEY, NOW_MS) as [ErasedJourney];
      const manyFacts = Array.from({ length: 120 }, (_, index) => ({ ...template, journeyId: `${template.journeyId}-${index}` }));

      // Act
      await store.save(moving);
      const reread = (await store.get(moving.customerId))!;
      reread.profile!.contacts.phone = newPhone;
      await store.save(reread);
      await store.erase(a.customerId, a.version, erasedFacts(a, HASH_KEY, NOW_MS));
      await store.erase(b.customerId, b.version, manyFacts);

      // Assess
      expect(await lookupItems(oldPhone)).toEqual([]);
      expect((await lookupItems(newPhone)).map((item) => item.customerId)).toEqual([moving.customerId]);
      expect(await lookupItems(phoneA)).toEqual([]);
      expect(await lookupItems(phoneB)).toEqual([]);
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
