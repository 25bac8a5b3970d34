import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryCustomerStore } from '#shared/adapters/local/memory-customer-store';
import type { ArchivedJourney } from '#shared/domain/erasure';
import { parseEvent } from '#shared/domain/events';
import type { CustomerRecord } from '#shared/domain/journey/record';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import { type BatchItemResult, ingestBatch, ingestEvent } from '#shared/engine/ingest-event';
import { type EventReceipt, MAX_RECEIPTS_AND_ARCHIVED_PER_SAVE } from '#shared/ports/customer-store';
import { oneCustomerBatch } from '../../../scripts/bench/one-customer-batch.ts';
import { churnInput, eventFixture } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, type TestDeps } from '../../support/fakes.ts';
import { iso, T0 } from './helpers.ts';

/**
 * A batch's events of one customer are applied in memory and saved a chunk at a time: the same
 * records, answers and timers as ingesting them one by one, for one read and one write a chunk.
 */

/** The in-memory store, counting the calls a batch makes, and able to act "concurrently" just before a save. */
class CountingStore extends InMemoryCustomerStore {
  readonly calls = { get: 0, hasEvent: 0, hasEvents: 0, save: 0 };
  readonly saves: Array<{ receipts: number; archived: number }> = [];
  /** Runs once, before the next save goes through (another request's write meanwhile). */
  beforeSave: (() => Promise<void>) | undefined;

  override async get(customerId: string): Promise<CustomerRecord | undefined> {
    this.calls.get += 1;
    return super.get(customerId);
  }
  override async hasEvent(eventId: string): Promise<boolean> {
    this.calls.hasEvent += 1;
    return super.hasEvent(eventId);
  }
  override async hasEvents(eventIds: readonly string[]): Promise<Set<string>> {
    this.calls.hasEvents += 1;
    return super.hasEvents(eventIds);
  }
  override async save(
    record: CustomerRecord,
    receipts?: EventReceipt | readonly EventReceipt[],
    archived: readonly ArchivedJourney[] = [],
  ) {
    const hook = this.beforeSave;
    this.beforeSave = undefined;
    await hook?.();
    this.calls.save += 1;
    this.saves.push({ receipts: receipts === undefined ? 0 : 'eventId' in receipts ? 1 : receipts.length, archived: archived.length });
    return super.save(record, receipts, archived);
  }
}

/** Engine fakes on a counting store, at T0; `policies`: the embedded ones (with lapse detection) instead of the port-out default. */
function countingDeps(policies?: 'embedded'): TestDeps & { store: CountingStore } {
  const deps = makeDeps({
    store: new CountingStore(),
    ...(policies ? { policies: deploymentPolicies([]) } : {}),
  }) as TestDeps & { store: CountingStore };
  deps.clock.set(T0);
  return deps;
}

/** Ingests each valid item with `ingestEvent`, in order: the answers. */
async function ingestEach(deps: TestDeps, items: readonly unknown[]): Promise<string[]> {
  const statuses: string[] = [];
  for (const item of items) {
    const parsed = parseEvent(item);
    if (parsed.ok) statuses.push((await ingestEvent(deps, parsed.event)).status);
  }
  return statuses;
}

/**
 * The same valid events ingested one by one (after `before`, also one by one), at the same instant:
 * their answers, records (without versions) and timers.
 */
async function oneByOne(items: readonly unknown[], options: { before?: readonly unknown[]; policies?: 'embedded' } = {}) {
  const deps = countingDeps(options.policies);
  await ingestEach(deps, options.before ?? []);
  const statuses = await ingestEach(deps, items);
  return { statuses, ...(await outcome(deps)) };
}

async function outcome(deps: TestDeps) {
  const records: Record<string, Omit<CustomerRecord, 'version'>> = {};
  for (const customerId of deps.store.customerIds().sort()) {
    const { version: _, ...record } = (await deps.store.get(customerId))!;
    records[customerId] = record;
  }
  return { records, timers: Object.fromEntries([...deps.scheduler.timers].sort()) };
}

const validStatuses = (results: BatchItemResult[]) => results.filter((r) => r.status !== 'rejected').map((r) => r.status);

const A = customerIdIn('treatment', undefined, 'batch-a');
const B = customerIdIn('control', undefined, 'batch-b');
const at = (days: number) => iso(T0 + days * 86_400_000).replace('Z', '+00:00');

describe('ingestBatch: one customer’s events a chunk at a time', () => {
  it('gives the answers, records and timers of ingesting them one by one, duplicates and ignored feedback included', async () => {
    // Prepare: A churns, opts out of SMS, clicks, is sent the churn again, returns; B's click comes
    // before B exists (ignored), then B churns and an invalid event follows.
    const items = [
      churnInput({ customerId: A, eventId: 'a-churn', occurredAt: at(-1) }),
      { ...eventFixture('message-engaged'), customerId: B, eventId: 'b-click-early' },
      { ...eventFixture('consent-revoked-sms'), customerId: A, eventId: 'a-no-sms', occurredAt: at(0) },
      churnInput({ customerId: B, eventId: 'b-churn', occurredAt: at(-2) }),
      { ...eventFixture('message-engaged'), customerId: A, eventId: 'a-click', occurredAt: at(0) },
      churnInput({ customerId: A, eventId: 'a-churn', occurredAt: at(-1) }),
      eventFixture('invalid-no-offset'),
      { ...eventFixture('customer-returned'), customerId: A, eventId: 'a-back', occurredAt: at(0) },
    ];
    const deps = countingDeps();

    // Act
    const results = await ingestBatch(deps, items);
    const calls = { ...deps.store.calls };

    // Assess
    const reference = await oneByOne(items);
    expect(validStatuses(results)).toEqual(reference.statuses);
    expect(validStatuses(results)).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted', 'duplicate', 'accepted']);
    expect(await outcome(deps)).toEqual({ records: reference.records, timers: reference.timers });
    // One read of the receipts, one of the record and one write per customer.
    expect(calls).toEqual({ get: 2, hasEvent: 0, hasEvents: 2, save: 2 });
  });

  it('saves a 500-event backfill in chunks a transaction holds: receipts and archived journeys at most 96 a save', async () => {
    // Prepare
    const items = oneCustomerBatch('backfilled', T0);
    const deps = countingDeps();

    // Act
    const results = await ingestBatch(deps, items);
    const calls = { ...deps.store.calls };

    // Assess
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    expect(calls).toMatchObject({ get: 1, hasEvents: 1, hasEvent: 0 });
    expect(deps.store.saves.length).toBeGreaterThan(5);
    for (const save of deps.store.saves) expect(save.receipts + save.archived).toBeLessThanOrEqual(MAX_RECEIPTS_AND_ARCHIVED_PER_SAVE);
    expect(deps.store.saves.reduce((sum, save) => sum + save.receipts, 0)).toBe(500);
    const reference = await oneByOne(items);
    expect(await outcome(deps)).toEqual({ records: reference.records, timers: reference.timers });
  });

  it('cancels the timers an earlier chunk made: 250 activity events, one lapse timer left, as one by one', async () => {
    // Prepare: every activity of a subscriber resets its lapse check (a new timer, the previous one cancelled).
    const customerId = customerIdIn('treatment', undefined, 'active');
    const items = Array.from({ length: 250 }, (_, i) => ({
      ...eventFixture('customer-active'),
      customerId,
      eventId: `active-${i}`,
      occurredAt: at(i - 250),
    }));
    const deps = countingDeps('embedded');

    // Act
    const results = await ingestBatch(deps, items);

    // Assess: three saves; the two timers the first chunks left are cancelled by the next.
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    expect(deps.store.saves.length).toBeGreaterThanOrEqual(3);
    const reference = await oneByOne(items, { policies: 'embedded' });
    expect(Object.keys(reference.timers)).toHaveLength(1);
    expect(await outcome(deps)).toEqual({ records: reference.records, timers: reference.timers });
  });

  it('reads again and applies the chunk on the new version when another request changed the customer meanwhile', async () => {
    // Prepare: while the batch is being applied, another request's consent change lands first.
    const deps = countingDeps();
    await ingestEvent(deps, parseEventOrThrow(churnInput({ customerId: A, eventId: 'a-churn', occurredAt: at(-1) })));
    deps.store.beforeSave = async () =>
      void (await ingestEvent(deps, parseEventOrThrow({ ...eventFixture('consent-revoked-sms'), customerId: A, eventId: 'a-meanwhile' })));
    const items = [
      { ...eventFixture('message-engaged'), customerId: A, eventId: 'a-click', occurredAt: at(0) },
      { ...eventFixture('customer-returned'), customerId: A, eventId: 'a-back', occurredAt: at(0) },
    ];

    // Act
    const results = await ingestBatch(deps, items);

    // Assess: both accepted, on top of the concurrent change, each once.
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    const received = (await deps.store.get(A))!.history.filter((h) => h.decision === 'received').map((h) => h.eventId);
    expect(received).toEqual(['a-churn', 'a-meanwhile', 'a-click', 'a-back']);
    expect(deps.store.calls.hasEvents).toBe(2);
  });

  it('answers duplicate for an event another delivery applied meanwhile, and applies it once', async () => {
    // Prepare: another delivery of the batch's second event lands just before the batch's save.
    const deps = countingDeps();
    const items = [
      churnInput({ customerId: A, eventId: 'a-churn', occurredAt: at(-1) }),
      { ...eventFixture('consent-revoked-sms'), customerId: A, eventId: 'a-no-sms', occurredAt: at(0) },
      { ...eventFixture('customer-returned'), customerId: A, eventId: 'a-back', occurredAt: at(0) },
    ];
    deps.store.beforeSave = async () => void (await ingestEvent(deps, parseEventOrThrow(items[1])));

    // Act
    const results = await ingestBatch(deps, items);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['accepted', 'duplicate', 'accepted']);
    const received = (await deps.store.get(A))!.history.filter((h) => h.decision === 'received').map((h) => h.eventId);
    expect(received.sort()).toEqual(['a-back', 'a-churn', 'a-no-sms']);
  });

  it('answers the first event of a failed save unavailable, the later ones not tried, and stores exactly the saved ones', async () => {
    // Prepare: the second save of a 500-event backfill fails, as after the store's retries.
    const deps = countingDeps();
    const items = oneCustomerBatch('failing', T0);
    let saves = 0;
    const save = deps.store.save.bind(deps.store);
    deps.store.save = async (...args: Parameters<typeof save>) => {
      if (++saves === 2) throw Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailable' });
      return save(...args);
    };

    // Act
    const results = await ingestBatch(deps, items);

    // Assess
    const accepted = results.filter((r) => r.status === 'accepted').length;
    expect(accepted).toBe(deps.store.saves[0]!.receipts);
    expect(results[accepted]).toMatchObject({ status: 'failed', reason: 'unavailable' });
    expect(results.slice(accepted + 1).every((r) => r.status === 'failed' && r.reason === 'earlier_event_failed')).toBe(true);
    const ids = items.map((item) => String(item.eventId));
    expect(await deps.store.hasEvents(ids)).toEqual(new Set(ids.slice(0, accepted)));
  });

  it('matches one-by-one ingestion on any small mix of events of a few customers (property)', async () => {
    const customers = [A, B, customerIdIn('treatment', undefined, 'batch-c')];
    const event = fc.record({
      customer: fc.constantFrom(...customers),
      id: fc.integer({ min: 0, max: 11 }),
      day: fc.integer({ min: -60, max: 0 }),
      kind: fc.constantFrom('churn', 'sms-off', 'sms-on', 'click', 'back', 'survey'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 25 }), fc.nat(), async (drawn, split) => {
        const all = drawn.map(({ customer, id, day, kind }) => {
          const base = { customerId: customer, eventId: `${customer}-${kind}-${id}`, occurredAt: at(day) };
          if (kind === 'churn') return churnInput(base);
          if (kind === 'click') return { ...eventFixture('message-engaged'), ...base };
          if (kind === 'back') return { ...eventFixture('customer-returned'), ...base };
          if (kind === 'survey') return { ...eventFixture('survey-answered'), ...base };
          return { ...eventFixture('consent-revoked-sms'), ...base, granted: kind === 'sms-on' };
        });
        // Some events ingested before the batch, one by one: the batch meets stored records and timers.
        const before = all.slice(0, split % (all.length + 1));
        const items = all.slice(before.length);
        const deps = countingDeps();
        await ingestEach(deps, before);
        const results = await ingestBatch(deps, items);
        const reference = await oneByOne(items, { before });
        expect(validStatuses(results)).toEqual(reference.statuses);
        expect(await outcome(deps)).toEqual({ records: reference.records, timers: reference.timers });
      }),
      { numRuns: 60, seed: 20261206 },
    );
  });
});

function parseEventOrThrow(item: unknown) {
  const parsed = parseEvent(item);
  if (!parsed.ok) throw new Error(`invalid fixture: ${JSON.stringify(parsed.issues)}`);
  return parsed.event;
}
