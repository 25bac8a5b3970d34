import type { ConsentChanged } from '../events.ts';
import type { PolicyRegistry } from '../policy-registry.ts';
import { type ConsentClock, usableChannels } from '../targeting.ts';
import { CHANNELS, type Channel } from '../channels.ts';
import { activeJourney, type CustomerRecord, emptyProfile, isPending, log, ms, type Profile, policyOf } from './record.ts';
import { cancelPending, type Effects } from './timers.ts';

/** How consents are judged for this journey at `nowMs` (expiry counts from the churn or a later renewal). */
export function consentClock(record: CustomerRecord, churnedAt: string, nowMs: number): ConsentClock {
  return { nowMs, contractEndedAtMs: ms(churnedAt), consentSetAt: record.consentSetAt };
}

/** Consents an event carries, except where a later `consent.changed` already set the channel: the newer choice wins. */
export function takeConsents(
  record: CustomerRecord,
  profile: Profile,
  consents: Partial<Record<Channel, boolean>>,
  occurredAt: string,
): void {
  for (const channel of CHANNELS) {
    const granted = consents[channel];
    if (granted === undefined) continue;
    const setAt = record.consentSetAt[channel];
    if (setAt && ms(setAt) > ms(occurredAt)) continue;
    profile.consents[channel] = granted;
    record.consentSetAt[channel] = occurredAt;
  }
}

export function onConsentChanged(record: CustomerRecord, event: ConsentChanged, policies: PolicyRegistry, effects: Effects): void {
  const reason = event.granted ? 'consent_granted' : 'consent_revoked';
  setConsent(record, event.channel, event.granted, { at: event.occurredAt, eventId: event.eventId, reason }, policies, effects);
}

/** Where a consent change came from, for the decision log. */
export interface ConsentChange {
  at: string;
  eventId: string;
  reason: string;
  journeyId?: string;
  touchId?: string;
}

/**
 * The one way a consent changes (an event, an opt-out reply): an older change never overrides a
 * newer one, and a withdrawal moves or cancels the channel's pending touches.
 */
export function setConsent(
  record: CustomerRecord,
  channel: Channel,
  granted: boolean,
  change: ConsentChange,
  policies: PolicyRegistry,
  effects: Effects,
): void {
  const { at, eventId, reason } = change;
  const where = { ...(change.journeyId ? { journeyId: change.journeyId } : {}), ...(change.touchId ? { touchId: change.touchId } : {}) };
  const setAt = record.consentSetAt[channel];
  if (setAt && ms(setAt) > ms(at)) {
    log(record, { at, decision: 'recorded', reason: 'older_than_current_consent', eventId, channel, ...where });
    return;
  }
  record.consentSetAt[channel] = at;
  // Consent before any churn event: remember it for when the churn arrives.
  record.profile ??= emptyProfile();
  record.profile.consents[channel] = granted;
  log(record, { at, decision: 'recorded', reason, eventId, channel, ...where });
  if (!granted) channelLost(record, channel, 'consent_revoked', at, policies, effects);
}

/**
 * A channel can no longer be used (consent revoked, opt-out reply, bounce, complaint): the
 * pending touches on it move to the next usable channel, or are cancelled with their timers.
 */
export function channelLost(
  record: CustomerRecord,
  channel: Channel,
  reason: string,
  at: string,
  policies: PolicyRegistry,
  effects: Effects,
): void {
  const journey = activeJourney(record);
  if (!journey || !record.profile) return;
  const policy = policyOf(policies, journey);
  const fallback = usableChannels(record.profile, policy, consentClock(record, journey.churnedAt, ms(at)))[0];
  if (!fallback) {
    cancelPending(record, journey, reason, at, effects, channel);
    return;
  }
  for (const touch of journey.touches.filter((t) => isPending(t) && t.channel === channel)) {
    touch.channel = fallback;
    const entry = { at, journeyId: journey.journeyId, touchId: touch.touchId, channel: fallback };
    log(record, { ...entry, decision: 'switched', reason: `${reason}:${channel}->${fallback}` });
  }
}
