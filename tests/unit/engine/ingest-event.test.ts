import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { InMemoryCustomerStore } from '#shared/adapters/local/memory-customer-store';
import { ConcurrentUpdateError } from '#shared/domain/errors';
import { MessageEngaged } from '#shared/domain/events';
import type { CustomerRecord } from '#shared/domain/journey/record';
import type { EventReceipt } from '#shared/ports/customer-store';
import { parsePolicy } from '#shared/domain/policy';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { isInsideSendWindow } from '#shared/domain/send-window';
import { DAY_MS } from '#shared/domain/vocabulary';
import { ingestBatch, ingestEvent } from '#shared/engine/ingest-event';
import { churnEvent, churnInput, consentEvent, eventFixture, returnedEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, runUntil, type TestDeps } from '../../support/fakes.ts';
import { day, iso, journeyOf, recordOf, T0, touchesOf } from './helpers.ts';

const policy = parsePolicy(telecomPortOut);
const PHONE = '+447700900123';
const EMAIL = 'jane.doe@example.com';
/** A customer the deterministic holdout puts in the treatment group. */
const CUSTOMER = customerIdIn('treatment');

let deps: TestDeps;

beforeEach(() => {
  deps = makeDeps();
  deps.clock.set(T0);
});

const churn = (overrides: Parameters<typeof churnEvent>[0] = {}) => churnEvent({ customerId: CUSTOMER, ...overrides });

describe('ingestEvent: the win-back journey of a port-out', () => {
  it.each(['Europe/London', 'America/New_York', 'Australia/Sydney'])(
    'sends exactly two SMS over 130 days, in days 30–45 and 60–90, inside 10:00–19:00 in %s',
    async (timezone) => {
      // Prepare
      const event = churn({ timezone, consents: { sms: true, email: false, push: false } });

      // Act
      const ingested = await ingestEvent(deps, event);
      await runUntil(deps, deps.scheduler, day(130));

      // Assess
      expect(ingested).toEqual({ eventId: event.eventId, status: 'accepted' });
      const sms = deps.channels.sms.sent;
      expect(sms).toHaveLength(2);
      expect(deps.channels.email.sent).toHaveLength(0);
      const touches = await touchesOf(deps, CUSTOMER);
      expect(touches.map((t) => t.status)).toEqual(['sent', 'sent']);
      const [first, second] = touches.map((t) => Date.parse(t.sentAt!));
      expect((first! - T0) / DAY_MS).toBeGreaterThanOrEqual(30);
      expect((first! - T0) / DAY_MS).toBeLessThan(46);
      expect((second! - T0) / DAY_MS).toBeGreaterThanOrEqual(60);
      expect((second! - T0) / DAY_MS).toBeLessThan(91);
      for (const sentAt of [first!, second!]) {
        const local = DateTime.fromMillis(sentAt, { zone: timezone });
        expect(local.hour).toBeGreaterThanOrEqual(10);
        expect(local.hour).toBeLessThan(19);
        expect(local.weekday).not.toBe(7);
        expect(isInsideSendWindow(sentAt, timezone, policy.sendWindow)).toBe(true);
      }
      expect(sms.map((m) => m.to)).toEqual([PHONE, PHONE]);
      expect(sms[0]!.text).not.toBe(sms[1]!.text);
      expect(sms[0]!.text).toMatch(/your coverage is better now/);
      expect(sms[1]!.text).toMatch(/first month/);
      for (const message of sms) {
        expect(message.text).not.toMatch(/\d\s*%/);
        expect(message.text).toMatch(/^Winback Mobile: .*Reply STOP to opt out\.$/);
        expect(message).toMatchObject({ channel: 'sms', customerId: CUSTOMER, timezone });
      }
      expect(deps.scheduler.timers.size).toBe(0);
    },
  );

  it('stops when the customer returns at day 50: one SMS, the second touch cancelled, won back', async () => {
    // Prepare
    await ingestEvent(deps, churn());
    await runUntil(deps, deps.scheduler, day(50));
    const secondTimer = (await touchesOf(deps, CUSTOMER))[1]!.timerName;
    // The first touch's send cancelled its claim's lease timer; from here on, the return's cancels.
    const cancelsBefore = deps.scheduler.cancelCalls.length;

    // Act
    const result = await ingestEvent(deps, returnedEvent({ customerId: CUSTOMER, occurredAt: iso(day(50)) }));
    await runUntil(deps, deps.scheduler, day(130));

    // Assess
    expect(result.status).toBe('accepted');
    expect(deps.channels.sms.sent).toHaveLength(1);
    const journey = await journeyOf(deps, CUSTOMER);
    expect(journey).toMatchObject({ status: 'won_back', returnedAt: iso(day(50)), returnRevenue: 32.5 });
    expect(journey.touches.map((t) => [t.status, t.reason])).toEqual([
      ['sent', undefined],
      ['cancelled', 'customer_returned'],
    ]);
    expect(deps.scheduler.cancelCalls.slice(cancelsBefore)).toEqual([secondTimer]);
    expect(deps.scheduler.timers.size).toBe(0);
  });

  it('counts a return after the conversion window as returned, not won back', async () => {
    // Prepare
    await ingestEvent(deps, churn());
    await runUntil(deps, deps.scheduler, day(95));

    // Act
    await ingestEvent(deps, returnedEvent({ customerId: CUSTOMER, occurredAt: iso(day(95)) }));

    // Assess
    expect((await journeyOf(deps, CUSTOMER)).status).toBe('returned');
  });

  it('answers the same event five times once accepted, then duplicate, with the state of one', async () => {
    // Prepare
    const event = churn();
    const once = makeDeps();
    once.clock.set(T0);
    await ingestEvent(once, event);

    // Act
    const results = [];
    for (let i = 0; i < 5; i++) results.push((await ingestEvent(deps, event)).status);

    // Assess
    expect(results).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(await recordOf(deps, CUSTOMER)).toEqual(await recordOf(once, CUSTOMER));
    expect([...deps.scheduler.timers.values()]).toEqual([...once.scheduler.timers.values()]);
  });

  it('accepts one of five concurrent deliveries of the same event', async () => {
    // Prepare
    const event = churn();

    // Act
    const results = await Promise.all(Array.from({ length: 5 }, () => ingestEvent(deps, event)));

    // Assess
    expect(results.map((r) => r.status).sort()).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    const record = await recordOf(deps, CUSTOMER);
    expect(record.journeys).toHaveLength(1);
    expect(record.history.filter((entry) => entry.decision === 'received')).toHaveLength(1);
    expect(deps.scheduler.timers.size).toBe(2);
  });

  it('applies two concurrent events of one customer, the loser retrying on the new version', async () => {
    // Prepare
    class CountingStore extends InMemoryCustomerStore {
      conflicts = 0;
      override async save(record: CustomerRecord, receipt?: EventReceipt): Promise<void> {
        try {
          await super.save(record, receipt);
        } catch (error) {
          if (error instanceof ConcurrentUpdateError) this.conflicts += 1;
          throw error;
        }
      }
    }
    const store = new CountingStore();
    deps = makeDeps({ store });
    deps.clock.set(T0);
    const optIn = consentEvent({
      eventId: 'evt-push-optin',
      customerId: CUSTOMER,
      channel: 'push',
      granted: true,
      occurredAt: iso(T0 + 60_000),
    });

    // Act
    const results = await Promise.all([ingestEvent(deps, churn()), ingestEvent(deps, optIn)]);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(store.conflicts).toBeGreaterThanOrEqual(1);
    const record = await recordOf(deps, CUSTOMER);
    expect(
      record.history
        .filter((e) => e.decision === 'received')
        .map((e) => e.eventId)
        .sort(),
    ).toEqual(['evt-churn-0001', 'evt-push-optin']);
    expect(record.profile!.consents).toEqual({ sms: true, email: true, push: true, whatsapp: false });
    expect(record.journeys[0]!.touches.map((t) => t.status)).toEqual(['planned', 'planned']);
    expect(await deps.store.hasEvent('evt-push-optin')).toBe(true);
  });
});

describe('ingestBatch', () => {
  it('accepts the valid events of a batch and names the invalid fields of the other', async () => {
    // Prepare
    const items = [
      churnInput({ customerId: CUSTOMER }),
      eventFixture('invalid-churn-fields'),
      { ...eventFixture('message-engaged'), customerId: CUSTOMER },
      churnInput({ customerId: CUSTOMER }),
      'not an event',
    ];

    // Act
    const results = await ingestBatch(deps, items);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'accepted', 'duplicate', 'rejected']);
    const rejected = results[1]!;
    expect(rejected).toMatchObject({ index: 1, eventId: 'evt-bad-0001', status: 'rejected' });
    expect('errors' in rejected && rejected.errors.map((e) => e.path).sort()).toEqual([
      'consents.sms',
      'contacts.email',
      'contacts.phone',
      'monthlyRevenue',
      'occurredAt',
      'timezone',
    ]);
    expect(results[4]).toMatchObject({ index: 4, status: 'rejected', errors: [expect.objectContaining({ path: '(body)' })] });
    expect(results[4]).not.toHaveProperty('eventId');
    expect(await deps.store.get('cust-0002')).toBeUndefined();
    expect((await journeyOf(deps, CUSTOMER)).status).toBe('active');
  });

  it('applies the events of one customer in batch order', async () => {
    // Prepare: churn, then an SMS opt-out; out of order the opt-out would come first.
    const items = [
      churnInput({ customerId: CUSTOMER }),
      { ...eventFixture('consent-revoked-sms'), customerId: CUSTOMER, occurredAt: iso(T0 + 60_000) },
    ];

    // Act
    await ingestBatch(deps, items);

    // Assess
    expect((await touchesOf(deps, CUSTOMER)).map((t) => t.channel)).toEqual(['email', 'email']);
  });
});

describe('ingestEvent: consent', () => {
  it('switches the next touches to e-mail when SMS consent is revoked and e-mail is consented', async () => {
    // Prepare
    await ingestEvent(deps, churn());
    deps.clock.set(day(10));

    // Act
    await ingestEvent(deps, consentEvent({ customerId: CUSTOMER, occurredAt: iso(day(10)) }));
    await runUntil(deps, deps.scheduler, day(130));

    // Assess
    expect(deps.channels.sms.sent).toHaveLength(0);
    expect(deps.channels.email.sent.map((m) => [m.to, m.subject])).toEqual([
      [EMAIL, 'Coverage in your area has improved'],
      [EMAIL, expect.any(String)],
    ]);
    expect(deps.channels.email.sent[0]!.text).not.toMatch(/Reply STOP/);
    expect((await touchesOf(deps, CUSTOMER)).map((t) => [t.channel, t.status])).toEqual([
      ['email', 'sent'],
      ['email', 'sent'],
    ]);
  });

  it('switches only the touches still pending', async () => {
    // Prepare
    await ingestEvent(deps, churn());
    await runUntil(deps, deps.scheduler, day(50));

    // Act
    await ingestEvent(deps, consentEvent({ customerId: CUSTOMER, occurredAt: iso(day(50)) }));
    await runUntil(deps, deps.scheduler, day(130));

    // Assess
    expect(deps.channels.sms.sent).toHaveLength(1);
    expect(deps.channels.email.sent).toHaveLength(1);
    expect((await touchesOf(deps, CUSTOMER)).map((t) => t.channel)).toEqual(['sms', 'email']);
  });

  it('cancels the touches and their timers when SMS consent is revoked with no other channel', async () => {
    // Prepare
    await ingestEvent(deps, churn({ consents: { sms: true, email: false, push: false } }));
    const timers = [...deps.scheduler.timers.keys()];
    deps.clock.set(day(10));

    // Act
    await ingestEvent(deps, consentEvent({ customerId: CUSTOMER, occurredAt: iso(day(10)) }));
    await runUntil(deps, deps.scheduler, day(130));

    // Assess
    expect((await touchesOf(deps, CUSTOMER)).map((t) => [t.status, t.reason])).toEqual([
      ['cancelled', 'consent_revoked'],
      ['cancelled', 'consent_revoked'],
    ]);
    expect(deps.scheduler.cancelCalls.sort()).toEqual(timers.sort());
    expect(deps.scheduler.timers.size).toBe(0);
    expect(deps.channels.sms.sent.length + deps.channels.email.sent.length).toBe(0);
  });

  it('keeps an opt-out that arrives before its churn event but happened after the churn', async () => {
    // Prepare: events out of order, the opt-out (day 1) first.
    deps.clock.set(day(2));
    await ingestEvent(deps, consentEvent({ customerId: CUSTOMER, occurredAt: iso(day(1)) }));

    // Act
    await ingestEvent(deps, churn());

    // Assess
    expect((await recordOf(deps, CUSTOMER)).profile!.consents).toEqual({ sms: false, email: true, push: false, whatsapp: false });
    expect((await touchesOf(deps, CUSTOMER)).map((t) => t.channel)).toEqual(['email', 'email']);
  });

  it('ignores an opt-in older than the opt-out it would overwrite', async () => {
    // Prepare
    await ingestEvent(deps, churn());
    await ingestEvent(deps, consentEvent({ customerId: CUSTOMER, occurredAt: iso(day(10)) }));

    // Act
    await ingestEvent(deps, consentEvent({ eventId: 'evt-late-optin', customerId: CUSTOMER, granted: true, occurredAt: iso(day(5)) }));

    // Assess
    expect((await recordOf(deps, CUSTOMER)).profile!.consents.sms).toBe(false);
  });
});

describe('ingestEvent: holdout and eligibility', () => {
  it('withholds every touch of a control-group customer: recorded, never sent', async () => {
    // Prepare
    const control = customerIdIn('control');

    // Act
    await ingestEvent(deps, churnEvent({ customerId: control }));
    await runUntil(deps, deps.scheduler, day(130));

    // Assess
    const journey = await journeyOf(deps, control);
    expect(journey.arm).toBe('control');
    expect(journey.touches.map((t) => [t.status, t.reason])).toEqual([
      ['withheld', 'control_group'],
      ['withheld', 'control_group'],
    ]);
    expect(journey.touches.every((t) => isInsideSendWindow(Date.parse(t.sentAt!), 'Europe/London', policy.sendWindow))).toBe(true);
    expect(deps.channels.sms.sent.length + deps.channels.email.sent.length + deps.channels.push.sent.length).toBe(0);
  });

  it('plans nothing for a repeat churner and names the reason', async () => {
    // Act
    await ingestEvent(deps, churn({ priorChurns: 2 }));

    // Assess
    expect(await journeyOf(deps, CUSTOMER)).toMatchObject({ status: 'ineligible', ineligibleReasons: ['repeat_churner'], touches: [] });
    expect(deps.scheduler.timers.size).toBe(0);
  });

  it('does not target a customer won back before who churns again', async () => {
    // Prepare: the first message goes out (days 30–45), then the customer comes back.
    await ingestEvent(deps, churn());
    await runUntil(deps, deps.scheduler, day(46));
    await ingestEvent(deps, returnedEvent({ customerId: CUSTOMER, occurredAt: iso(day(46)) }));
    deps.clock.set(day(200));

    // Act
    await ingestEvent(deps, churn({ eventId: 'evt-churn-0002', occurredAt: iso(day(200)) }));

    // Assess
    const record = await recordOf(deps, CUSTOMER);
    expect(record.journeys.map((j) => j.status)).toEqual(['won_back', 'ineligible']);
    expect(record.journeys[1]!.ineligibleReasons).toEqual(['won_back_before']);
  });

  it('does not start a second journey while one is active', async () => {
    // Prepare
    await ingestEvent(deps, churn());

    // Act
    await ingestEvent(deps, churn({ eventId: 'evt-churn-again', occurredAt: iso(day(3)) }));

    // Assess
    const record = await recordOf(deps, CUSTOMER);
    expect(record.journeys).toHaveLength(1);
    expect(record.history.at(-1)).toMatchObject({ decision: 'recorded', reason: 'already_in_active_journey' });
  });
});

describe('ingestEvent: late ingest', () => {
  it('at day 40 still plans touch 1, later in its window', async () => {
    // Prepare
    deps.clock.set(day(40));

    // Act
    await ingestEvent(deps, churn());

    // Assess
    const touches = await touchesOf(deps, CUSTOMER);
    expect(touches.map((t) => t.status)).toEqual(['planned', 'planned']);
    const due = Date.parse(touches[0]!.dueAt);
    expect(due).toBeGreaterThan(day(40));
    expect(due).toBeLessThan(day(46));
    await runUntil(deps, deps.scheduler, day(130));
    expect(deps.channels.sms.sent).toHaveLength(2);
  });

  it('at day 50 skips touch 1 because its window passed, and keeps touch 2', async () => {
    // Prepare
    deps.clock.set(day(50));

    // Act
    await ingestEvent(deps, churn());
    await runUntil(deps, deps.scheduler, day(130));

    // Assess
    expect((await touchesOf(deps, CUSTOMER)).map((t) => [t.status, t.reason])).toEqual([
      ['skipped', 'window_passed'],
      ['sent', undefined],
    ]);
    expect(deps.channels.sms.sent).toHaveLength(1);
  });

  it('past the horizon plans nothing', async () => {
    // Prepare
    deps.clock.set(day(121));

    // Act
    await ingestEvent(deps, churn());

    // Assess
    expect(await journeyOf(deps, CUSTOMER)).toMatchObject({ status: 'ineligible', ineligibleReasons: ['past_horizon'] });
    expect(deps.scheduler.timers.size).toBe(0);
  });
});

describe('ingestEvent: other events', () => {
  it('records engagement on the touch it is about', async () => {
    // Prepare
    await ingestEvent(deps, churn());
    await runUntil(deps, deps.scheduler, day(46));
    const touch = (await touchesOf(deps, CUSTOMER))[0]!;

    // Act
    await ingestEvent(
      deps,
      MessageEngaged.parse({ ...eventFixture('message-engaged'), customerId: CUSTOMER, touchId: touch.touchId, occurredAt: iso(day(46)) }),
    );

    // Assess
    expect((await touchesOf(deps, CUSTOMER))[0]!.engagement).toEqual({ clicked: iso(day(46)) });
  });

  it('still accepts an event when a timer cancel fails; the stale timer then does nothing', async () => {
    // Prepare
    await ingestEvent(deps, churn());
    deps.scheduler.failNextCancels(2);
    deps.clock.set(day(20));

    // Act
    const result = await ingestEvent(deps, returnedEvent({ customerId: CUSTOMER, occurredAt: iso(day(20)) }));
    const fired = await runUntil(deps, deps.scheduler, day(130));

    // Assess
    expect(result.status).toBe('accepted');
    expect(fired.map((f) => f.result)).toEqual([
      { outcome: 'ignored', reason: 'already_cancelled' },
      { outcome: 'ignored', reason: 'already_cancelled' },
    ]);
    expect(deps.channels.sms.sent).toHaveLength(0);
  });
});
