import { type CustomerRecord, findTouch, policyOf } from '#shared/domain/journey/record';
import { decideSend, type OutboundMessage } from '#shared/domain/journey/send-decision';
import { applySendOutcome, type SendOutcome } from '#shared/domain/journey/send-outcome';
import type { TouchDue } from '#shared/domain/journey/timers';
import { ConcurrentUpdateError } from '#shared/domain/errors';
import { type MessagePrice, priceMessage } from '#shared/domain/pricing';
import { ChannelError, type SendReceipt } from '#shared/ports/message-channel';
import { MAX_CONCURRENT_RETRIES, type EngineDeps } from './deps.ts';

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
 *     the same timer finds it claimed and does nothing: one timer, at most one message.
 *  3. Price the message (the deployment's price table, in the policy's currency), send it through
 *     the channel, then record it as sent with its cost.
 * Alternatives: skip with a reason; defer to the next send window with a new timer; withhold
 * (control group: recorded as if sent, never sent). A retryable channel failure (nothing was
 * sent) releases the claim and rethrows, so that Lambda retries the invocation and, past its
 * retries, dead-letters it for a replay. A send whose outcome is unknown is not retryable: the
 * touch is recorded failed rather than risk a second message (at most one message per touch).
 */
export async function sendTouch(deps: EngineDeps, due: TouchDue): Promise<SendTouchResult> {
  for (let attempt = 1; ; attempt++) {
    const current = await deps.store.get(due.customerId);
    if (!current) return { outcome: 'ignored', reason: 'unknown_customer' };
    const decision = decideSend(current, due, deps.clock.now(), deps.policies);
    const log = { touchId: due.touchId, decision: decision.kind, ...('reason' in decision ? { reason: decision.reason } : {}) };
    try {
      switch (decision.kind) {
        case 'ignore':
          deps.logger.info('touch timer ignored', log);
          return { outcome: 'ignored', reason: decision.reason };
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
          await record(deps, due.customerId, due.touchId, { kind: 'withheld', channel: decision.channel }, current);
          deps.logger.info('touch withheld (control group)', log);
          return { outcome: 'withheld', reason: 'control_group' };
        case 'send': {
          // Priced before the claim: a message that cannot be priced is never claimed, so never stuck "sending".
          const price = priceOf(deps, current, decision.message);
          const claimed = applySendOutcome(
            current,
            due.touchId,
            { kind: 'claimed', channel: decision.message.channel },
            deps.clock.now(),
          ).record;
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
      retryable ? { kind: 'released', error: reason } : { kind: 'failed', error: reason },
      claimed,
    );
    deps.metrics?.countSend(message.channel, 'failed');
    deps.logger.warn('touch send failed', { ...log, retryable, error: reason });
    if (retryable) throw error;
    return { outcome: 'failed', reason };
  }
  // Outside the try above: the message is out, so failing to record it must not release the
  // claim (a retry would send it again). The error propagates with the touch left "sending".
  const sent = { kind: 'sent', channel: message.channel, messageId: receipt.messageId, cost: price.cost } as const;
  await record(deps, due.customerId, due.touchId, sent, claimed);
  deps.metrics?.countSend(message.channel, 'sent');
  deps.logger.info('touch sent', { ...log, messageId: receipt.messageId, cost: price.cost, parts: price.parts, currency: price.currency });
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
