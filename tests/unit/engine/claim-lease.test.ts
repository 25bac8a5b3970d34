import { beforeEach, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { CLAIM_LEASE_MS, type LeaseDue } from '#shared/domain/journey/timers';
import { fireTimer } from '#shared/engine/fire-timer';
import { ingestEvent } from '#shared/engine/ingest-event';
import { sendTouch } from '#shared/engine/send-touch';
import type { MessageChannel, SendReceipt } from '#shared/ports/message-channel';
import { churnEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, type TestDeps } from '../../support/fakes.ts';
import { dueOf, recordOf, T0, touchesOf } from './helpers.ts';

const CUSTOMER = customerIdIn('treatment');

/**
 * A channel whose process dies in the middle of a send: `send` never settles (the message may or
 * may not have gone out; `delivered` says which), so nothing after the claim ever runs, as after a
 * kill between the claim and the outcome. `findSent` answers from what was delivered, as the local
 * outbox does; `canTell: false` stands for SMS and SES, which cannot be asked.
 */
class DyingChannel implements MessageChannel {
  readonly delivered: OutboundMessage[] = [];
  constructor(private readonly options: { deliverBeforeDying: boolean; canTell: boolean }) {
    if (!options.canTell) delete (this as Partial<MessageChannel>).findSent;
  }
  send(message: OutboundMessage): Promise<SendReceipt> {
    if (this.options.deliverBeforeDying) this.delivered.push(message);
    return new Promise(() => {});
  }
  async findSent(touchId: string): Promise<SendReceipt | undefined> {
    const index = this.delivered.findIndex((m) => m.touchId === touchId);
    return index < 0 ? undefined : { messageId: `outbox-${index + 1}` };
  }
}

let deps: TestDeps;

beforeEach(() => {
  deps = makeDeps();
  deps.clock.set(T0);
});

/** Churns the customer, moves to touch 1's due time and "kills" the sender after its claim. */
async function claimThenDie(channel: DyingChannel) {
  await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
  const touch = (await touchesOf(deps, CUSTOMER))[0]!;
  deps.clock.set(touch.dueAt);
  void sendTouch({ ...deps, channels: { ...deps.channels, sms: channel } }, dueOf(CUSTOMER, touch));
  await new Promise((resolve) => setTimeout(resolve, 10));
  const claimed = (await touchesOf(deps, CUSTOMER))[0]!;
  const lease = deps.scheduler.timers.get(claimed.lease!.timerName)!;
  return { touch: claimed, lease, leaseDue: lease.payload as LeaseDue };
}

describe('a touch claimed by a sender that died before recording the outcome', () => {
  it('holds the claim with a lease, whose timer exists before the claim is saved', async () => {
    // Act
    const { touch, lease } = await claimThenDie(new DyingChannel({ deliverBeforeDying: false, canTell: false }));

    // Assess
    expect(touch).toMatchObject({ status: 'sending', attempts: 1 });
    expect(Date.parse(touch.lease!.until)).toBe(Date.parse(touch.dueAt) + CLAIM_LEASE_MS);
    expect(lease).toMatchObject({ dueAt: touch.lease!.until, payload: { kind: 'lease', customerId: CUSTOMER, touchId: touch.touchId } });
    expect(deps.scheduler.scheduleCalls.findIndex((t) => t.name === lease.name)).toBeGreaterThanOrEqual(0);
  });

  it('is recorded failed with outcome_unknown when the lease timer fires and the channel cannot tell, in the decision log too', async () => {
    // Prepare
    const { touch, lease, leaseDue } = await claimThenDie(new DyingChannel({ deliverBeforeDying: true, canTell: false }));
    deps.clock.set(lease.dueAt);

    // Act
    const result = await fireTimer(deps, leaseDue);

    // Assess
    expect(result).toEqual({ outcome: 'failed', reason: 'outcome_unknown' });
    const record = await recordOf(deps, CUSTOMER);
    expect(record.journeys[0]!.touches[0]).toMatchObject({ status: 'failed', reason: 'outcome_unknown' });
    expect(record.journeys[0]!.touches[0]!.lease).toBeUndefined();
    expect(record.history.at(-1)).toMatchObject({ decision: 'failed', reason: 'outcome_unknown', touchId: touch.touchId });
    expect(deps.channels.sms.sent).toHaveLength(0);
  });

  it('is recorded sent, once, when the channel shows the message went out (the local outbox)', async () => {
    // Prepare
    const channel = new DyingChannel({ deliverBeforeDying: true, canTell: true });
    const { touch, lease, leaseDue } = await claimThenDie(channel);
    deps.clock.set(lease.dueAt);

    // Act
    const result = await fireTimer({ ...deps, channels: { ...deps.channels, sms: channel } }, leaseDue);
    const again = await fireTimer({ ...deps, channels: { ...deps.channels, sms: channel } }, leaseDue);

    // Assess
    expect(result).toEqual({ outcome: 'sent', reason: 'found_after_lease' });
    expect(again).toEqual({ outcome: 'ignored', reason: 'stale_lease' });
    const record = await recordOf(deps, CUSTOMER);
    expect(record.journeys[0]!.touches[0]).toMatchObject({ status: 'sent', messageId: 'outbox-1', sentAt: lease.dueAt });
    // The price the claim recorded, as a send that recorded its outcome would have.
    expect(touch.lease!.cost).toBeGreaterThan(0);
    expect(record.journeys[0]!.touches[0]!.cost).toBe(touch.lease!.cost);
    expect(record.history.filter((h) => h.touchId === touch.touchId).map((h) => [h.decision, h.reason])).toContainEqual([
      'recorded',
      'lease_expired:found_sent',
    ]);
    expect(channel.delivered).toHaveLength(1);
  });

  it('is resolved as well by a later delivery of the touch’s own timer, once the lease has passed, not before', async () => {
    // Prepare
    const { touch } = await claimThenDie(new DyingChannel({ deliverBeforeDying: false, canTell: false }));

    // Act
    const during = await sendTouch(deps, dueOf(CUSTOMER, touch));
    deps.clock.set(Date.parse(touch.lease!.until));
    const after = await sendTouch(deps, dueOf(CUSTOMER, touch));

    // Assess
    expect(during).toEqual({ outcome: 'ignored', reason: 'already_sending' });
    expect(after).toEqual({ outcome: 'failed', reason: 'outcome_unknown' });
    expect(deps.channels.sms.sent).toHaveLength(0);
  });
});

describe('the lease of a claim that got its outcome', () => {
  it('is cancelled with the outcome, so no lease timer is left to fire', async () => {
    // Prepare
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
    const touch = (await touchesOf(deps, CUSTOMER))[0]!;
    deps.clock.set(touch.dueAt);

    // Act
    const result = await sendTouch(deps, dueOf(CUSTOMER, touch));

    // Assess
    expect(result).toEqual({ outcome: 'sent' });
    const leaseTimers = deps.scheduler.scheduleCalls.filter((t) => 'kind' in t.payload && t.payload.kind === 'lease');
    expect(leaseTimers).toHaveLength(1);
    expect(deps.scheduler.cancelCalls).toEqual([leaseTimers[0]!.name]);
    expect([...deps.scheduler.timers.keys()]).not.toContain(leaseTimers[0]!.name);
    expect((await touchesOf(deps, CUSTOMER))[0]!.lease).toBeUndefined();
  });

  it('fires into a no-op when its cancel was lost, and never resolves a renewed claim', async () => {
    // Prepare: a retryable failure releases the first claim; its lease timer's cancel is lost.
    await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
    const touch = (await touchesOf(deps, CUSTOMER))[0]!;
    deps.clock.set(touch.dueAt);
    deps.channels.sms.failNext(1, true);
    deps.scheduler.failNextCancels(1);
    await expect(sendTouch(deps, dueOf(CUSTOMER, touch))).rejects.toThrow();
    const firstLease = deps.scheduler.scheduleCalls.find((t) => 'kind' in t.payload && t.payload.kind === 'lease')!;
    await sendTouch(deps, dueOf(CUSTOMER, touch));
    deps.clock.set(firstLease.dueAt);

    // Act
    const result = await fireTimer(deps, firstLease.payload);

    // Assess
    expect(result).toEqual({ outcome: 'ignored', reason: 'stale_lease' });
    expect((await touchesOf(deps, CUSTOMER))[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(deps.channels.sms.sent).toHaveLength(1);
  });
});
