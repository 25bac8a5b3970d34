import { beforeEach, describe, expect, it } from 'vitest';
import { InMemoryCustomerStore } from '#shared/adapters/local/memory-customer-store';
import type { CustomerRecord } from '#shared/domain/journey/record';
import type { EventReceipt } from '#shared/ports/customer-store';
import { parsePolicy } from '#shared/domain/policy';
import { PolicyRegistry } from '#shared/domain/policy-registry';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { isInsideSendWindow, pickSendInstant } from '#shared/domain/send-window';
import { DAY_MS } from '#shared/domain/vocabulary';
import { ingestEvent } from '#shared/engine/ingest-event';
import { sendTouch } from '#shared/engine/send-touch';
import { ChannelError } from '#shared/ports/message-channel';
import { churnEvent, returnedEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, runUntil, type TestDeps } from '../../support/fakes.ts';
import { day, dueOf, iso, recordOf, T0, touchesOf } from './helpers.ts';

const policy = parsePolicy(telecomPortOut);
const CUSTOMER = customerIdIn('treatment');
const LONDON = 'Europe/London';

let deps: TestDeps;

beforeEach(async () => {
  deps = makeDeps();
  deps.clock.set(T0);
});

/** Ingests the port-out fixture and moves the clock to touch 1's due time. */
async function touchOneDue(): Promise<void> {
  await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
  const first = (await touchesOf(deps, CUSTOMER))[0]!;
  deps.clock.set(first.dueAt);
}

async function firstTouch() {
  return (await touchesOf(deps, CUSTOMER))[0]!;
}

describe('sendTouch', () => {
  it('sends the touch its timer is for, and records it', async () => {
    // Prepare
    await touchOneDue();
    const touch = await firstTouch();

    // Act
    const result = await sendTouch(deps, dueOf(CUSTOMER, touch));

    // Assess
    expect(result).toEqual({ outcome: 'sent' });
    expect(deps.channels.sms.sent).toHaveLength(1);
    expect(await firstTouch()).toMatchObject({ status: 'sent', sentAt: touch.dueAt, messageId: 'sms-1', cost: 0.05, attempts: 1 });
  });

  it('sends one message when the same timer is delivered twice', async () => {
    // Prepare
    await touchOneDue();
    const due = dueOf(CUSTOMER, await firstTouch());

    // Act
    const first = await sendTouch(deps, due);
    const second = await sendTouch(deps, due);

    // Assess
    expect([first.outcome, second]).toEqual(['sent', { outcome: 'ignored', reason: 'already_sent' }]);
    expect(deps.channels.sms.sent).toHaveLength(1);
  });

  it('sends one message when the same timer is delivered twice at once', async () => {
    // Prepare
    await touchOneDue();
    const due = dueOf(CUSTOMER, await firstTouch());

    // Act
    const results = await Promise.all([sendTouch(deps, due), sendTouch(deps, due)]);

    // Assess
    expect(results.map((r) => r.outcome).sort()).toEqual(['ignored', 'sent']);
    expect(deps.channels.sms.sent).toHaveLength(1);
    expect((await firstTouch()).status).toBe('sent');
  });

  it('rethrows a retryable channel failure with the touch back to planned, and sends once on the retry', async () => {
    // Prepare
    await touchOneDue();
    const due = dueOf(CUSTOMER, await firstTouch());
    deps.channels.sms.failNext(1, true);

    // Act
    const failed = sendTouch(deps, due);

    // Assess
    await expect(failed).rejects.toBeInstanceOf(ChannelError);
    await expect(failed).rejects.toMatchObject({ retryable: true });
    expect(await firstTouch()).toMatchObject({ status: 'planned', attempts: 1 });
    expect((await recordOf(deps, CUSTOMER)).history.at(-1)).toMatchObject({ decision: 'failed', reason: 'will_retry:throttled' });

    // Act: the scheduler's retry
    const retried = await sendTouch(deps, due);

    // Assess
    expect(retried).toEqual({ outcome: 'sent' });
    expect(deps.channels.sms.sent).toHaveLength(1);
    expect(await firstTouch()).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('marks the touch failed on a non-retryable channel failure, and a redelivery sends nothing', async () => {
    // Prepare
    await touchOneDue();
    const due = dueOf(CUSTOMER, await firstTouch());
    deps.channels.sms.failNext(1, false);

    // Act
    const result = await sendTouch(deps, due);
    const again = await sendTouch(deps, due);

    // Assess
    expect(result).toEqual({ outcome: 'failed', reason: 'invalid_destination' });
    expect(again).toEqual({ outcome: 'ignored', reason: 'already_failed' });
    expect(await firstTouch()).toMatchObject({ status: 'failed', reason: 'invalid_destination' });
    expect(deps.channels.sms.sent).toHaveLength(0);
  });

  it('counts every failed attempt and every message sent, by channel, for the operations dashboard', async () => {
    // Prepare: a retryable failure, then the retry that sends.
    const counted: string[] = [];
    deps = makeDeps({ metrics: { countSend: (channel, outcome) => counted.push(`${channel}:${outcome}`) } });
    deps.clock.set(T0);
    await touchOneDue();
    const due = dueOf(CUSTOMER, await firstTouch());
    deps.channels.sms.failNext(1, true);

    // Act
    await expect(sendTouch(deps, due)).rejects.toBeInstanceOf(ChannelError);
    await sendTouch(deps, due);
    await sendTouch(deps, due);

    // Assess: the redelivery of a sent touch counts nothing.
    expect(counted).toEqual(['sms:failed', 'sms:sent']);
  });

  it('never sends twice when recording a sent message fails: the error propagates, the claim stays', async () => {
    // Prepare: the store fails once, transiently, on the save that records the sent message.
    class FlakyStore extends InMemoryCustomerStore {
      failures = 1;
      override async save(record: CustomerRecord, receipt?: EventReceipt): Promise<void> {
        const recordsASend = record.journeys.some((j) => j.touches.some((t) => t.status === 'sent'));
        if (recordsASend && this.failures > 0) {
          this.failures -= 1;
          throw new Error('ProvisionedThroughputExceededException');
        }
        return super.save(record, receipt);
      }
    }
    deps = makeDeps({ store: new FlakyStore() });
    deps.clock.set(T0);
    await touchOneDue();
    const due = dueOf(CUSTOMER, await firstTouch());

    // Act
    const first = sendTouch(deps, due);
    await expect(first).rejects.toThrow('ProvisionedThroughputExceededException');
    const redelivery = await sendTouch(deps, due);

    // Assess
    expect(redelivery).toEqual({ outcome: 'ignored', reason: 'already_sending' });
    expect(deps.channels.sms.sent).toHaveLength(1);
    expect((await firstTouch()).status).toBe('sending');
  });

  it('fails the touch when no adapter serves its channel', async () => {
    // Prepare
    deps = makeDeps({ channels: {} as TestDeps['channels'] });
    deps.clock.set(T0);
    await touchOneDue();

    // Act
    const result = await sendTouch(deps, dueOf(CUSTOMER, await firstTouch()));

    // Assess
    expect(result).toEqual({ outcome: 'failed', reason: 'no_adapter_for_sms' });
    expect((await firstTouch()).status).toBe('failed');
  });

  it('ignores a timer with a stale name and changes nothing', async () => {
    // Prepare
    await touchOneDue();
    const touch = await firstTouch();
    const before = await recordOf(deps, CUSTOMER);

    // Act
    const result = await sendTouch(deps, { ...dueOf(CUSTOMER, touch), timerName: `${touch.timerName}-d7` });

    // Assess
    expect(result).toEqual({ outcome: 'ignored', reason: 'stale_timer' });
    expect(await recordOf(deps, CUSTOMER)).toEqual(before);
    expect(deps.channels.sms.sent).toHaveLength(0);
  });

  it('ignores timers of unknown customers and unknown touches', async () => {
    // Prepare
    await touchOneDue();

    // Act
    const unknownCustomer = await sendTouch(deps, { customerId: 'nobody', touchId: 'x-1', timerName: 'wb-x' });
    const unknownTouch = await sendTouch(deps, { customerId: CUSTOMER, touchId: 'x-1', timerName: 'wb-x' });

    // Assess
    expect(unknownCustomer).toEqual({ outcome: 'ignored', reason: 'unknown_customer' });
    expect(unknownTouch).toEqual({ outcome: 'ignored', reason: 'unknown_touch' });
  });

  it('defers a send due at 22:00 local to the next morning’s window, under a new timer', async () => {
    // Prepare: Tuesday 10 February 2026, 22:00 in London (GMT), inside touch 1's days 30–45.
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
    const touch = await firstTouch();
    deps.clock.set('2026-02-10T22:00:00Z');

    // Act
    const result = await sendTouch(deps, dueOf(CUSTOMER, touch));

    // Assess
    expect(result).toEqual({ outcome: 'deferred', reason: 'outside_send_window' });
    const deferred = await firstTouch();
    const dueAt = Date.parse(deferred.dueAt);
    expect(dueAt).toBeGreaterThanOrEqual(Date.parse('2026-02-11T10:00:00Z'));
    expect(dueAt).toBeLessThan(Date.parse('2026-02-11T11:00:00Z'));
    expect(isInsideSendWindow(dueAt, LONDON, policy.sendWindow)).toBe(true);
    expect(deferred).toMatchObject({ status: 'planned', deferrals: 1, timerName: `${touch.timerName}-d1` });
    expect(deps.scheduler.timers.get(deferred.timerName)).toEqual({
      name: deferred.timerName,
      dueAt: deferred.dueAt,
      timezone: LONDON,
      payload: dueOf(CUSTOMER, deferred),
    });
    expect(deps.channels.sms.sent).toHaveLength(0);
  });

  it('sends a deferred touch when its new timer fires, and the old timer is then stale', async () => {
    // Prepare
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
    const original = await firstTouch();
    deps.clock.set('2026-02-10T22:00:00Z');
    await sendTouch(deps, dueOf(CUSTOMER, original));
    deps.scheduler.timers.delete(original.timerName);

    // Act
    await runUntil(deps, deps.scheduler, Date.parse('2026-02-12T00:00:00Z'));
    const late = await sendTouch(deps, dueOf(CUSTOMER, original));

    // Assess
    const touch = await firstTouch();
    expect(touch.status).toBe('sent');
    expect(touch.sentAt).toBe(touch.dueAt);
    expect(late).toEqual({ outcome: 'ignored', reason: 'stale_timer' });
    expect(deps.channels.sms.sent).toHaveLength(1);
  });

  it('defers a touch the frequency cap holds back until the earlier message leaves the cap window', async () => {
    // Prepare: two touches a couple of days apart; at most one message a week.
    const closeTouches = parsePolicy({
      ...telecomPortOut,
      version: 'close-touches',
      touches: [
        { dayFrom: 30, dayTo: 31, angle: 'fix' },
        { dayFrom: 32, dayTo: 45, angle: 'offer' },
      ],
    });
    deps = makeDeps({ policies: new PolicyRegistry([closeTouches]) });
    deps.clock.set(T0);
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
    await runUntil(deps, deps.scheduler, day(32));
    const [first, second] = await touchesOf(deps, CUSTOMER);
    const firstSentAt = Date.parse(first!.sentAt!);
    const capEnd = firstSentAt + 168 * 3_600_000;
    // A moment inside the send window, two days after the first message.
    deps.clock.set(pickSendInstant(Math.max(firstSentAt + 2 * DAY_MS, day(32)), day(46), LONDON, closeTouches.sendWindow, 0)!);

    // Act
    const result = await sendTouch(deps, dueOf(CUSTOMER, second!));

    // Assess
    expect(result).toEqual({ outcome: 'deferred', reason: 'frequency_cap' });
    const deferred = (await touchesOf(deps, CUSTOMER))[1]!;
    expect(Date.parse(deferred.dueAt)).toBeGreaterThanOrEqual(capEnd);
    expect(isInsideSendWindow(Date.parse(deferred.dueAt), LONDON, closeTouches.sendWindow)).toBe(true);
    await runUntil(deps, deps.scheduler, day(130));
    const sentAt = (await touchesOf(deps, CUSTOMER)).map((t) => Date.parse(t.sentAt!));
    expect(deps.channels.sms.sent).toHaveLength(2);
    expect(sentAt[1]! - sentAt[0]!).toBeGreaterThanOrEqual(168 * 3_600_000);
  });

  it('skips a touch whose timer fires after its window', async () => {
    // Prepare
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
    deps.clock.set(day(46));

    // Act
    const result = await sendTouch(deps, dueOf(CUSTOMER, await firstTouch()));

    // Assess
    expect(result).toEqual({ outcome: 'skipped', reason: 'touch_window_passed' });
    expect(await firstTouch()).toMatchObject({ status: 'skipped', reason: 'touch_window_passed' });
  });

  it('defers, never sends, a timer delivered during the quiet days', async () => {
    // Prepare: e.g. a schedule formatted a month early.
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
    deps.clock.set('2026-01-13T12:00:00Z');

    // Act
    const result = await sendTouch(deps, dueOf(CUSTOMER, await firstTouch()));

    // Assess
    expect(result).toEqual({ outcome: 'deferred', reason: 'before_touch_window' });
    expect(Date.parse((await firstTouch()).dueAt)).toBeGreaterThanOrEqual(day(30));
    expect(deps.channels.sms.sent).toHaveLength(0);
  });

  it('skips a touch when the customer returned since it was planned, even if the cancel was lost', async () => {
    // Prepare
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
    const touch = await firstTouch();
    deps.scheduler.failNextCancels(2);
    await ingestEvent(deps, returnedEvent({ customerId: CUSTOMER, occurredAt: iso(day(20)) }));
    deps.clock.set(touch.dueAt);

    // Act
    const result = await sendTouch(deps, dueOf(CUSTOMER, touch));

    // Assess
    expect(result).toEqual({ outcome: 'ignored', reason: 'already_cancelled' });
    expect(deps.channels.sms.sent).toHaveLength(0);
  });
});
