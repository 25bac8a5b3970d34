import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '#shared/domain/errors';
import { pseudonymize } from '#shared/domain/hash';
import { eraseCustomer, viewCustomer } from '#shared/engine/customer-admin';
import { ingestEvent } from '#shared/engine/ingest-event';
import { churnEvent, consentEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, runUntil, type TestDeps } from '../../support/fakes.ts';
import { day, iso, T0, touchesOf } from './helpers.ts';

/** A customer id that is itself personal data, as it often is in telecom (an MSISDN). */
const CUSTOMER = customerIdIn('treatment', undefined, '+447700900999');
const PHONE = '+447700900123';
const EMAIL = 'jane.doe@example.com';

let deps: TestDeps;

beforeEach(() => {
  deps = makeDeps();
  deps.clock.set(T0);
});

describe('viewCustomer', () => {
  it('shows the journey, its touches and the decision log, without contact details', async () => {
    // Prepare
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
    await runUntil(deps, deps.scheduler, day(50));

    // Act
    const view = await viewCustomer(deps, CUSTOMER);

    // Assess
    expect(view).toMatchObject({
      customerId: CUSTOMER,
      status: 'active',
      channels: {
        sms: { reachable: true, consent: true },
        email: { reachable: true, consent: true },
        push: { reachable: false, consent: false },
      },
      journey: { policy: 'telecom-port-out@3', churnKind: 'port_out', exitReason: 'coverage', arm: 'treatment', churnedAt: iso(T0) },
      pastJourneys: [],
    });
    expect(view.journey!.touches.map((t) => [t.index, t.angle, t.channel, t.status])).toEqual([
      [0, 'fix', 'sms', 'sent'],
      [1, 'offer', 'sms', 'planned'],
    ]);
    expect(view.history.map((entry) => entry.decision)).toEqual(['received', 'planned', 'planned', 'sent']);
    const json = JSON.stringify(view);
    expect(json).not.toContain(PHONE);
    expect(json).not.toContain(EMAIL);
  });

  it('answers NotFoundError for an unknown customer', async () => {
    // Act
    const view = viewCustomer(deps, 'cust-unknown');

    // Assess
    await expect(view).rejects.toBeInstanceOf(NotFoundError);
    await expect(view).rejects.toMatchObject({ code: 'not_found' });
  });

  it('shows a customer known only from a consent change as having no journey', async () => {
    // Prepare
    await ingestEvent(deps, consentEvent({ customerId: CUSTOMER }));

    // Act
    const view = await viewCustomer(deps, CUSTOMER);

    // Assess
    expect(view).toMatchObject({ status: 'no_journey', pastJourneys: [] });
    expect(view.journey).toBeUndefined();
  });
});

describe('eraseCustomer', () => {
  it('removes the record, cancels pending timers and keeps only pseudonymous facts', async () => {
    // Prepare: an upstream system that builds event ids from the phone number.
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER, eventId: `churn-${PHONE}` }));
    await runUntil(deps, deps.scheduler, day(50));
    const [sent, pending] = await touchesOf(deps, CUSTOMER);
    deps.clock.set(day(51));
    // The first touch's send cancelled its claim's lease timer; from here on, the erasure's cancels.
    const cancelsBefore = deps.scheduler.cancelCalls.length;

    // Act
    const result = await eraseCustomer(deps, CUSTOMER);

    // Assess
    expect(result).toEqual({ erased: true });
    expect(await deps.store.get(CUSTOMER)).toBeUndefined();
    await expect(viewCustomer(deps, CUSTOMER)).rejects.toBeInstanceOf(NotFoundError);
    expect(deps.scheduler.cancelCalls.slice(cancelsBefore)).toEqual([pending!.timerName]);
    expect(deps.scheduler.timers.size).toBe(0);

    const facts = [...deps.store.erasedFacts.values()];
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({
      customerHash: pseudonymize(CUSTOMER, deps.idHashKey),
      churnEventHash: pseudonymize(`churn-${PHONE}`, deps.idHashKey),
      erasedAt: iso(day(51)),
      status: 'active',
      exitReason: 'coverage',
      arm: 'treatment',
      touches: [
        { touchId: sent!.touchId, status: 'sent', channel: 'sms', sentAt: sent!.sentAt, cost: 0.05 },
        { touchId: pending!.touchId, status: 'cancelled', channel: 'sms' },
      ],
    });
    const json = JSON.stringify(facts);
    for (const personal of [PHONE, EMAIL, CUSTOMER, 'jane', 'example.com', '7700900']) expect(json).not.toContain(personal);
    expect(json).not.toContain(sent!.timerName);
  });

  it('sends nothing after erasure, even from a timer whose cancel was lost', async () => {
    // Prepare
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
    deps.scheduler.failNextCancels(2);

    // Act
    await eraseCustomer(deps, CUSTOMER);
    const fired = await runUntil(deps, deps.scheduler, day(130));

    // Assess
    expect(fired.map((f) => f.result)).toEqual([
      { outcome: 'ignored', reason: 'unknown_customer' },
      { outcome: 'ignored', reason: 'unknown_customer' },
    ]);
    expect(deps.channels.sms.sent).toHaveLength(0);
  });

  it('is idempotent, and a replayed churn event cannot bring the customer back', async () => {
    // Prepare
    const event = churnEvent({ customerId: CUSTOMER });
    await ingestEvent(deps, event);
    await eraseCustomer(deps, CUSTOMER);

    // Act
    const again = await eraseCustomer(deps, CUSTOMER);
    const replay = await ingestEvent(deps, event);

    // Assess
    expect(again).toEqual({ erased: false });
    expect(replay.status).toBe('duplicate');
    expect(await deps.store.get(CUSTOMER)).toBeUndefined();
    expect(deps.store.erasedFacts.size).toBe(1);
  });

  it('answers erased: false for a customer never seen', async () => {
    // Act
    const result = await eraseCustomer(deps, 'cust-never-seen');

    // Assess
    expect(result).toEqual({ erased: false });
    expect(deps.store.erasedFacts.size).toBe(0);
  });
});
