import { describe, expect, it } from 'vitest';
import { InMemoryCustomerStore } from '#shared/adapters/local/memory-customer-store';
import { emptyRecord, type CustomerRecord } from '#shared/domain/journey/record';
import type { ErasedJourney } from '#shared/domain/erasure';
import { ConcurrentUpdateError, DuplicateEventError } from '#shared/domain/errors';

const receipt = (eventId: string) => ({ eventId, type: 'customer.churned', receivedAt: '2026-01-05T09:00:00.000Z' });

/** A record whose profile holds this phone number (the rest of the profile does not matter here). */
const withPhone = (record: CustomerRecord, phone: string): CustomerRecord => ({
  ...record,
  profile: { ...record.profile, contacts: { phone } } as CustomerRecord['profile'],
});

describe('InMemoryCustomerStore', () => {
  it('finds a customer by phone like the DynamoDB store: follows a number change, the last saved wins, erasure removes it', async () => {
    // Prepare
    const store = new InMemoryCustomerStore();
    await store.save(withPhone(emptyRecord('c1'), '+447700900001'));
    await store.save(withPhone(emptyRecord('c2'), '+447700900001'));
    const sharedByTwo = await store.customerIdByPhone('+447700900001');

    // Act
    await store.save(withPhone((await store.get('c2'))!, '+447700900002'));
    const afterChange = [await store.customerIdByPhone('+447700900001'), await store.customerIdByPhone('+447700900002')];
    await store.erase('c2', 2, []);

    // Assess
    expect(sharedByTwo).toBe('c2');
    expect(afterChange).toEqual(['c1', 'c2']);
    expect(await store.customerIdByPhone('+447700900002')).toBeUndefined();
    expect(await store.customerIdByPhone('+447700900003')).toBeUndefined();
  });

  it('stores a new record at version 1 and the next save at version 2', async () => {
    // Prepare
    const store = new InMemoryCustomerStore();

    // Act
    await store.save(emptyRecord('c1'), receipt('e1'));
    const first = await store.get('c1');
    await store.save(first!, receipt('e2'));
    const second = await store.get('c1');

    // Assess
    expect([first!.version, second!.version]).toEqual([1, 2]);
    expect(await store.hasEvent('e1')).toBe(true);
    expect(await store.hasEvent('e3')).toBe(false);
    expect(store.customerIds()).toEqual(['c1']);
  });

  it('refuses a save from a stale read with ConcurrentUpdateError', async () => {
    // Prepare
    const store = new InMemoryCustomerStore();
    await store.save(emptyRecord('c1'));
    const a = (await store.get('c1'))!;
    const b = (await store.get('c1'))!;
    await store.save(a);

    // Act
    const stale = store.save(b, receipt('e-b'));

    // Assess
    await expect(stale).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(await store.hasEvent('e-b')).toBe(false);
    expect((await store.get('c1'))!.version).toBe(2);
  });

  it('refuses a second record created as new', async () => {
    // Prepare
    const store = new InMemoryCustomerStore();
    await store.save(emptyRecord('c1'));

    // Act
    const again = store.save(emptyRecord('c1'));

    // Assess
    await expect(again).rejects.toBeInstanceOf(ConcurrentUpdateError);
  });

  it('refuses a recorded event id with DuplicateEventError, even from a stale read', async () => {
    // Prepare
    const store = new InMemoryCustomerStore();
    await store.save(emptyRecord('c1'), receipt('e1'));

    // Act: stale version and duplicate receipt at once; the duplicate wins.
    const replay = store.save(emptyRecord('c1'), receipt('e1'));

    // Assess
    await expect(replay).rejects.toBeInstanceOf(DuplicateEventError);
    expect((await store.get('c1'))!.version).toBe(1);
  });

  it('copies records in and out, so callers cannot change what is stored', async () => {
    // Prepare
    const store = new InMemoryCustomerStore();
    const record = emptyRecord('c1');
    await store.save(record);

    // Act
    record.history.push({ at: 'x', decision: 'received', reason: 'changed after save' });
    const read = (await store.get('c1'))!;
    read.history.push({ at: 'y', decision: 'received', reason: 'changed after read' });

    // Assess
    expect((await store.get('c1'))!.history).toEqual([]);
    expect(record.version).toBe(0);
  });

  it('erases the record, keeps facts and receipts, and checks the version', async () => {
    // Prepare
    const store = new InMemoryCustomerStore();
    await store.save(emptyRecord('c1'), receipt('e1'));
    const fact = { journeyId: 'j1', customerHash: 'h1', erasedAt: '2026-03-01T00:00:00.000Z', touches: [] } as unknown as ErasedJourney;

    // Act
    const stale = store.erase('c1', 0, [fact]);
    await expect(stale).rejects.toBeInstanceOf(ConcurrentUpdateError);
    await store.erase('c1', 1, [fact]);
    fact.customerHash = 'changed';

    // Assess
    expect(await store.get('c1')).toBeUndefined();
    expect(await store.hasEvent('e1')).toBe(true);
    expect([...store.erasedFacts.entries()]).toEqual([['j1', expect.objectContaining({ customerHash: 'h1' })]]);
  });
});
