import { applyLapse } from '#shared/domain/journey/apply-event';
import { isLapseDue, isLeaseDue, lapseEventId, type LapseDue, type TimerPayload } from '#shared/domain/journey/timers';
import type { EngineDeps } from './deps.ts';
import { applyOnce } from './ingest-event.ts';
import { resolveLease, sendTouch, type SendTouchResult } from './send-touch.ts';

export type TimerResult = SendTouchResult | { outcome: 'lapsed' | 'ignored'; reason?: string };

/** A one-shot timer fired (EventBridge Scheduler in AWS, the local timers here): a touch is due, a lapse check, or a claim's lease. */
export async function fireTimer(deps: EngineDeps, payload: TimerPayload): Promise<TimerResult> {
  if (isLapseDue(payload)) return fireLapse(deps, payload);
  if (isLeaseDue(payload)) return resolveLease(deps, payload);
  return sendTouch(deps, payload);
}

/**
 * A customer's lapse timer fired: no activity for the policy's lapse period, so they churn with
 * kind `lapse`, exactly once (recorded under an event id derived from the timer's name, so a
 * second delivery is a replay). A stale timer (a newer activity replaced it) does nothing.
 */
export async function fireLapse(deps: EngineDeps, due: LapseDue): Promise<TimerResult> {
  const applied = await applyOnce(
    deps,
    { eventId: lapseEventId(due.timerName), type: 'customer.churned', customerId: due.customerId },
    (stored) => (stored ? applyLapse(stored, due, deps.clock.now(), deps.policies) : undefined),
  );
  if (applied === 'applied') return { outcome: 'lapsed' };
  deps.logger.info('lapse timer ignored', { timerName: due.timerName, reason: applied });
  return { outcome: 'ignored', reason: applied === 'duplicate' ? 'already_fired' : 'stale_timer' };
}
