import { assertUnreachable } from '../exhaustive.ts';
import type { Channel } from '../channels.ts';
import { type CustomerRecord, findTouch, iso, type Journey, log, type Touch, type TouchChannel, type TouchStatus } from './record.ts';
import { type Change, CLAIM_LEASE_MS, deferredTimerName, type Effects, leaseTimerFor, noEffects, timerFor } from './timers.ts';

/** The outcome of a send decision, or of the send itself. */
export type SendOutcome =
  | { kind: 'claimed'; channel: TouchChannel; leaseUntilMs: number; cost?: number }
  | { kind: 'sent'; channel: TouchChannel; messageId: string; cost?: number; language?: string }
  /**
   * The claim's lease expired with no outcome recorded: `found` when the channel shows the message
   * went out (the local outbox can tell), else the outcome is unknown.
   */
  | { kind: 'lease_expired'; found?: { messageId: string; cost?: number } }
  | { kind: 'withheld'; channel: TouchChannel; language?: string }
  | { kind: 'released'; error: string }
  /** `outcomeUnknown`: the message may have gone out (the channel's answer was lost). */
  | { kind: 'failed'; error: string; outcomeUnknown?: boolean }
  | { kind: 'deferred'; dueAtMs: number; reason: string }
  | { kind: 'skipped'; reason: string };

/** The touch status an outcome applies to: what happens after the claim needs the claim. */
const appliesFrom = (outcome: SendOutcome): TouchStatus =>
  outcome.kind === 'sent' || outcome.kind === 'released' || outcome.kind === 'failed' || outcome.kind === 'lease_expired'
    ? 'sending'
    : 'planned';

/** Whether the claim on a `sending` touch has lapsed: its lease passed, or it was claimed before claims had leases. */
export const leaseExpired = (touch: Touch, nowMs: number): boolean => !touch.lease || nowMs >= Date.parse(touch.lease.until);

/**
 * Whether a touch is a claim left behind, for a sweep that finds it with no timer to go by: `sending`
 * with its lease passed; or, claimed before claims had leases, due a lease ago at least (a claim
 * comes at or after the due time, so one due so recently may still be in a sender's hands).
 */
export const isStuckClaim = (touch: Touch, nowMs: number): boolean =>
  touch.status === 'sending' && (touch.lease ? leaseExpired(touch, nowMs) : nowMs >= Date.parse(touch.dueAt) + CLAIM_LEASE_MS);

/**
 * Whether a touch failed with its outcome unknown: the message may or may not have gone out (a
 * lapsed claim, a send whose answer was lost). Touches resolved before the flag was kept are known
 * by their reason, `outcome_unknown`.
 */
export const isOutcomeUnknown = (touch: Pick<Touch, 'status' | 'reason' | 'outcomeUnknown'>): boolean =>
  touch.status === 'failed' && (touch.outcomeUnknown === true || touch.reason === 'outcome_unknown');

/** Ends the claim: its lease goes, and its timer is cancelled (a success if it already fired). */
function endClaim(touch: Touch, effects: Effects): void {
  if (touch.lease) effects.cancel.push(touch.lease.timerName);
  delete touch.lease;
}

/** What the decision log says of a touch: its offer, or for a task notice its task. */
const subjectOf = (touch: Touch) => (touch.kind === 'task_notice' ? touch.taskId : touch.offerId);

/** A message touch may move to another channel at send time; a task notice stays on `task`. */
function moveTo(touch: Touch, channel: TouchChannel): void {
  if (touch.kind !== 'task_notice' && channel !== 'task') touch.channel = channel as Channel;
}

/** The language a message went (or would have gone) out in, for the decision log. */
const languageOf = (outcome: { language?: string | undefined }) => (outcome.language ? { language: outcome.language } : {});

/**
 * The record for an outcome to change: what an outcome changes is copied (the record's top level
 * and its decision log, and down to the touch: its journey, the journey's task, the touch); the
 * rest is shared with `current`, and changed by neither. Each send copies the record twice (the
 * claim, then the outcome), so copying all of it was much of a send's cost.
 */
function copyForOutcome(current: CustomerRecord, touchId: string): CustomerRecord {
  const record = Object.assign({}, current, { history: current.history.slice() });
  record.journeys = current.journeys.map((journey) => {
    const at = journey.touches.findIndex((touch) => touch.touchId === touchId);
    if (at < 0) return journey;
    const copy = Object.assign({}, journey, { touches: journey.touches.slice() });
    copy.touches[at] = Object.assign({}, journey.touches[at]);
    if (journey.task) copy.task = Object.assign({}, journey.task);
    return copy;
  });
  return record;
}

/** Applies the outcome of a send decision (or of the send itself) to a copy of the record ({@link copyForOutcome}). */
export function applySendOutcome(current: CustomerRecord, touchId: string, outcome: SendOutcome, nowMs: number): Change {
  const record = copyForOutcome(current, touchId);
  const effects = noEffects();
  const found = findTouch(record, touchId);
  // An outcome decided on an older read must not undo what happened since (a return cancelled
  // the touch meanwhile): it applies only to the touch in the state it was decided from.
  if (!found || found.touch.status !== appliesFrom(outcome)) return { record, effects };
  // Only a lapsed claim is resolved: a claim renewed meanwhile (released, claimed again) still holds.
  if (outcome.kind === 'lease_expired' && !leaseExpired(found.touch, nowMs)) return { record, effects };
  const { journey, touch } = found;
  const at = iso(nowMs);
  const entry = { at, journeyId: journey.journeyId, touchId };
  switch (outcome.kind) {
    case 'claimed': {
      // "sending" is the claim that makes a second delivery of the same timer do nothing; its
      // lease timer resolves it should no outcome ever be recorded.
      touch.status = 'sending';
      moveTo(touch, outcome.channel);
      touch.attempts += 1;
      const lease = leaseTimerFor(record, touch, outcome.leaseUntilMs);
      touch.lease = { until: lease.dueAt, timerName: lease.name, ...(outcome.cost !== undefined ? { cost: outcome.cost } : {}) };
      effects.schedule.push(lease);
      break;
    }
    case 'sent':
      endClaim(touch, effects);
      markSent(record, journey, touch, { at, ...outcome });
      break;
    case 'lease_expired':
      endClaim(touch, effects);
      if (outcome.found) {
        markSent(record, journey, touch, { at, channel: touch.channel, messageId: outcome.found.messageId, cost: outcome.found.cost });
        log(record, { ...entry, decision: 'recorded', reason: 'lease_expired:found_sent', channel: touch.channel });
      } else {
        Object.assign(touch, { status: 'failed', reason: 'outcome_unknown', outcomeUnknown: true });
        log(record, { ...entry, decision: 'failed', reason: 'outcome_unknown', channel: touch.channel });
      }
      break;
    case 'withheld':
      moveTo(touch, outcome.channel);
      Object.assign(touch, { status: 'withheld', sentAt: at, reason: 'control_group' });
      log(record, { ...entry, decision: 'withheld', reason: 'control_group', channel: outcome.channel, ...languageOf(outcome) });
      break;
    case 'released':
      endClaim(touch, effects);
      touch.status = 'planned';
      log(record, { ...entry, decision: 'failed', reason: `will_retry:${outcome.error}`, channel: touch.channel });
      break;
    case 'failed':
      endClaim(touch, effects);
      Object.assign(touch, { status: 'failed', reason: outcome.error });
      if (outcome.outcomeUnknown) touch.outcomeUnknown = true;
      log(record, { ...entry, decision: 'failed', reason: outcome.error, channel: touch.channel });
      break;
    case 'deferred':
      touch.deferrals += 1;
      touch.dueAt = iso(outcome.dueAtMs);
      touch.timerName = deferredTimerName(touch.timerName, touch.deferrals);
      effects.schedule.push(timerFor(record, touch));
      log(record, { ...entry, decision: 'deferred', reason: `${outcome.reason}->${touch.dueAt}`, channel: touch.channel });
      break;
    case 'skipped':
      Object.assign(touch, { status: 'skipped', reason: outcome.reason });
      log(record, { ...entry, decision: 'skipped', reason: outcome.reason, channel: touch.channel });
      break;
    default:
      assertUnreachable(outcome, 'unknown send outcome');
  }
  return { record, effects };
}

/** Records the touch as sent (at `at`, with its message id and cost) in the touch and the decision log (with its language). */
function markSent(
  record: CustomerRecord,
  journey: Journey,
  touch: Touch,
  sent: { at: string; channel: TouchChannel; messageId: string; cost?: number | undefined; language?: string | undefined },
): void {
  Object.assign(touch, { status: 'sent', sentAt: sent.at, messageId: sent.messageId });
  if (sent.cost !== undefined) touch.cost = sent.cost;
  // A follow-up notice delivered: the task is the team's to work again.
  if (touch.kind === 'task_notice' && journey.task?.status === 'follow_up') journey.task.status = 'open';
  log(record, {
    at: sent.at,
    journeyId: journey.journeyId,
    touchId: touch.touchId,
    decision: 'sent',
    reason: subjectOf(touch),
    channel: sent.channel,
    ...languageOf(sent),
  });
}
