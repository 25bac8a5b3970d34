import { beforeEach, describe, expect, it } from 'vitest';
import { archiveFinished, FINISHED_JOURNEYS_KEPT, MAX_ARCHIVED_PER_SAVE } from '#shared/domain/journey/archive';
import type { CustomerRecord, Journey } from '#shared/domain/journey/record';
import { ChurnLinks } from '#shared/domain/kpi/churn-links';
import { customerFactRows } from '#shared/domain/kpi/facts';
import { DAY_MS } from '#shared/domain/vocabulary';
import { ingestBatch, ingestEvent } from '#shared/engine/ingest-event';
import { createRouter } from '#shared/http/router';
import { v1Routes } from '#shared/http/v1-routes';
import { churnEvent, churnInput, consentEvent, returnedEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, runUntil, TEST_HASH_KEY, type TestDeps } from '../../support/fakes.ts';
import { iso, recordOf, T0 } from './helpers.ts';

const CUSTOMER = customerIdIn('treatment');

let deps: TestDeps;

beforeEach(() => {
  deps = makeDeps();
  deps.clock.set(T0);
});

/**
 * `count` journeys of the customer, 200 days apart: each churn's first message goes out (by day
 * 45), and the customer returns on day 50, so the first is won back by Winback (the later ones
 * are ineligible: the policy plans no journey after a win-back).
 */
async function wonBackJourneys(count: number): Promise<CustomerRecord> {
  for (let i = 0; i < count; i++) {
    const churnedAt = T0 + i * 200 * DAY_MS;
    deps.clock.set(churnedAt);
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER, eventId: `churn-${i}`, occurredAt: iso(churnedAt).replace('Z', '+00:00') }));
    await runUntil(deps, deps.scheduler, churnedAt + 50 * DAY_MS);
    const returnedAt = iso(churnedAt + 50 * DAY_MS).replace('Z', '+00:00');
    await ingestEvent(deps, returnedEvent({ customerId: CUSTOMER, eventId: `return-${i}`, occurredAt: returnedAt }));
  }
  return recordOf(deps, CUSTOMER);
}

describe('bounded customer records', () => {
  it('keeps the latest finished journeys in the record and moves older ones out, counted, with their facts', async () => {
    // Act
    const record = await wonBackJourneys(FINISHED_JOURNEYS_KEPT + 3);

    // Assess
    expect(record.journeys).toHaveLength(FINISHED_JOURNEYS_KEPT);
    expect(record.journeys[0]!.churnEventId).toBe('churn-3');
    // The first journey was won back; the policy plans no journey after a win-back, so the others were not.
    expect(record.archived).toEqual({ journeys: 3, wonBack: 1 });
    const archived = [];
    for await (const item of deps.store.scan(0, 1)) if (item.kind === 'archived') archived.push(item.journey);
    expect(archived.map((journey) => journey.status)).toEqual(['won_back', 'ineligible', 'ineligible']);
    expect(JSON.stringify(archived)).not.toContain(CUSTOMER);
    // Linked to the customer's next churn after its return, as the nightly job does, for retention.
    const links = new ChurnLinks();
    for (const journey of archived) links.addErased(journey);
    links.addLive(customerFactRows(record, TEST_HASH_KEY, deps.clock.now(), deps.policies));
    const rows = links.erasedRows(deps.clock.now(), deps.policies);
    expect(rows.find((row) => row.status === 'won_back')!.churned_again_at).toBe(T0 + 200 * DAY_MS);
  });

  it('still counts a won-back journey moved out when the policy plans no journey after a win-back', async () => {
    // Prepare: the won-back journey is no longer in the record.
    const record = await wonBackJourneys(FINISHED_JOURNEYS_KEPT + 2);
    expect(record.journeys.some((journey) => journey.status === 'won_back')).toBe(false);
    const next = T0 + (FINISHED_JOURNEYS_KEPT + 2) * 200 * DAY_MS;
    deps.clock.set(next);

    // Act
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER, eventId: 'churn-next', occurredAt: iso(next).replace('Z', '+00:00') }));

    // Assess
    expect((await recordOf(deps, CUSTOMER)).journeys.at(-1)!.ineligibleReasons).toContain('won_back_before');
  });

  it('moves a long backlog out a few journeys per save, so each fits in one transaction', () => {
    // Prepare: a record stored before records were bounded, 60 journeys long.
    const base = churnEvent({ customerId: CUSTOMER });
    const journey = (i: number): Journey => ({
      journeyId: `old-${i}`,
      churnEventId: `old-${i}`,
      policyId: 'telecom-port-out',
      policyVersion: '2',
      churnKind: base.churnKind,
      exitReason: base.exitReason,
      churnedAt: iso(T0 - (400 - i) * DAY_MS),
      plannedAt: iso(T0 - (400 - i) * DAY_MS),
      status: 'ineligible',
      ineligibleReasons: ['churn_too_old'],
      segment: { key: 'x', tier: 'standard' } as Journey['segment'],
      arm: 'treatment',
      variant: 'a',
      touches: [],
      monthlyRevenue: 10,
    });
    const record: CustomerRecord = {
      customerId: CUSTOMER,
      version: 3,
      consentSetAt: {},
      journeys: Array.from({ length: 60 }, (_, i) => journey(i)),
      history: [],
    };

    // Act
    const first = archiveFinished(record, T0, deps.policies, TEST_HASH_KEY);
    const second = archiveFinished(record, T0, deps.policies, TEST_HASH_KEY);

    // Assess
    expect(first).toHaveLength(MAX_ARCHIVED_PER_SAVE);
    expect(second).toHaveLength(60 - FINISHED_JOURNEYS_KEPT - MAX_ARCHIVED_PER_SAVE);
    expect(record.journeys.map((j) => j.journeyId)).toEqual(Array.from({ length: FINISHED_JOURNEYS_KEPT }, (_, i) => `old-${50 + i}`));
    expect(record.archived).toEqual({ journeys: 50, wonBack: 0 });
  });
});

describe('a record that would pass the limit', () => {
  /** Stores the customer with 400 journeys still running: nothing finished to move out. */
  async function oversized(): Promise<CustomerRecord> {
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
    const record = await recordOf(deps, CUSTOMER);
    const running = record.journeys[0]!;
    record.journeys = Array.from({ length: 400 }, (_, i) => ({ ...structuredClone(running), journeyId: `running-${i}` }));
    const stored = { ...record, version: 0, customerId: CUSTOMER };
    const fresh = makeDeps({ clock: deps.clock, scheduler: deps.scheduler });
    await fresh.store.save(stored);
    deps = { ...deps, store: fresh.store };
    return recordOf(deps, CUSTOMER);
  }

  it('is refused with a 422 naming the cause, and nothing is stored or scheduled', async () => {
    // Prepare
    const before = await oversized();
    const timers = deps.scheduler.timers.size;
    const route = createRouter({ routes: v1Routes(deps), authorize: () => {}, logger: deps.logger });

    // Act
    const response = await route({
      method: 'POST',
      path: '/v1/events',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(consentEvent({ customerId: CUSTOMER, eventId: 'consent-too-late' })),
    });

    // Assess
    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body).error).toMatchObject({
      code: 'record_too_large',
      details: [{ path: 'customerId', code: 'record_too_large' }],
    });
    expect((await recordOf(deps, CUSTOMER)).version).toBe(before.version);
    expect(await deps.store.hasEvent('consent-too-late')).toBe(false);
    expect(deps.scheduler.timers.size).toBe(timers);
  });

  it('is a rejected event of a batch, naming the cause, while the other customers’ events are stored', async () => {
    // Prepare
    await oversized();

    // Act
    const results = await ingestBatch(deps, [
      churnInput({ customerId: CUSTOMER, eventId: 'churn-too-late' }),
      churnInput({ customerId: 'someone-else', eventId: 'churn-fine' }),
    ]);

    // Assess
    expect(results).toEqual([
      {
        index: 0,
        eventId: 'churn-too-late',
        status: 'rejected',
        errors: [expect.objectContaining({ path: 'customerId', code: 'record_too_large' })],
      },
      { index: 1, eventId: 'churn-fine', status: 'accepted' },
    ]);
  });
});
