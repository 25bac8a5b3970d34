import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import { InMemoryCustomerStore } from '#shared/adapters/local/memory-customer-store';
import { SqliteCustomerStore } from '#shared/adapters/local/sqlite-customer-store';
import { openSqliteDatabase } from '#shared/adapters/local/sqlite-database';
import { emptyRecord, type CustomerRecord } from '#shared/domain/journey/record';
import { type ArchivedJourney, erasedFacts, type ErasedJourney } from '#shared/domain/erasure';
import { ConcurrentUpdateError, DuplicateEventError } from '#shared/domain/errors';
import { TaskOutcome } from '#shared/domain/events';
import { pseudonymize } from '#shared/domain/hash';
import { type CustomerStore, MAX_RECEIPTS_AND_ARCHIVED_PER_SAVE, type StoredJourneys } from '#shared/ports/customer-store';
import { applyWithPolicies, churnedRecord, escalatedRecord, newId, receiptFor, STORE_NOW_MS as NOW_MS } from '../support/store-records.ts';

/**
 * The `CustomerStore` port's contract, run against every store: the in-memory one (unit tests,
 * simulator), SQLite (the local runner's default) and DynamoDB (AWS) on DynamoDB Local through
 * the real adapter. A use case that passes against one store behaves the same against the others.
 * Each test gets a fresh, empty store. What only one adapter does (item layout, TTL, raw rows)
 * stays in that adapter's own tests.
 */

const HASH_KEY = 'contract-hash-key';
const PHONE_KEY = 'contract-phone-key';

interface StoreUnderTest {
  store: CustomerStore;
  close(): Promise<void>;
}

const dynamo = { client: undefined as ReturnType<typeof localDynamoClient> | undefined };

const STORES: Array<{ name: string; open: () => Promise<StoreUnderTest> }> = [
  { name: 'InMemoryCustomerStore', open: async () => ({ store: new InMemoryCustomerStore(), close: async () => {} }) },
  {
    name: 'SqliteCustomerStore',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'winback-store-contract-'));
      const database = openSqliteDatabase(join(dir, 'winback.db'));
      const store = new SqliteCustomerStore({ database, phoneHashKey: PHONE_KEY });
      const close = async () => {
        database.close();
        rmSync(dir, { recursive: true, force: true });
      };
      return { store, close };
    },
  },
  {
    name: 'DynamoDbCustomerStore on DynamoDB Local',
    open: async () => {
      dynamo.client ??= localDynamoClient(inject('dynamodbEndpoint'));
      const client = dynamo.client;
      const tableName = newId('winback-contract');
      await ensureTable(client, tableName);
      const store = new DynamoDbCustomerStore({ client: createDocumentClient(client), tableName, phoneHashKey: PHONE_KEY });
      return { store, close: async () => void (await client.send(new DeleteTableCommand({ TableName: tableName }))) };
    },
  },
];

afterAll(() => dynamo.client?.destroy());

async function everything(store: CustomerStore, segments = 1): Promise<StoredJourneys[][]> {
  return Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      const items: StoredJourneys[] = [];
      for await (const item of store.scan(segment, segments)) items.push(item);
      return items;
    }),
  );
}

const erasedOf = async (store: CustomerStore, customerId: string) =>
  (await everything(store))
    .flat()
    .flatMap((item) => (item.kind === 'erased' && item.journey.customerHash === pseudonymize(customerId, HASH_KEY) ? [item.journey] : []));

/** `count` copies of the record's erased journey under distinct journey ids. */
function manyFacts(record: CustomerRecord, count: number): ErasedJourney[] {
  const [template] = erasedFacts(record, HASH_KEY, NOW_MS) as [ErasedJourney];
  return Array.from({ length: count }, (_, index) => ({ ...template, journeyId: `${template.journeyId}-${index}` }));
}

describe.each(STORES)('CustomerStore contract: $name', ({ open }) => {
  let subject: StoreUnderTest;
  let store: CustomerStore;
  beforeEach(async () => {
    subject = await open();
    store = subject.store;
  });
  afterEach(() => subject.close());

  /** A churned customer saved once (version 1), as read back. */
  async function stored(customerId = newId('customer'), phone?: string): Promise<CustomerRecord> {
    await store.save(churnedRecord(customerId, phone), receiptFor(newId('churn')));
    return (await store.get(customerId))!;
  }

  describe('get and save', () => {
    it('answers undefined for a customer it never stored', async () => {
      expect(await store.get(newId('missing'))).toBeUndefined();
    });

    it('stores a new record at version 1, reads it back unchanged, and each save adds one', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));

      // Act
      await store.save(record);
      const first = await store.get(record.customerId);
      await store.save({ ...first!, lastReturnedAt: '2026-04-01T00:00:00.000Z' });
      const second = await store.get(record.customerId);

      // Assess
      expect(first).toEqual({ ...record, version: 1 });
      expect(second).toEqual({ ...record, version: 2, lastReturnedAt: '2026-04-01T00:00:00.000Z' });
    });

    it('refuses a save from a stale version with ConcurrentUpdateError and keeps the stored record', async () => {
      // Prepare
      const current = await stored();
      await store.save(current);

      // Act
      const save = store.save({ ...current, lastReturnedAt: '2026-04-01T00:00:00.000Z' });

      // Assess
      await expect(save).rejects.toBeInstanceOf(ConcurrentUpdateError);
      const after = await store.get(current.customerId);
      expect(after).toMatchObject({ version: 2 });
      expect(after?.lastReturnedAt).toBeUndefined();
    });

    it('refuses to create a record that already exists (version 0 twice)', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));
      await store.save(record);

      // Act
      const again = store.save(emptyRecord(record.customerId));

      // Assess
      await expect(again).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.get(record.customerId)).toEqual({ ...record, version: 1 });
    });

    it('lets exactly one of two concurrent saves from the same version win', async () => {
      // Prepare
      const current = await stored();

      // Act
      const results = await Promise.allSettled([
        store.save({ ...current, lastReturnedAt: '2026-04-01T00:00:00.000Z' }),
        store.save({ ...current, lastReturnedAt: '2026-05-01T00:00:00.000Z' }),
      ]);

      // Assess
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      expect(rejected).toHaveLength(1);
      expect(rejected[0]).toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.get(current.customerId)).toMatchObject({ version: 2 });
    });

    it('keeps what it stored when the caller changes the objects it saved or read', async () => {
      // Prepare
      const record = emptyRecord(newId('customer'));
      await store.save(record);

      // Act
      record.history.push({ at: 'x', decision: 'received', reason: 'changed after save' });
      const read = (await store.get(record.customerId))!;
      read.history.push({ at: 'y', decision: 'received', reason: 'changed after read' });

      // Assess
      expect((await store.get(record.customerId))!.history).toEqual([]);
      expect(record.version).toBe(0);
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
      expect(await store.hasEvent(newId('event'))).toBe(false);
      expect(await store.get(record.customerId)).toEqual({ ...record, version: 1 });
    });

    it('refuses the same receipt twice with DuplicateEventError and leaves the record unchanged', async () => {
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
      expect((await store.get(record.customerId))!.version).toBe(1);
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
      const current = await stored();
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
      expect(await Promise.all(eventIds.map((eventId) => store.hasEvent(eventId)))).toEqual(eventIds.map((id) => id === winners[0]));
      expect(await store.get(current.customerId)).toMatchObject({ version: 2 });
    });
  });

  describe("save with the receipts of several events (a batch's events of one customer)", () => {
    const ids = (count: number, prefix = 'event') => Array.from({ length: count }, () => newId(prefix));
    /** `count` finished journeys moved out of the record, as `archiveFinished` makes them. */
    const archivedOf = (record: CustomerRecord, count: number): ArchivedJourney[] =>
      manyFacts(record, count).map(({ erasedAt, ...journey }) => ({ ...journey, archivedAt: erasedAt }));

    it('stores every receipt with the record and the archived journeys in one write; hasEvents finds exactly them', async () => {
      // Prepare: receipts and archived journeys up to the limit (90 + 6 = 96).
      const record = churnedRecord(newId('customer'));
      const eventIds = ids(90);
      const archived = archivedOf(record, MAX_RECEIPTS_AND_ARCHIVED_PER_SAVE - eventIds.length);
      const others = ids(110, 'other');

      // Act
      await store.save(record, eventIds.map(receiptFor), archived);

      // Assess: 200 ids asked at once (more than one DynamoDB BatchGetItem call holds).
      expect(await store.get(record.customerId)).toEqual({ ...record, version: 1 });
      expect(await store.hasEvents([...others.slice(0, 55), ...eventIds, ...others.slice(55)])).toEqual(new Set(eventIds));
      expect(await store.hasEvents([])).toEqual(new Set());
      const kept = (await everything(store)).flat().flatMap((item) => (item.kind === 'archived' ? [item.journey] : []));
      expect(kept.map((journey) => journey.journeyId).sort()).toEqual(archived.map((journey) => journey.journeyId).sort());
    });

    it('refuses them all when one of the events is already recorded: no receipt stored, the record unchanged', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));
      const recorded = newId('event');
      await store.save(record, receiptFor(recorded));
      const current = (await store.get(record.customerId))!;
      const fresh = ids(3);

      // Act
      const save = store.save(
        { ...current, lastReturnedAt: '2026-04-01T00:00:00.000Z' },
        [fresh[0]!, recorded, ...fresh.slice(1)].map(receiptFor),
      );

      // Assess
      await expect(save).rejects.toBeInstanceOf(DuplicateEventError);
      expect(await store.hasEvents([...fresh, recorded])).toEqual(new Set([recorded]));
      expect(await store.get(record.customerId)).toEqual(current);
    });

    it('refuses them all on a stale version, storing none', async () => {
      // Prepare
      const current = await stored();
      await store.save(current);
      const eventIds = ids(5);

      // Act
      const save = store.save(current, eventIds.map(receiptFor));

      // Assess
      await expect(save).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.hasEvents(eventIds)).toEqual(new Set());
      expect(await store.get(current.customerId)).toMatchObject({ version: current.version + 1 });
    });

    it('refuses more receipts and archived journeys than one write holds, and an event twice, before writing anything', async () => {
      // Prepare
      const record = churnedRecord(newId('customer'));
      const tooMany = ids(MAX_RECEIPTS_AND_ARCHIVED_PER_SAVE + 1);
      const twice = newId('event');

      // Act
      const saves = [
        store.save(record, tooMany.map(receiptFor)),
        store.save(record, ids(90).map(receiptFor), archivedOf(record, 7)),
        store.save(record, [twice, twice].map(receiptFor)),
      ];

      // Assess
      for (const save of saves) await expect(save).rejects.toBeInstanceOf(RangeError);
      expect(await store.get(record.customerId)).toBeUndefined();
      expect(await store.hasEvents([...tooMany, twice])).toEqual(new Set());
    });
  });

  describe('erase', () => {
    it('deletes the record, keeps the journey facts and the receipts, so a replay stays a duplicate', async () => {
      // Prepare
      const churnId = newId('churn');
      const record = churnedRecord(newId('customer'));
      await store.save(record, receiptFor(churnId));
      const current = (await store.get(record.customerId))!;
      const facts = erasedFacts(current, HASH_KEY, NOW_MS);

      // Act
      await store.erase(current.customerId, current.version, facts);
      const erased = await store.get(current.customerId);
      const replay = await store.save(record, receiptFor(churnId)).catch((error: unknown) => error);

      // Assess
      expect(erased).toBeUndefined();
      expect(await store.hasEvent(churnId)).toBe(true);
      expect(replay).toBeInstanceOf(DuplicateEventError);
      expect(await store.get(current.customerId)).toBeUndefined();
      expect(facts).toHaveLength(1);
      expect(await erasedOf(store, current.customerId)).toEqual(facts);
    });

    it('refuses to erase from a stale version, keeping the record and writing no facts', async () => {
      // Prepare
      const record = await stored();
      await store.save(record);

      // Act
      const erase = store.erase(record.customerId, record.version, erasedFacts(record, HASH_KEY, NOW_MS));

      // Assess
      await expect(erase).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.get(record.customerId)).toMatchObject({ version: record.version + 1 });
      expect(await erasedOf(store, record.customerId)).toEqual([]);
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

    it('keeps more facts than one DynamoDB transaction holds, and deletes the record', async () => {
      // Prepare
      const record = await stored();

      // Act
      await store.erase(record.customerId, record.version, manyFacts(record, 150));

      // Assess
      expect(await store.get(record.customerId)).toBeUndefined();
      expect(await erasedOf(store, record.customerId)).toHaveLength(150);
    });
  });

  describe('phone lookup', () => {
    const PHONE_A = '+447700900001';
    const PHONE_B = '+447700900002';

    it('finds the customer by phone after a save, and no one for a number never saved', async () => {
      // Act
      const record = await stored(newId('customer'), PHONE_A);

      // Assess
      expect(await store.customerIdByPhone(PHONE_A)).toBe(record.customerId);
      expect(await store.customerIdByPhone(PHONE_B)).toBeUndefined();
    });

    it('follows a change of number, and stays when a save keeps the number', async () => {
      // Prepare
      const record = await stored(newId('customer'), PHONE_A);

      // Act
      await store.save(record);
      const reread = (await store.get(record.customerId))!;
      reread.profile!.contacts.phone = PHONE_B;
      await store.save(reread);

      // Assess
      expect(await store.customerIdByPhone(PHONE_A)).toBeUndefined();
      expect(await store.customerIdByPhone(PHONE_B)).toBe(record.customerId);
      expect(await store.get(record.customerId)).toMatchObject({ version: record.version + 2, profile: { contacts: { phone: PHONE_B } } });
    });

    it('does not move the lookup when the save loses to a concurrent change', async () => {
      // Prepare
      const record = await stored(newId('customer'), PHONE_A);
      await store.save(record);
      record.profile!.contacts.phone = PHONE_B;

      // Act
      const stale = store.save(record);

      // Assess
      await expect(stale).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.customerIdByPhone(PHONE_A)).toBe(record.customerId);
      expect(await store.customerIdByPhone(PHONE_B)).toBeUndefined();
    });

    it('answers the customer saved last when two share a number; a number change or an erasure hands it back', async () => {
      // Prepare
      const first = await stored(newId('first'), PHONE_A);
      const second = await stored(newId('second'), PHONE_A);
      const third = await stored(newId('third'), PHONE_B);
      const sharedByTwo = await store.customerIdByPhone(PHONE_A);

      // Act
      await store.save({ ...second, profile: { ...second.profile!, contacts: { ...second.profile!.contacts, phone: PHONE_B } } });
      const afterChange = [await store.customerIdByPhone(PHONE_A), await store.customerIdByPhone(PHONE_B)];
      await store.erase(second.customerId, second.version + 1, []);

      // Assess
      expect(sharedByTwo).toBe(second.customerId);
      expect(afterChange).toEqual([first.customerId, second.customerId]);
      expect(await store.customerIdByPhone(PHONE_B)).toBe(third.customerId);
      expect(await store.customerIdByPhone(PHONE_A)).toBe(first.customerId);
    });

    it('forgets the number on erasure, with few facts and with more than one DynamoDB transaction holds', async () => {
      // Prepare
      const a = await stored(newId('customer'), PHONE_A);
      const b = await stored(newId('customer'), PHONE_B);

      // Act
      await store.erase(a.customerId, a.version, erasedFacts(a, HASH_KEY, NOW_MS));
      await store.erase(b.customerId, b.version, manyFacts(b, 120));

      // Assess
      expect(await store.customerIdByPhone(PHONE_A)).toBeUndefined();
      expect(await store.customerIdByPhone(PHONE_B)).toBeUndefined();
    });
  });

  describe('tasks', () => {
    it("lists a team's tasks by due date up to the limit, keeps other teams' out, and forgets an erased customer", async () => {
      // Prepare: partner accounts churned 1, 9 and 5 days ago (due in 29, 21 and 25 days), one business account, one not escalated.
      await store.save(escalatedRecord('p-1', 'partner', 1));
      await store.save(escalatedRecord('p-2', 'partner', 9));
      await store.save(escalatedRecord('p-3', 'partner', 5));
      await store.save(escalatedRecord('b-1', 'business', 3));
      await store.save(churnedRecord('small'));

      // Act
      const partner = await store.withTasksFor('partner', 10);
      const firstTwo = await store.withTasksFor('partner', 2);
      const sales = await store.withTasksFor('sales', 10);
      await store.erase('p-2', 1, []);
      const afterErasure = await store.withTasksFor('partner', 10);

      // Assess
      expect(partner.map((r) => r.customerId)).toEqual(['p-2', 'p-3', 'p-1']);
      expect(partner[0]).toEqual({ ...escalatedRecord('p-2', 'partner', 9), version: 1 });
      expect(firstTwo.map((r) => r.customerId)).toEqual(['p-2', 'p-3']);
      expect(sales.map((r) => r.customerId)).toEqual(['b-1']);
      expect(afterErasure.map((r) => r.customerId)).toEqual(['p-3', 'p-1']);
    });

    it('moves a task in the list when a follow-up changes its due date', async () => {
      // Prepare: due in 30 days, after p-3's 25.
      await store.save(escalatedRecord('p-3', 'partner', 5));
      const record = escalatedRecord('moving', 'partner', 0);
      await store.save(record);
      const followUp = TaskOutcome.parse({
        eventId: 'outcome-moving',
        type: 'task.outcome',
        occurredAt: new Date(NOW_MS).toISOString(),
        customerId: 'moving',
        taskId: record.journeys[0]!.task!.taskId,
        outcome: 'follow_up',
        followUpAt: '2026-03-02T09:00:00Z',
      });
      const before = await store.withTasksFor('partner', 1);

      // Act
      await store.save(applyWithPolicies((await store.get('moving'))!, followUp));

      // Assess
      expect(before.map((r) => r.customerId)).toEqual(['p-3']);
      expect((await store.withTasksFor('partner', 1)).map((r) => r.customerId)).toEqual(['moving']);
    });
  });

  describe('scan', () => {
    it('streams every customer and erased journey exactly once across parallel segments, and no receipts', async () => {
      // Prepare: 40 customers saved with receipts, 3 of them erased.
      const ids = Array.from({ length: 40 }, (_, i) => `scan-customer-${i}`);
      for (const id of ids) await store.save(churnedRecord(id), receiptFor(newId('scan-event')));
      for (const id of ids.slice(0, 3)) {
        const record = (await store.get(id))!;
        await store.erase(id, record.version, erasedFacts(record, HASH_KEY, NOW_MS));
      }

      // Act
      const segments = await everything(store, 4);

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
});
