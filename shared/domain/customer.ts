import { DateTime } from 'luxon';
import type { ConsentChanged, CustomerChurned, CustomerReturned, MessageEngaged, SurveyAnswered, WinbackEvent } from './events.ts';
import { findOffer, horizonEndMs, type Policy } from './policy.ts';
import type { PolicyRegistry } from './policy-registry.ts';
import { nextSendInstant, pickSendInstant, isInsideSendWindow } from './send-window.ts';
import { assign, channelBlock, contactFor, contactHash, ineligibilityReasons, segmentOf, sendWindowFor, usableChannels, type Arm, type ConsentClock, type Reachability, type Segment } from './targeting.ts';
import { isOptOut } from './opt-out.ts';
import { shortHash, unitHash } from './hash.ts';
import { CHANNELS, DAY_MS, type Channel, type ChurnKind, type EngagementKind, type ExitReason } from './vocabulary.ts';

/**
 * The customer aggregate: everything Winback knows about one customer, stored as one record
 * and changed only by the pure functions below. Use cases load it, apply a change, save it
 * with an optimistic version check, and carry out the returned effects (timers).
 */

export type TouchStatus = 'planned' | 'sending' | 'sent' | 'withheld' | 'skipped' | 'cancelled' | 'failed';

export interface Touch {
  touchId: string;
  index: number;
  angle: string;
  offerId: string;
  channel: Channel;
  /** When it is due (UTC ISO); moves when the touch is deferred. */
  dueAt: string;
  /** The one-shot timer that fires it; a timer with another name is stale and does nothing. */
  timerName: string;
  status: TouchStatus;
  reason?: string;
  deferrals: number;
  attempts: number;
  sentAt?: string;
  messageId?: string;
  cost?: number;
  engagement: Partial<Record<EngagementKind, string>>;
}

export type JourneyStatus = 'active' | 'won_back' | 'returned' | 'ineligible';

export interface Journey {
  journeyId: string;
  churnEventId: string;
  policyId: string;
  policyVersion: string;
  churnKind: ChurnKind;
  exitReason: ExitReason;
  churnedAt: string;
  plannedAt: string;
  status: JourneyStatus;
  ineligibleReasons: string[];
  segment: Segment;
  arm: Arm;
  variant: string;
  touches: Touch[];
  monthlyRevenue: number;
  returnedAt?: string;
  returnRevenue?: number;
  npsScore?: number;
}

export interface Profile extends Reachability {
  timezone: string;
  locale: string;
  accountType: string;
  monthlyRevenue: number;
  tenureMonths: number;
  priorChurns: number;
  /** ISO 3166 market whose legal send window applies (`US`, `US-FL`). */
  market?: string;
  attributes?: Record<string, string | number | boolean>;
}

export type Decision = 'received' | 'planned' | 'ineligible' | 'sent' | 'withheld' | 'skipped' | 'deferred' | 'cancelled' | 'switched' | 'suppressed' | 'failed' | 'recorded';

/** One line of the decision log: what was decided, when, and why. Never personal data. */
export interface DecisionEntry {
  at: string;
  decision: Decision;
  reason: string;
  eventId?: string;
  journeyId?: string;
  touchId?: string;
  channel?: Channel;
}

export interface CustomerRecord {
  customerId: string;
  /** Optimistic-concurrency version: the store refuses a save whose expected version is stale. */
  version: number;
  profile?: Profile;
  /** When each channel's consent was last set, so an older event cannot overwrite a newer choice. */
  consentSetAt: Partial<Record<Channel, string>>;
  lastReturnedAt?: string;
  journeys: Journey[];
  history: DecisionEntry[];
}

/** A one-shot timer the engine wants to exist: at `dueAt` it fires `send touch` with this payload. */
export interface TimerSpec {
  name: string;
  dueAt: string;
  timezone: string;
  payload: TouchDue;
}

/** What a touch timer carries: enough to find the touch, and its own name to detect stale timers. */
export interface TouchDue {
  customerId: string;
  touchId: string;
  timerName: string;
}

export interface Effects {
  schedule: TimerSpec[];
  cancel: string[];
}

export interface Change {
  record: CustomerRecord;
  effects: Effects;
}

/** Keeps the record well under DynamoDB's 400 KB item limit; the oldest entries go first. */
export const HISTORY_LIMIT = 200;
/** Schedules need to be a little in the future to be accepted and fire. */
export const MIN_LEAD_MS = 60_000;

const iso = (ms: number) => new Date(ms).toISOString();
const ms = (isoTime: string) => Date.parse(isoTime);

export function emptyRecord(customerId: string): CustomerRecord {
  return { customerId, version: 0, consentSetAt: {}, journeys: [], history: [] };
}

function log(record: CustomerRecord, entry: DecisionEntry): void {
  record.history.push(entry);
  if (record.history.length > HISTORY_LIMIT) record.history.splice(0, record.history.length - HISTORY_LIMIT);
}

export function timerNameFor(customerId: string, touchId: string, deferrals: number): string {
  const base = `wb-${shortHash(customerId)}-${touchId}`;
  return deferrals === 0 ? base : `${base}-d${deferrals}`;
}

function timerFor(record: CustomerRecord, touch: Touch): TimerSpec {
  return {
    name: touch.timerName,
    dueAt: touch.dueAt,
    timezone: record.profile?.timezone ?? 'UTC',
    payload: { customerId: record.customerId, touchId: touch.touchId, timerName: touch.timerName },
  };
}

export function activeJourney(record: CustomerRecord): Journey | undefined {
  return record.journeys.findLast((journey) => journey.status === 'active');
}

export function findTouch(record: CustomerRecord, touchId: string): { journey: Journey; touch: Touch } | undefined {
  for (const journey of record.journeys) {
    const touch = journey.touches.find((t) => t.touchId === touchId);
    if (touch) return { journey, touch };
  }
  return undefined;
}

const isPending = (touch: Touch) => touch.status === 'planned';

/** How consents are judged for this journey at `nowMs` (expiry counts from the churn or a later renewal). */
export function consentClock(record: CustomerRecord, churnedAt: string, nowMs: number): ConsentClock {
  return { nowMs, contractEndedAtMs: ms(churnedAt), consentSetAt: record.consentSetAt };
}

/** Applies one validated event. Pure: returns the new record and the timers to create or cancel. */
export function applyEvent(current: CustomerRecord, event: WinbackEvent, nowMs: number, policies: PolicyRegistry): Change {
  const record = structuredClone(current);
  const effects: Effects = { schedule: [], cancel: [] };
  log(record, { at: iso(nowMs), decision: 'received', reason: event.type, eventId: event.eventId });
  switch (event.type) {
    case 'customer.churned':
      onChurned(record, event, nowMs, policies, effects);
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
  }
  return { record, effects };
}

function onChurned(record: CustomerRecord, event: CustomerChurned, nowMs: number, policies: PolicyRegistry, effects: Effects): void {
  // Consents set later than this event (by consent.changed) win over the ones it carries.
  const consents = { ...event.consents };
  for (const channel of CHANNELS) {
    const setAt = record.consentSetAt[channel];
    if (setAt && ms(setAt) > ms(event.occurredAt)) consents[channel] = record.profile?.consents[channel] ?? consents[channel];
    else record.consentSetAt[channel] = event.occurredAt;
  }
  record.profile = {
    contacts: event.contacts,
    consents,
    timezone: event.timezone,
    locale: event.locale,
    accountType: event.accountType,
    monthlyRevenue: event.monthlyRevenue,
    tenureMonths: event.tenureMonths,
    priorChurns: event.priorChurns,
    // A suppression sticks to its contact (its hash says which): a new address or number lifts it.
    ...(record.profile?.suppressed ? { suppressed: record.profile.suppressed } : {}),
    ...(event.market ? { market: event.market } : {}),
    ...(event.attributes ? { attributes: event.attributes } : {}),
  };

  // A journey past its horizon has ended, even if nobody posted a return: a new churn starts anew.
  const running = activeJourney(record);
  const stillOpen = running && nowMs < horizonEndMs(policies.get(running.policyId, running.policyVersion), ms(running.churnedAt));
  if (running && stillOpen) {
    log(record, { at: iso(nowMs), decision: 'recorded', reason: 'already_in_active_journey', eventId: event.eventId, journeyId: running.journeyId });
    return;
  }
  const policy = policies.forChurn(event.churnKind);
  if (!policy) {
    log(record, { at: iso(nowMs), decision: 'ineligible', reason: 'no_policy_for_churn_kind', eventId: event.eventId });
    return;
  }

  const churnedAtMs = ms(event.occurredAt);
  const journeyId = shortHash(`journey:${event.eventId}`, 12);
  const segment = segmentOf(event, policy);
  const { arm, variant } = assign(record.customerId, policy);
  const clock = consentClock(record, event.occurredAt, nowMs);
  const reasons: string[] = ineligibilityReasons(
    {
      churnedAtMs,
      nowMs,
      monthlyRevenue: event.monthlyRevenue,
      priorChurns: event.priorChurns,
      earlierWinbacks: record.journeys.filter((j) => j.status === 'won_back').length,
      reach: record.profile,
      clock,
    },
    policy,
  );
  if (record.lastReturnedAt && ms(record.lastReturnedAt) >= churnedAtMs) reasons.push('returned_already');
  const sendWindow = sendWindowFor(policy, event.market);
  if (!sendWindow) reasons.push('no_send_window_in_market');

  const journey: Journey = {
    journeyId,
    churnEventId: event.eventId,
    policyId: policy.id,
    policyVersion: policy.version,
    churnKind: event.churnKind,
    exitReason: event.exitReason,
    churnedAt: iso(churnedAtMs),
    plannedAt: iso(nowMs),
    status: reasons.length > 0 ? 'ineligible' : 'active',
    ineligibleReasons: reasons,
    segment,
    arm,
    variant,
    touches: [],
    monthlyRevenue: event.monthlyRevenue,
  };
  record.journeys.push(journey);

  if (reasons.length > 0) {
    log(record, { at: iso(nowMs), decision: 'ineligible', reason: reasons.join(','), eventId: event.eventId, journeyId });
    return;
  }
  const channel = usableChannels(record.profile, policy, clock)[0]!;
  policy.touches.forEach((rule, index) => {
    const touchId = `${journeyId}-${index + 1}`;
    const offer = findOffer(policy, { angle: rule.angle, exitReason: event.exitReason, tier: segment.tier, variant })!;
    const windowStart = Math.max(churnedAtMs + rule.dayFrom * DAY_MS, nowMs + MIN_LEAD_MS);
    const windowEnd = churnedAtMs + (rule.dayTo + 1) * DAY_MS;
    const dueAtMs = pickSendInstant(windowStart, windowEnd, event.timezone, sendWindow!, unitHash('plan', record.customerId, String(index)));
    const touch: Touch = {
      touchId,
      index,
      angle: rule.angle,
      offerId: offer.id,
      channel,
      dueAt: iso(dueAtMs ?? windowEnd),
      timerName: timerNameFor(record.customerId, touchId, 0),
      status: dueAtMs === undefined ? 'skipped' : 'planned',
      deferrals: 0,
      attempts: 0,
      engagement: {},
      ...(dueAtMs === undefined ? { reason: 'window_passed' } : {}),
    };
    journey.touches.push(touch);
    if (touch.status === 'planned') {
      effects.schedule.push(timerFor(record, touch));
      log(record, { at: iso(nowMs), decision: 'planned', reason: `${rule.angle}:${offer.id}@${touch.dueAt}`, journeyId, touchId, channel });
    } else {
      log(record, { at: iso(nowMs), decision: 'skipped', reason: 'window_passed', journeyId, touchId });
    }
  });
}

function cancelPending(record: CustomerRecord, journey: Journey, reason: string, at: string, effects: Effects, channel?: Channel): void {
  for (const touch of journey.touches) {
    if (!isPending(touch) || (channel && touch.channel !== channel)) continue;
    touch.status = 'cancelled';
    touch.reason = reason;
    effects.cancel.push(touch.timerName);
    log(record, { at, decision: 'cancelled', reason, journeyId: journey.journeyId, touchId: touch.touchId, channel: touch.channel });
  }
}

function onReturned(record: CustomerRecord, event: CustomerReturned, policies: PolicyRegistry, effects: Effects): void {
  const returnedAtMs = ms(event.occurredAt);
  if (!record.lastReturnedAt || ms(record.lastReturnedAt) < returnedAtMs) record.lastReturnedAt = iso(returnedAtMs);
  const journey = activeJourney(record);
  if (!journey || ms(journey.churnedAt) > returnedAtMs) {
    log(record, { at: iso(returnedAtMs), decision: 'recorded', reason: 'return_without_active_journey', eventId: event.eventId });
    return;
  }
  const policy = policies.get(journey.policyId, journey.policyVersion);
  const withinWindow = returnedAtMs - ms(journey.churnedAt) <= policy.conversionWindowDays * DAY_MS;
  journey.status = withinWindow ? 'won_back' : 'returned';
  journey.returnedAt = iso(returnedAtMs);
  if (event.revenue !== undefined) journey.returnRevenue = event.revenue;
  log(record, { at: iso(returnedAtMs), decision: 'recorded', reason: journey.status, eventId: event.eventId, journeyId: journey.journeyId });
  cancelPending(record, journey, 'customer_returned', iso(returnedAtMs), effects);
}

function onConsentChanged(record: CustomerRecord, event: ConsentChanged, policies: PolicyRegistry, effects: Effects): void {
  setConsent(record, event.channel, event.granted, { at: event.occurredAt, eventId: event.eventId, reason: event.granted ? 'consent_granted' : 'consent_revoked' }, policies, effects);
}

/**
 * The one way a consent changes (an event, an opt-out reply): an older change never overrides a
 * newer one, and a withdrawal moves or cancels the channel's pending touches.
 */
function setConsent(record: CustomerRecord, channel: Channel, granted: boolean, change: { at: string; eventId: string; reason: string; journeyId?: string; touchId?: string }, policies: PolicyRegistry, effects: Effects): void {
  const { at, eventId, reason } = change;
  const where = { ...(change.journeyId ? { journeyId: change.journeyId } : {}), ...(change.touchId ? { touchId: change.touchId } : {}) };
  const setAt = record.consentSetAt[channel];
  if (setAt && ms(setAt) > ms(at)) {
    log(record, { at, decision: 'recorded', reason: 'older_than_current_consent', eventId, channel, ...where });
    return;
  }
  record.consentSetAt[channel] = at;
  if (!record.profile) {
    // Consent before any churn event: remember it for when the churn arrives.
    record.profile = { contacts: {}, consents: { sms: false, email: false, push: false }, timezone: 'UTC', locale: 'en', accountType: 'consumer', monthlyRevenue: 0, tenureMonths: 0, priorChurns: 0 };
  }
  record.profile.consents[channel] = granted;
  log(record, { at, decision: 'recorded', reason, eventId, channel, ...where });
  if (!granted) channelLost(record, channel, 'consent_revoked', at, policies, effects);
}

/**
 * A channel can no longer be used (consent revoked, opt-out reply, bounce, complaint): the
 * pending touches on it move to the next usable channel, or are cancelled with their timers.
 */
function channelLost(record: CustomerRecord, channel: Channel, reason: string, at: string, policies: PolicyRegistry, effects: Effects): void {
  const journey = activeJourney(record);
  if (!journey || !record.profile) return;
  const policy = policies.get(journey.policyId, journey.policyVersion);
  const fallback = usableChannels(record.profile, policy, consentClock(record, journey.churnedAt, ms(at)))[0];
  if (!fallback) {
    cancelPending(record, journey, reason, at, effects, channel);
    return;
  }
  for (const touch of journey.touches.filter((t) => isPending(t) && t.channel === channel)) {
    touch.channel = fallback;
    log(record, { at, decision: 'switched', reason: `${reason}:${channel}->${fallback}`, journeyId: journey.journeyId, touchId: touch.touchId, channel: fallback });
  }
}

function onEngaged(record: CustomerRecord, event: MessageEngaged, policies: PolicyRegistry, effects: Effects): void {
  const found = findTouch(record, event.touchId);
  if (!found) {
    log(record, { at: event.occurredAt, decision: 'recorded', reason: 'engagement_for_unknown_touch', eventId: event.eventId, touchId: event.touchId });
    return;
  }
  const { journey, touch } = found;
  const firstClick = event.kind === 'clicked' && touch.engagement.clicked === undefined;
  touch.engagement[event.kind] ??= event.occurredAt;
  if (firstClick) planClickFollowUp(record, journey, touch, ms(event.occurredAt), policies, effects);
  log(record, { at: event.occurredAt, decision: 'recorded', reason: `engagement:${event.kind}`, eventId: event.eventId, journeyId: journey.journeyId, touchId: event.touchId });
  const profile = record.profile;
  const contact = profile ? contactFor(profile, touch.channel) : undefined;
  if (!profile || contact === undefined) return;
  if (event.kind === 'bounced' || event.kind === 'complained') {
    // A hard bounce or a complaint ends this contact on this channel, whatever the consent says.
    profile.suppressed = { ...profile.suppressed, [touch.channel]: { reason: event.kind, at: event.occurredAt, contact: contactHash(contact) } };
    log(record, { at: event.occurredAt, decision: 'suppressed', reason: event.kind, eventId: event.eventId, journeyId: journey.journeyId, touchId: touch.touchId, channel: touch.channel });
    channelLost(record, touch.channel, `suppressed_${event.kind}`, event.occurredAt, policies, effects);
  } else if (event.kind === 'replied' && event.text !== undefined && isOptOut(event.text)) {
    // "STOP" is a withdrawal of consent: recorded as such (the text itself is never stored).
    setConsent(record, touch.channel, false, { at: event.occurredAt, eventId: event.eventId, reason: 'consent_revoked_by_reply', journeyId: journey.journeyId, touchId: touch.touchId }, policies, effects);
  }
}

/**
 * A click shows interest without a return yet: the policy may earn the journey one follow-up,
 * `afterDays` later, on the clicked channel if still usable, inside the send window and before
 * the horizon. At most one per journey; the frequency caps still decide at send time.
 */
function planClickFollowUp(record: CustomerRecord, journey: Journey, clicked: Touch, clickedAtMs: number, policies: PolicyRegistry, effects: Effects): void {
  const policy = policies.get(journey.policyId, journey.policyVersion);
  const rule = policy.clickFollowUp;
  const profile = record.profile;
  if (!rule || !profile || journey.status !== 'active' || journey.touches.some((t) => t.index >= policy.touches.length)) return;
  const clock = consentClock(record, journey.churnedAt, clickedAtMs);
  const channel = channelBlock(profile, clicked.channel, policy, clock) === undefined ? clicked.channel : usableChannels(profile, policy, clock)[0];
  const sendWindow = sendWindowFor(policy, profile.market);
  if (!channel || !sendWindow) return;
  const touchId = `${journey.journeyId}-f1`;
  const dueAtMs = nextSendInstant(clickedAtMs + rule.afterDays * DAY_MS, horizonEndMs(policy, ms(journey.churnedAt)), profile.timezone, sendWindow, unitHash('follow-up', record.customerId, touchId));
  const at = iso(clickedAtMs);
  if (dueAtMs === undefined) {
    log(record, { at, decision: 'skipped', reason: 'follow_up_after_horizon', journeyId: journey.journeyId, touchId });
    return;
  }
  const offer = findOffer(policy, { angle: rule.angle, exitReason: journey.exitReason, tier: journey.segment.tier, variant: journey.variant })!;
  const touch: Touch = {
    touchId,
    index: policy.touches.length,
    angle: rule.angle,
    offerId: offer.id,
    channel,
    dueAt: iso(dueAtMs),
    timerName: timerNameFor(record.customerId, touchId, 0),
    status: 'planned',
    deferrals: 0,
    attempts: 0,
    engagement: {},
  };
  journey.touches.push(touch);
  effects.schedule.push(timerFor(record, touch));
  log(record, { at, decision: 'planned', reason: `follow_up_after_click:${offer.id}@${touch.dueAt}`, journeyId: journey.journeyId, touchId, channel });
}

function onSurvey(record: CustomerRecord, event: SurveyAnswered): void {
  const journey = record.journeys.findLast((j) => j.returnedAt !== undefined) ?? record.journeys.at(-1);
  if (journey) journey.npsScore = event.score;
  log(record, { at: event.occurredAt, decision: 'recorded', reason: `nps:${event.score}`, eventId: event.eventId, ...(journey ? { journeyId: journey.journeyId } : {}) });
}

/** A message ready for a channel adapter. `to` is personal data: it goes to the channel, never to a log. */
export interface OutboundMessage {
  channel: Channel;
  to: string;
  customerId: string;
  touchId: string;
  text: string;
  subject?: string;
  variant: string;
  locale: string;
  timezone: string;
}

export type SendDecision =
  | { kind: 'send'; message: OutboundMessage }
  | { kind: 'withhold'; channel: Channel }
  | { kind: 'defer'; dueAtMs: number; reason: string }
  | { kind: 'skip'; reason: string }
  /** The timer is stale or the touch already handled: do nothing at all. */
  | { kind: 'ignore'; reason: string };

/**
 * Decides, at the moment a touch timer fires, whether the touch goes out. Everything is checked
 * again here, because the world may have changed since it was planned: a return, a withdrawn
 * consent, the send window, the frequency cap.
 */
export function decideSend(record: CustomerRecord, due: TouchDue, nowMs: number, policies: PolicyRegistry): SendDecision {
  const found = findTouch(record, due.touchId);
  if (!found) return { kind: 'ignore', reason: 'unknown_touch' };
  const { journey, touch } = found;
  if (touch.timerName !== due.timerName) return { kind: 'ignore', reason: 'stale_timer' };
  if (touch.status !== 'planned') return { kind: 'ignore', reason: `already_${touch.status}` };
  const profile = record.profile;
  if (!profile) return { kind: 'skip', reason: 'no_profile' };
  const policy = policies.get(journey.policyId, journey.policyVersion);
  // Touches past the policy's list are click follow-ups: open from the quiet days to the horizon.
  const rule = policy.touches[touch.index] ?? (policy.clickFollowUp ? { dayFrom: policy.quietDays, dayTo: policy.horizonDays, angle: policy.clickFollowUp.angle, onlyIfNotReturned: true } : undefined);
  if (!rule) return { kind: 'skip', reason: 'touch_not_in_policy' };

  if (journey.status !== 'active') return { kind: 'skip', reason: 'customer_returned' };
  if (rule.onlyIfNotReturned && record.lastReturnedAt && ms(record.lastReturnedAt) >= ms(journey.churnedAt)) return { kind: 'skip', reason: 'customer_returned' };
  const churnedAtMs = ms(journey.churnedAt);
  const touchWindowStart = churnedAtMs + rule.dayFrom * DAY_MS;
  const touchWindowEnd = Math.min(churnedAtMs + (rule.dayTo + 1) * DAY_MS, horizonEndMs(policy, churnedAtMs));
  if (nowMs >= touchWindowEnd) return { kind: 'skip', reason: 'touch_window_passed' };

  const clock = consentClock(record, journey.churnedAt, nowMs);
  const blocked = channelBlock(profile, touch.channel, policy, clock);
  const channel = blocked === undefined ? touch.channel : usableChannels(profile, policy, clock)[0];
  if (!channel) return { kind: 'skip', reason: blocked ?? 'no_consent' };
  const sendWindow = sendWindowFor(policy, profile.market);
  if (!sendWindow) return { kind: 'skip', reason: 'no_send_window_in_market' };

  const messagesInJourney = journey.touches.filter((t) => t.status === 'sent' || t.status === 'withheld').length;
  if (messagesInJourney >= policy.frequencyCap.maxPerJourney) return { kind: 'skip', reason: 'journey_cap_reached' };

  const seed = unitHash('defer', record.customerId, touch.touchId, String(touch.deferrals));
  const deferUntil = (fromMs: number, reason: string): SendDecision => {
    const dueAtMs = nextSendInstant(Math.max(fromMs, nowMs + MIN_LEAD_MS, touchWindowStart), touchWindowEnd, profile.timezone, sendWindow, seed);
    return dueAtMs === undefined ? { kind: 'skip', reason: `${reason}_until_window_end` } : { kind: 'defer', dueAtMs, reason };
  };
  // A timer fired early (a mis-formatted schedule, a clock skew) must not break the quiet days.
  if (nowMs < touchWindowStart) return deferUntil(touchWindowStart, 'before_touch_window');
  if (!isInsideSendWindow(nowMs, profile.timezone, sendWindow)) return deferUntil(nowMs, 'outside_send_window');

  const capWindowMs = policy.frequencyCap.perHours * 3_600_000;
  const recent = record.journeys
    .flatMap((j) => j.touches)
    .filter((t) => (t.status === 'sent' || t.status === 'withheld') && t.sentAt && ms(t.sentAt) > nowMs - capWindowMs)
    .map((t) => ms(t.sentAt!))
    .sort((a, b) => b - a);
  if (recent.length >= policy.frequencyCap.maxMessages) {
    // Free again once the oldest message that keeps the count at the cap leaves the window.
    return deferUntil(recent[policy.frequencyCap.maxMessages - 1]! + capWindowMs, 'frequency_cap');
  }

  if (journey.arm === 'control') return { kind: 'withhold', channel };
  const offer = policy.offers.find((o) => o.id === touch.offerId) ?? findOffer(policy, { angle: touch.angle, exitReason: journey.exitReason, tier: journey.segment.tier, variant: journey.variant })!;
  const body = offer.text.replaceAll('{brand}', policy.brand);
  return {
    kind: 'send',
    message: {
      channel,
      to: contactFor(profile, channel)!,
      customerId: record.customerId,
      touchId: touch.touchId,
      text: channel === 'sms' ? `${body} ${policy.smsFooter}`.trim() : body,
      ...(channel === 'email' ? { subject: offer.subject.replaceAll('{brand}', policy.brand) } : {}),
      variant: journey.variant,
      locale: profile.locale,
      timezone: profile.timezone,
    },
  };
}

/** Applies the outcome of a send decision (or of the send itself) to a copy of the record. */
export type SendOutcome =
  | { kind: 'claimed'; channel: Channel }
  | { kind: 'sent'; channel: Channel; messageId: string; cost?: number }
  | { kind: 'withheld'; channel: Channel }
  | { kind: 'released'; error: string }
  | { kind: 'failed'; error: string }
  | { kind: 'deferred'; dueAtMs: number; reason: string }
  | { kind: 'skipped'; reason: string };

export function applySendOutcome(current: CustomerRecord, touchId: string, outcome: SendOutcome, nowMs: number): Change {
  const record = structuredClone(current);
  const effects: Effects = { schedule: [], cancel: [] };
  const found = findTouch(record, touchId);
  if (!found) return { record, effects };
  const { journey, touch } = found;
  // An outcome decided on an older read must not undo what happened since (a return cancelled
  // the touch meanwhile): it applies only to the touch in the state it was decided from.
  const from: TouchStatus = outcome.kind === 'sent' || outcome.kind === 'released' || outcome.kind === 'failed' ? 'sending' : 'planned';
  if (touch.status !== from) return { record, effects };
  const at = iso(nowMs);
  const entry = { at, journeyId: journey.journeyId, touchId };
  switch (outcome.kind) {
    case 'claimed':
      // "sending" is the claim that makes a second delivery of the same timer do nothing.
      touch.status = 'sending';
      touch.channel = outcome.channel;
      touch.attempts += 1;
      break;
    case 'sent':
      touch.status = 'sent';
      touch.sentAt = at;
      touch.messageId = outcome.messageId;
      if (outcome.cost !== undefined) touch.cost = outcome.cost;
      log(record, { ...entry, decision: 'sent', reason: touch.offerId, channel: outcome.channel });
      break;
    case 'withheld':
      touch.status = 'withheld';
      touch.channel = outcome.channel;
      touch.sentAt = at;
      touch.reason = 'control_group';
      log(record, { ...entry, decision: 'withheld', reason: 'control_group', channel: outcome.channel });
      break;
    case 'released':
      touch.status = 'planned';
      log(record, { ...entry, decision: 'failed', reason: `will_retry:${outcome.error}`, channel: touch.channel });
      break;
    case 'failed':
      touch.status = 'failed';
      touch.reason = outcome.error;
      log(record, { ...entry, decision: 'failed', reason: outcome.error, channel: touch.channel });
      break;
    case 'deferred':
      touch.deferrals += 1;
      touch.dueAt = iso(outcome.dueAtMs);
      touch.timerName = timerNameFor(record.customerId, touch.touchId, touch.deferrals);
      effects.schedule.push(timerFor(record, touch));
      log(record, { ...entry, decision: 'deferred', reason: `${outcome.reason}->${touch.dueAt}`, channel: touch.channel });
      break;
    case 'skipped':
      touch.status = 'skipped';
      touch.reason = outcome.reason;
      log(record, { ...entry, decision: 'skipped', reason: outcome.reason, channel: touch.channel });
      break;
  }
  return { record, effects };
}

/** Every timer still pending for this customer (to cancel on erasure). */
export function pendingTimers(record: CustomerRecord): string[] {
  return record.journeys.flatMap((j) => j.touches.filter(isPending).map((t) => t.timerName));
}

/** Formats an instant as ISO 8601 with the customer's local offset, e.g. 2026-03-02T14:05:00.000+01:00. */
export function localIso(instantMs: number, zone: string): string {
  return DateTime.fromMillis(instantMs, { zone }).toISO()!;
}
