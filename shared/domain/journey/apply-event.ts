import type { CustomerActive, CustomerChurned, SurveyAnswered, WinbackEvent } from '../events.ts';
import { assertUnreachable } from '../exhaustive.ts';
import type { PolicyRegistry } from '../policy-registry.ts';
import { DAY_MS } from '../vocabulary.ts';
import { onConsentChanged, takeConsents } from './consent.ts';
import { onEngaged } from './engagement.ts';
import { startJourney } from './planning.ts';
import { activeJourney, type CustomerRecord, emptyProfile, iso, log, ms, type Profile } from './record.ts';
import { copyRecord } from './record-copy.ts';
import { markReturned, onReturned } from './returns.ts';
import { onTaskOutcome } from './task-outcome.ts';
import { type Change, type Effects, type LapseDue, lapseEventId, MIN_LEAD_MS, noEffects } from './timers.ts';

/** Applies one validated event. Pure: returns the new record and the timers to create or cancel. */
export function applyEvent(current: CustomerRecord, event: WinbackEvent, nowMs: number, policies: PolicyRegistry): Change {
  const record = copyRecord(current);
  const effects = noEffects();
  log(record, { at: iso(nowMs), decision: 'received', reason: event.type, eventId: event.eventId });
  switch (event.type) {
    case 'customer.churned':
      // A churn states the whole profile: contacts it leaves out are no longer valid.
      updateProfile(record, event, true);
      startJourney(record, event, nowMs, policies, effects);
      break;
    case 'customer.returned':
      onReturned(record, event, policies, effects);
      break;
    case 'consent.changed':
      onConsentChanged(record, event, policies, effects);
      break;
    case 'message.engaged':
      onEngaged(record, event, policies, effects);
      break;
    case 'survey.answered':
      onSurvey(record, event);
      break;
    case 'customer.active':
      onActive(record, event, nowMs, policies, effects);
      break;
    case 'task.outcome':
      onTaskOutcome(record, event, nowMs, policies, effects);
      break;
    default:
      assertUnreachable(event, 'unknown event type');
  }
  return { record, effects };
}

/**
 * The lapse timer fired: the customer churns with kind `lapse`, as if upstream had posted it at
 * the timer's due time. Undefined when the timer is stale (a newer activity replaced it).
 */
export function applyLapse(current: CustomerRecord, due: LapseDue, nowMs: number, policies: PolicyRegistry): Change | undefined {
  if (!current.lapse || current.lapse.timerName !== due.timerName || !current.profile) return undefined;
  const record = copyRecord(current);
  const effects = noEffects();
  const eventId = lapseEventId(due.timerName);
  const occurredAt = record.lapse!.dueAt;
  delete record.lapse;
  log(record, { at: iso(nowMs), decision: 'received', reason: 'lapse', eventId });
  startJourney(record, { eventId, churnKind: 'lapse', exitReason: 'unknown', occurredAt }, nowMs, policies, effects);
  return { record, effects };
}

const PROFILE_FIELDS = [
  'timezone',
  'locale',
  'accountType',
  'monthlyRevenue',
  'tenureMonths',
  'priorChurns',
  'market',
  'brand',
  'accountNumber',
  'company',
  'attributes',
] as const;

/** What a churn or an activity says about the customer; fields it does not carry stay as they were. */
function updateProfile(record: CustomerRecord, event: CustomerChurned | CustomerActive, replaceContacts: boolean): Profile {
  const before = record.profile ?? emptyProfile();
  // Copies by Object.assign, not spreads: Node 20's V8 gives an object made by a spread a shape
  // that every property added later (the fields below) rebuilds, at about a microsecond each.
  const contacts = replaceContacts ? Object.assign({}, event.contacts) : Object.assign({}, before.contacts, event.contacts);
  const profile: Profile = Object.assign({}, before, { contacts, consents: Object.assign({}, before.consents) });
  takeConsents(record, profile, event.consents ?? {}, event.occurredAt);
  // Each field the event carries has the type the profile gives it (both come from the same schema).
  const fields = profile as Record<(typeof PROFILE_FIELDS)[number], unknown>;
  for (const field of PROFILE_FIELDS) if (event[field] !== undefined) fields[field] = event[field];
  // A suppression stays: it sticks to its contact (its hash says which), so a new address or number lifts it.
  record.profile = profile;
  return profile;
}

/**
 * Activity: the profile learns what the event carries; activity after a lapse churn is the
 * customer's return; and the lapse timer starts again from this activity, if a policy detects
 * lapses for this customer. Older activity than the last one seen moves nothing.
 */
function onActive(record: CustomerRecord, event: CustomerActive, nowMs: number, policies: PolicyRegistry, effects: Effects): void {
  const activeAtMs = ms(event.occurredAt);
  const at = event.occurredAt;
  const profile = updateProfile(record, event, false);
  const journey = activeJourney(record);
  if (journey?.churnKind === 'lapse' && activeAtMs > ms(journey.churnedAt)) {
    markReturned(record, journey, activeAtMs, event.eventId, policies, effects);
  }
  const policy = policies.forChurn({ churnKind: 'lapse', market: profile.market, brand: profile.brand });
  if (!policy?.lapse) {
    log(record, { at, decision: 'recorded', reason: 'activity', eventId: event.eventId });
    return;
  }
  if (record.lapse && ms(record.lapse.lastActiveAt) >= activeAtMs) {
    log(record, { at, decision: 'recorded', reason: 'older_than_last_activity', eventId: event.eventId });
    return;
  }
  if (record.lapse) effects.cancel.push(record.lapse.timerName);
  // A new name for every reset: a timer's name is its idempotency key, so reusing one would keep the old due time.
  const { pseudonyms } = policies;
  const timerName = `wb-${pseudonyms.customerTag(record.customerId)}-lapse-${pseudonyms.eventTag(event.eventId, 8)}`;
  const dueAt = iso(Math.max(activeAtMs + policy.lapse.afterDays * DAY_MS, nowMs + MIN_LEAD_MS));
  record.lapse = { lastActiveAt: at, dueAt, timerName };
  const payload = { kind: 'lapse' as const, customerId: record.customerId, timerName };
  effects.schedule.push({ name: timerName, dueAt, timezone: profile.timezone, payload });
  log(record, { at, decision: 'planned', reason: `lapse_check@${dueAt}`, eventId: event.eventId });
}

function onSurvey(record: CustomerRecord, event: SurveyAnswered): void {
  const journey = record.journeys.findLast((j) => j.returnedAt !== undefined) ?? record.journeys.at(-1);
  if (journey) journey.npsScore = event.score;
  const where = journey ? { journeyId: journey.journeyId } : {};
  log(record, { at: event.occurredAt, decision: 'recorded', reason: `nps:${event.score}`, eventId: event.eventId, ...where });
}
