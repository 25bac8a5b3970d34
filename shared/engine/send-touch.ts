import { type CustomerRecord, findTouch, policyOf } from '#shared/domain/journey/record';
import { decideSend, type OutboundMessage } from '#shared/domain/journey/send-decision';
import { applySendOutcome, type SendOutcome } from '#shared/domain/journey/send-outcome';
import { CLAIM_LEASE_MS, type LeaseDue, type TouchDue } from '#shared/domain/journey/timers';
import { ConcurrentUpdateError } from '#shared/domain/errors';
import { type MessagePrice, priceMessage } from '#shared/domain/pricing';
import { ChannelError, type SendReceipt } from '#shared/ports/message-channel';
import { MAX_CONCURRENT_RETRIES, type EngineDeps } from './deps.ts';
import { cancelTimers } from './timers.ts';

export interface SendTouchResult {
  outcome: 'sent' | 'withheld' | 'deferred' | 'skipped' | 'failed' | 'ignored';
  reason?: string;
}

/**
 * Re-reads the record and applies `outcome` to the touch until the save wins: the outcome is
 * a fact (a message went out) that must be recorded whatever else changed meanwhile.
 */
async function record(deps: EngineDeps, customerId: string, touchId: string, outcome: SendOutcome, from?: CustomerRecord): Promise<void> {
  let current = from;
  for (let attempt = 1; ; attempt++) {
    current ??= await deps.store.get(customerId);
    if (!current) return;
    const { record: next, effects } = applySendOutcome(current, touchId, outcome, deps.clock.now());
    await Promise.all(effects.schedule.map((timer) => deps.scheduler.schedule(timer)));
    try {
      await deps.store.save(next);
      // The claim's lease timer, once an outcome ended the claim; should the cancel fail, it fires into a no-op.
      await cancelTimers(deps, effects.cancel);
      return;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_CONCURRENT_RETRIES) throw error;
      current = undefined;
    }
  }
}

/**
 * Send a touch whose timer fired.
 *
 * Primary course:
 *  1. Re-check everything (returned? consent? send window? frequency cap? control group?).
 *  2. Claim the touch (planned → sending) with a conditional save, so a second delivery of
 *     the same timer finds it claimed and does nothing: one timer, at most one message. The
 *     claim carries a lease (`CLAIM_LEASE_MS`) whose timer is created before the claim is saved.
 *  3. Price the message (the deployment's price table, in the policy's currency), send it through
 *     the channel, then record it as sent with its cost (which cancels the lease timer).
 * Alternatives: skip with a reason; defer to the next send window with a new timer; withhold
 * (control group: recorded as if sent, never sent). A retryable channel failure (nothing was
 * sent) releases the claim and rethrows, so that Lambda retries the invocation and, past its
 * retries, dead-letters it for a replay. A send whose outcome is unknown is not retryable: the
 * touch is recorded failed rather than risk a second message (at most one message per touch).
 * A process that dies between claim and outcome leaves the touch `sending`: when its lease
 * expires, the lease timer (or a later delivery of the touch's timer) resolves it
 * ({@link resolveLease}).
 */
export async function sendTouch(deps: EngineDeps, due: TouchDue): Promise<SendTouchResult> {
  for (let attempt = 1; ; attempt++) {
    const current = await deps.store.get(due.customerId);
    if (!current) return { outcome: 'ignored', reason: 'unknown_customer' };
    const decision = decideSend(current, due, deps.clock.now(), deps.policies, deps.links);
    // Log fields built field by field: an object spread is slow on Node 20, and this runs for every timer.
    const log: { touchId: string; decision: string; reason?: string } = { touchId: due.touchId, decision: decision.kind };
    if ('reason' in decision) log.reason = decision.reason;
    try {
      switch (decision.kind) {
        case 'ignore':
          deps.logger.info('touch timer ignored', log);
          return { outcome: 'ignored', reason: decision.reason };
        case 'resolve_lease':
          return await resolveLease(deps, { customerId: due.customerId, touchId: due.touchId }, current);
        case 'skip':
          await record(deps, due.customerId, due.touchId, { kind: 'skipped', reason: decision.reason }, current);
          deps.logger.info('touch skipped', log);
          return { outcome: 'skipped', reason: decision.reason };
        case 'defer':
          await record(
            deps,
            due.customerId,
            due.touchId,
            { kind: 'deferred', dueAtMs: decision.dueAtMs, reason: decision.reason },
            current,
          );
          deps.logger.info('touch deferred', log);
          return { outcome: 'deferred', reason: decision.reason };
        case 'withhold':
          await record(
            deps,
            due.customerId,
            due.touchId,
            { kind: 'withheld', channel: decision.channel, ...(decision.language ? { language: decision.language } : {}) },
            current,
          );
          deps.logger.info('touch withheld (control group)', log);
          return { outcome: 'withheld', reason: 'control_group' };
        case 'send': {
          // Priced before the claim: a message that cannot be priced is never claimed, so never stuck "sending".
          const price = priceOf(deps, current, decision.message);
          const now = deps.clock.now();
          const claim = {
            kind: 'claimed' as const,
            channel: decision.message.channel,
            leaseUntilMs: now + CLAIM_LEASE_MS,
            cost: price.cost,
          };
          const { record: claimed, effects } = applySendOutcome(current, due.touchId, claim, now);
          // The lease timer first: idempotent by name, and if the claim then fails it fires into a no-op.
          await Promise.all(effects.schedule.map((timer) => deps.scheduler.schedule(timer)));
          await deps.store.save(claimed);
          claimed.version += 1;
          return await deliver(deps, due, { message: decision.message, price }, claimed);
        }
      }
    } catch (error) {
      // Lost a race for the record before the claim: decide again on fresh data.
      if (error instanceof ConcurrentUpdateError && attempt < MAX_CONCURRENT_RETRIES) continue;
      throw error;
    }
  }
}

async function deliver(
  deps: EngineDeps,
  due: TouchDue,
  { message, price }: { message: OutboundMessage; price: MessagePrice },
  claimed: CustomerRecord,
): Promise<SendTouchResult> {
  const channel = deps.channels[message.channel];
  const log = { touchId: due.touchId, channel: message.channel };
  if (!channel) {
    await record(deps, due.customerId, due.touchId, { kind: 'failed', error: `no_adapter_for_${message.channel}` }, claimed);
    deps.metrics?.countSend(message.channel, 'failed');
    deps.logger.error('no adapter for channel', log);
    return { outcome: 'failed', reason: `no_adapter_for_${message.channel}` };
  }
  let receipt: SendReceipt;
  try {
    receipt = await channel.send(message, price);
  } catch (error) {
    const retryable = !(error instanceof ChannelError) || error.retryable;
    const reason = error instanceof Error ? error.message : String(error);
    await record(
      deps,
      due.customerId,
      due.touchId,
      retryable
        ? { kind: 'released', error: reason }
        : { kind: 'failed', error: reason, ...(error instanceof ChannelError && error.outcomeUnknown ? { outcomeUnknown: true } : {}) },
      claimed,
    );
    deps.metrics?.countSend(message.channel, 'failed');
    deps.logger.warn('touch send failed', { ...log, retryable, error: reason });
    if (retryable) throw error;
    return { outcome: 'failed', reason };
  }
  // Outside the try above: the message is out, so failing to record it must not release the
  // claim (a retry would send it again). The error propagates with the touch left "sending".
  const language = message.language ? { language: message.language } : {};
  const sent = { kind: 'sent', channel: message.channel, messageId: receipt.messageId, cost: price.cost, ...language } as const;
  await record(deps, due.customerId, due.touchId, sent, claimed);
  deps.metrics?.countSend(message.channel, 'sent');
  // `log`'s fields and the send's, written out: an object spread is slow on Node 20, and this runs for every message.
  const { cost, parts, currency } = price;
  deps.logger.info('touch sent', { touchId: due.touchId, channel: message.channel, messageId: receipt.messageId, cost, parts, currency });
  return { outcome: 'sent' };
}

/**
 * The message's price by the deployment's price table, in the currency of the policy its journey
 * was planned with (so message cost, offer cost and cost per acquisition are in one currency).
 */
function priceOf(deps: EngineDeps, record: CustomerRecord, message: OutboundMessage): MessagePrice {
  const found = findTouch(record, message.touchId);
  const currency = found ? policyOf(deps.policies, found.journey).currency : deps.prices.currency;
  return priceMessage(deps.prices, message, currency);
}

/**
 * A claim whose lease expired with no outcome recorded (the sender died between claim and
 * outcome): the touch is recorded sent if its channel shows the message went out (the local
 * outbox), else `failed: outcome_unknown` — never sent again, since it may have gone out. Fired
 * by the claim's lease timer, or by a later delivery of the touch's own timer; a stale lease timer
 * (the claim ended, or was renewed) does nothing.
 */
export async function resolveLease(
  deps: EngineDeps,
  due: Pick<LeaseDue, 'customerId' | 'touchId'> & { timerName?: string },
  from?: CustomerRecord,
): Promise<SendTouchResult> {
  const current = from ?? (await deps.store.get(due.customerId));
  const touch = current && findTouch(current, due.touchId)?.touch;
  const log = { touchId: due.touchId };
  if (touch?.status !== 'sending' || (due.timerName !== undefined && touch.lease?.timerName !== due.timerName)) {
    deps.logger.info('lease timer ignored', { ...log, reason: 'stale_lease' });
    return { outcome: 'ignored', reason: 'stale_lease' };
  }
  if (touch.lease && deps.clock.now() < Date.parse(touch.lease.until)) return { outcome: 'ignored', reason: 'lease_held' };
  const receipt = await deps.channels[touch.channel]?.findSent?.(touch.touchId);
  const found = receipt && { messageId: receipt.messageId, ...(touch.lease?.cost !== undefined ? { cost: touch.lease.cost } : {}) };
  await record(deps, due.customerId, due.touchId, { kind: 'lease_expired', ...(found ? { found } : {}) }, current);
  if (found) {
    deps.logger.warn('claim lapsed; the message had gone out: recorded sent', { ...log, channel: touch.channel });
    return { outcome: 'sent', reason: 'found_after_lease' };
  }
  deps.logger.warn('claim lapsed with no outcome: recorded failed, outcome unknown', { ...log, channel: touch.channel });
  return { outcome: 'failed', reason: 'outcome_unknown' };
}
