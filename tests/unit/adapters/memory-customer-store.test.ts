import { describe, expect, it } from 'vitest';
import { InMemoryCustomerStore } from '#shared/adapters/local/memory-customer-store';
import { emptyRecord } from '#shared/domain/journey/record';
import type { ErasedJourney } from '#shared/domain/erasure';

const receipt = (eventId: string) => ({ eventId, type: 'customer.churned', receivedAt: '2026-01-05T09:00:00.000Z' });

// What every store does (versions, receipts, phone lookup, erasure, tasks, scan) is checked for
// this store too by the contract suite, tests/integration/customer-store.contract.test.ts.
describe('InMemoryCustomerStore', () => {
  it('lists the ids of stored customers and hands out receipts', async () => {
    // Prepare
    const store = new InMemoryCustomerStore();

    // Act
    await store.save(emptyRecord('c1'), receipt('e1'));
    await store.save((await store.get('c1'))!, receipt('e2'));

    // Assess
    expect(store.customerIds()).toEqual(['c1']);
    expect(store.receipt('e2')).toEqual(receipt('e2'));
    expect(store.receipt('e3')).toBeUndefined();
  });

  it('keeps erased facts by journey id, as copies that neither the caller nor a reader can change', async () => {
    // Prepare
    const store = new InMemoryCustomerStore();
    await store.save(emptyRecord('c1'), receipt('e1'));
    const fact = { journeyId: 'j1', customerHash: 'h1', erasedAt: '2026-03-01T00:00:00.000Z', touches: [] } as unknown as ErasedJourney;

    // Act
    await store.erase('c1', 1, [fact]);
    fact.customerHash = 'changed';
    store.erasedFacts.get('j1')!.customerHash = 'changed by a reader';

    // Assess
    expect([...store.erasedFacts.entries()]).toEqual([['j1', expect.objectContaining({ customerHash: 'h1' })]]);
  });
});

describe("InMemoryCustomerStore with { copies: 'frozen' }", () => {
  it('hands out what it stored without copying it, frozen, so a caller that changes it fails instead of changing the store', async () => {
    // Prepare
    const store = new InMemoryCustomerStore({ copies: 'frozen' });
    const record = { ...emptyRecord('c1'), consentSetAt: { sms: '2026-01-05T09:00:00.000Z' } };

    // Act
    await store.save(record, receipt('e1'));
    const read = (await store.get('c1'))!;

    // Assess
    expect(read).toBe(await store.get('c1'));
    expect(read.version).toBe(1);
    expect(record.version).toBe(0);
    expect(() => {
      (read.consentSetAt as Record<string, string>).sms = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      read.version = 7;
    }).toThrow(TypeError);
    // Versions and receipts keep the port's contract.
    await expect(store.save(record)).rejects.toThrow(/at version 1, not 0/);
    await expect(store.save({ ...read }, receipt('e1'))).rejects.toThrow(/already recorded/);
    await store.save({ ...read }, receipt('e2'));
    expect((await store.get('c1'))!.version).toBe(2);
  });
});
