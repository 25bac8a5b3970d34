import { DateTime } from 'luxon';
import type {
  ConsentChanged,
  CustomerActive,
  CustomerChurned,
  CustomerReturned,
  MessageEngaged,
  SurveyAnswered,
  TaskOutcome,
  WinbackEvent,
} from './events.ts';
import { accountValue, findOffer, horizonEndMs, teamFor, type Policy } from './policy.ts';
import type { PolicyRegistry } from './policy-registry.ts';
import { nextSendInstant, pickSendInstant, isInsideSendWindow } from './send-window.ts';
import {
  assign,
  channelBlock,
  contactFor,
  contactHash,
  ineligibilityReasons,
  segmentOf,
  usableChannels,
  type Arm,
  type ConsentClock,
  type Reachability,
  type Segment,
} from './targeting.ts';
import { isOptOut } from './opt-out.ts';
import { shortHash, unitHash } from './hash.ts';
import { taskNotice } from './retention-task.ts';
import {
  CHANNELS,
  DAY_MS,
  type Channel,
  type ChurnKind,
  type EngagementKind,
  type ExitReason,
  type TaskOutcomeKind,
} from './vocabulary.ts';

/**
 * The customer aggregate: everything Winback knows about one customer, stored as one record
 * and changed only by the pure functions below. Use cases load it, apply a change, save it
 * with an optimistic version check, and carry out the returned effects (timers).
 */

export type TouchStatus = 'planned' | 'sending' | 'sent' | 'withheld' | 'skipped' | 'cancelled' | 'failed';

/** A touch reaches the customer on a channel, or hands a retention task to a team (`task`). */
export type TouchChannel = Channel | 'task';

export interface Touch {
  touchId: string;
  /** Position in the policy's touches (past them: the click follow-up); for task notices, their number. */
  index: number;
  angle: string;
  /** The offer made; for a task notice, the task's id. */
  offerId: string;
  channel: TouchChannel;
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

/** `open` until the team reports; `customer_returned` when the customer came back on their own first. */
export type TaskStatus = 'open' | 'follow_up' | 'retained' | 'ported_away' | 'customer_returned';

/** A high-value account handed to people: one per journey, worked until the team reports an outcome. */
export interface RetentionTask {
  taskId: string;
  team: string;
  /** The account's value by the policy's escalation formula. */
  value: number;
  status: TaskStatus;
  /** When the team should act: the policy's due date, then each follow-up's time. */
  dueAt: string;
  openedAt: string;
  /** Every outcome reported, oldest first (their event ids are in the decision log, not here: erasure keeps tasks). */
  outcomes: Array<{ outcome: TaskOutcomeKind; at: string; followUpAt?: string; reason?: ExitReason }>;
  /** The reason for leaving the team heard, last reported. */
  reason?: ExitReason;
}

const TASK_CLOSED: readonly TaskStatus[] = ['retained', 'ported_away', 'customer_returned'];
export const isTaskOpen = (task: RetentionTask) => !TASK_CLOSED.includes(task.status);

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
  task?: RetentionTask;
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
  brand?: string;
  accountNumber?: string;
  company?: string;
  attributes?: Record<string, string | number | boolean>;
}

export type Decision =
  | 'received'
  | 'planned'
  | 'ineligible'
  | 'escalated'
  | 'sent'
  | 'withheld'
  | 'skipped'
  | 'deferred'
  | 'cancelled'
  | 'switched'
  | 'suppressed'
  | 'failed'
  | 'recorded';

/** One line of the decision log: what was decided, when, and why. Never personal data. */
export interface DecisionEntry {
  at: string;
  decision: Decision;
  reason: string;
  eventId?: string;
  journeyId?: string;
  touchId?: string;
  channel?: TouchChannel;
}

export interface CustomerRecord {
  customerId: string;
  /** Optimistic-concurrency version: the store refuses a save whose expected version is stale. */
  version: number;
  profile?: Profile;
  /** When each channel's consent was last set, so an older event cannot overwrite a newer choice. */
  consentSetAt: Partial<Record<Channel, string>>;
  lastReturnedAt?: string;
  /** The pending lapse check: reset by each `customer.active`, it churns the customer with kind `lapse` when it fires. */
  lapse?: { lastActiveAt: string; dueAt: string; timerName: string };
  journeys: Journey[];
  history: DecisionEntry[];
}

/** A one-shot timer the engine wants to exist: at `dueAt` it fires with this payload. */
export interface TimerSpec {
  name: string;
  dueAt: string;
  timezone: string;
  payload: TimerPayload;
}

/** What a touch timer carries: enough to find the touch, and its own name to detect stale timers. */
export interface TouchDue {
  customerId: string;
  touchId: string;
  timerName: string;
}

/** What a lapse timer carries. */
export interface LapseDue {
  kind: 'lapse';
  customerId: string;
  timerName: string;
}

/** A touch timer (no `kind`, as every timer before lapse detection) or a lapse timer. */
export type TimerPayload = TouchDue | LapseDue;

export const isLapseDue = (payload: TimerPayload): payload is LapseDue => 'kind' in payload && payload.kind === 'lapse';

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

/** The event id a lapse is recorded under: a second firing of the same timer is a replay. */
export const lapseEventId = (timerName: string) => `lapse:${timerName}`;

/** A touch as every plan makes it: planned, due at `dueAtMs`, with its first timer's name and nothing tried yet. */
function plannedTouch(
  record: CustomerRecord,
  fields: Pick<Touch, 'touchId' | 'index' | 'angle' | 'offerId' | 'channel'>,
  dueAtMs: number,
): Touch {
  return {
    ...fields,
    dueAt: iso(dueAtMs),
    timerName: timerNameFor(record.customerId, fields.touchId, 0),
    status: 'planned',
    deferrals: 0,
    attempts: 0,
    engagement: {},
  };
}

function timerFor(record: CustomerRecord, touch: Touch): TimerSpec {
  return {
    name: touch.timerName,
    dueAt: touch.dueAt,
    timezone: record.profile?.timezone ?? 'UTC',
    payload: { customerId: record.customerId, touchId: touch.touchId, timerName: touch.timerName },
  };
}

/** The customer's latest retention task, and its journey: what the task listing shows of them. */
export function latestTask(record: CustomerRecord): { journey: Journey; task: RetentionTask } | undefined {
  const journey = record.journeys.findLast((j) => j.task !== undefined);
  return journey ? { journey, task: journey.task! } : undefined;
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
    case 'customer.active':
      onActive(record, event, nowMs, policies, effects);
      break;
    case 'task.outcome':
      onTaskOutcome(record, event, nowMs, policies, effects);
      break;
  }
  return { record, effects };
}

/**
 * The lapse timer fired: the customer churns with kind `lapse`, as if upstream had posted it at
 * the timer's due time. Undefined when the timer is stale (a newer activity replaced it).
 */
export function applyLapse(current: CustomerRecord, due: LapseDue, nowMs: number, policies: PolicyRegistry): Change | undefined {
  if (!current.lapse || current.lapse.timerName !== due.timerName || !current.profile) return undefined;
  const record = structuredClone(current);
  const effects: Effects = { schedule: [], cancel: [] };
  const eventId = lapseEventId(due.timerName);
  const occurredAt = record.lapse!.dueAt;
  delete record.lapse;
  log(record, { at: iso(nowMs), decision: 'received', reason: 'lapse', eventId });
  startJourney(record, { eventId, churnKind: 'lapse', exitReason: 'unknown', occurredAt }, nowMs, policies, effects);
  return { record, effects };
}

const emptyProfile = (): Profile => ({
  contacts: {},
  consents: { sms: false, email: false, push: false },
  timezone: 'UTC',
  locale: 'en',
  accountType: 'consumer',
  monthlyRevenue: 0,
  tenureMonths: 0,
  priorChurns: 0,
});

/** Consents an event carries, except where a later `consent.changed` already set the channel: the newer choice wins. */
function takeConsents(record: CustomerRecord, profile: Profile, consents: Partial<Record<Channel, boolean>>, occurredAt: string): void {
  for (const channel of CHANNELS) {
    const granted = consents[channel];
    if (granted === undefined) continue;
    const setAt = record.consentSetAt[channel];
    if (setAt && ms(setAt) > ms(occurredAt)) continue;
    profile.consents[channel] = granted;
    record.consentSetAt[channel] = occurredAt;
  }
}

/** What a churn or an activity says about the customer; fields it does not carry stay as they were. */
function updateProfile(record: CustomerRecord, event: CustomerChurned | CustomerActive, replaceContacts: boolean): Profile {
  const before = record.profile ?? emptyProfile();
  const profile: Profile = {
    ...before,
    contacts: replaceContacts ? { ...event.contacts } : { ...before.contacts, ...event.contacts },
    consents: { ...before.consents },
  };
  takeConsents(record, profile, event.consents ?? {}, event.occurredAt);
  const fields = [
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
  for (const field of fields) if (event[field] !== undefined) Object.assign(profile, { [field]: event[field] });
  // A suppression stays: it sticks to its contact (its hash says which), so a new address or number lifts it.
  record.profile = profile;
  return profile;
}

function onChurned(record: CustomerRecord, event: CustomerChurned, nowMs: number, policies: PolicyRegistry, effects: Effects): void {
  // A churn states the whole profile: contacts it leaves out are no longer valid.
  updateProfile(record, event, true);
  startJourney(
    record,
    { eventId: event.eventId, churnKind: event.churnKind, exitReason: event.exitReason, occurredAt: event.occurredAt },
    nowMs,
    policies,
    effects,
  );
}

interface ChurnFacts {
  eventId: string;
  churnKind: ChurnKind;
  exitReason: ExitReason;
  occurredAt: string;
}

/** Plans a journey for a churn of the customer as their profile now stands: eligibility, escalation, touches. */
function startJourney(record: CustomerRecord, churn: ChurnFacts, nowMs: number, policies: PolicyRegistry, effects: Effects): void {
  const profile = record.profile!;
  // A journey past its horizon has ended, even if nobody posted a return: a new churn starts anew.
  const running = activeJourney(record);
  const stillOpen = running && nowMs < horizonEndMs(policies.get(running.policyId, running.policyVersion), ms(running.churnedAt));
  if (running && stillOpen) {
    log(record, {
      at: iso(nowMs),
      decision: 'recorded',
      reason: 'already_in_active_journey',
      eventId: churn.eventId,
      journeyId: running.journeyId,
    });
    return;
  }
  const policy = policies.forChurn({ churnKind: churn.churnKind, market: profile.market, brand: profile.brand });
  if (!policy) {
    log(record, { at: iso(nowMs), decision: 'ineligible', reason: 'no_policy_for_churn', eventId: churn.eventId });
    return;
  }

  const churnedAtMs = ms(churn.occurredAt);
  const journeyId = shortHash(`journey:${churn.eventId}`, 12);
  const segment = segmentOf({ ...profile, exitReason: churn.exitReason, churnKind: churn.churnKind }, policy);
  const clock = consentClock(record, churn.occurredAt, nowMs);
  const value = policy.escalation ? accountValue(policy.escalation, profile) : undefined;
  const escalated = policy.escalation !== undefined && value !== undefined && value >= policy.escalation.threshold;
  // Escalated accounts are never held out: every one of them gets a person. The control group
  // measures the automated programme.
  const assigned = assign(record.customerId, policy);
  const { arm, variant } = escalated ? { ...assigned, arm: 'treatment' as const } : assigned;
  const reasons: string[] = ineligibilityReasons(
    {
      churnedAtMs,
      nowMs,
      monthlyRevenue: profile.monthlyRevenue,
      priorChurns: profile.priorChurns,
      earlierWinbacks: record.journeys.filter((j) => j.status === 'won_back').length,
      reach: profile,
      clock,
    },
    policy,
    // A person can reach an account no automated channel may.
  ).filter((reason) => !(escalated && reason === 'no_usable_channel'));
  if (record.lastReturnedAt && ms(record.lastReturnedAt) >= churnedAtMs) reasons.push('returned_already');
  const sendWindow = policies.sendWindowFor(policy, profile.market);
  if (!sendWindow && !escalated) reasons.push('no_send_window_in_market');

  const journey: Journey = {
    journeyId,
    churnEventId: churn.eventId,
    policyId: policy.id,
    policyVersion: policy.version,
    churnKind: churn.churnKind,
    exitReason: churn.exitReason,
    churnedAt: iso(churnedAtMs),
    plannedAt: iso(nowMs),
    status: reasons.length > 0 ? 'ineligible' : 'active',
    ineligibleReasons: reasons,
    segment,
    arm,
    variant,
    touches: [],
    monthlyRevenue: profile.monthlyRevenue,
  };
  record.journeys.push(journey);

  if (reasons.length > 0) {
    log(record, { at: iso(nowMs), decision: 'ineligible', reason: reasons.join(','), eventId: churn.eventId, journeyId });
    return;
  }
  if (escalated) {
    const escalation = policy.escalation!;
    const team = teamFor(escalation, profile.accountType);
    journey.task = {
      taskId: `${journeyId}-task`,
      team,
      value: Math.round(value! * 100) / 100,
      status: 'open',
      dueAt: iso(Math.max(churnedAtMs + escalation.dueAfterDays * DAY_MS, nowMs)),
      openedAt: iso(nowMs),
      outcomes: [],
    };
    log(record, { at: iso(nowMs), decision: 'escalated', reason: `${team}:${escalation.mode}`, eventId: churn.eventId, journeyId });
    planTaskNotice(record, journey, nowMs + MIN_LEAD_MS, nowMs, effects);
    if (escalation.mode === 'instead') return;
  }
  const channel = usableChannels(profile, policy, clock)[0];
  if (!channel || !sendWindow) {
    log(record, { at: iso(nowMs), decision: 'skipped', reason: channel ? 'no_send_window_in_market' : 'no_usable_channel', journeyId });
    return;
  }
  policy.touches.forEach((rule, index) => {
    const touchId = `${journeyId}-${index + 1}`;
    const offer = findOffer(policy, {
      angle: rule.angle,
      exitReason: churn.exitReason,
      tier: segment.tier,
      variant,
      monthlyRevenue: profile.monthlyRevenue,
    })!;
    const windowStart = Math.max(churnedAtMs + rule.dayFrom * DAY_MS, nowMs + MIN_LEAD_MS);
    const windowEnd = churnedAtMs + (rule.dayTo + 1) * DAY_MS;
    const dueAtMs = pickSendInstant(
      windowStart,
      windowEnd,
      profile.timezone,
      sendWindow,
      unitHash('plan', record.customerId, String(index)),
    );
    const planned = plannedTouch(record, { touchId, index, angle: rule.angle, offerId: offer.id, channel }, dueAtMs ?? windowEnd);
    const touch: Touch = dueAtMs === undefined ? { ...planned, status: 'skipped', reason: 'window_passed' } : planned;
    journey.touches.push(touch);
    if (touch.status === 'planned') {
      effects.schedule.push(timerFor(record, touch));
      log(record, { at: iso(nowMs), decision: 'planned', reason: `${rule.angle}:${offer.id}@${touch.dueAt}`, journeyId, touchId, channel });
    } else {
      log(record, { at: iso(nowMs), decision: 'skipped', reason: 'window_passed', journeyId, touchId });
    }
  });
}

/** Plans one notice of the journey's task to its team, at `dueAtMs`: a touch on the `task` channel. */
function planTaskNotice(record: CustomerRecord, journey: Journey, dueAtMs: number, nowMs: number, effects: Effects): void {
  const task = journey.task!;
  const number = journey.touches.filter((t) => t.channel === 'task').length + 1;
  const touchId = `${journey.journeyId}-t${number}`;
  const touch = plannedTouch(
    record,
    { touchId, index: number - 1, angle: 'retention_task', offerId: task.taskId, channel: 'task' },
    dueAtMs,
  );
  journey.touches.push(touch);
  effects.schedule.push(timerFor(record, touch));
  log(record, {
    at: iso(nowMs),
    decision: 'planned',
    reason: `task:${task.team}@${touch.dueAt}`,
    journeyId: journey.journeyId,
    touchId,
    channel: 'task',
  });
}

function cancelPending(
  record: CustomerRecord,
  journey: Journey,
  reason: string,
  at: string,
  effects: Effects,
  channel?: TouchChannel,
): void {
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
  const journey = activeJourney(record);
  if (!journey || ms(journey.churnedAt) > returnedAtMs) {
    if (!record.lastReturnedAt || ms(record.lastReturnedAt) < returnedAtMs) record.lastReturnedAt = iso(returnedAtMs);
    log(record, { at: iso(returnedAtMs), decision: 'recorded', reason: 'return_without_active_journey', eventId: event.eventId });
    return;
  }
  markReturned(record, journey, returnedAtMs, event.eventId, policies, effects, event.revenue);
}

/** The customer is back (a return, activity after a lapse, a task retained): the journey ends and its pending touches are cancelled. */
function markReturned(
  record: CustomerRecord,
  journey: Journey,
  returnedAtMs: number,
  eventId: string,
  policies: PolicyRegistry,
  effects: Effects,
  revenue?: number,
): void {
  if (!record.lastReturnedAt || ms(record.lastReturnedAt) < returnedAtMs) record.lastReturnedAt = iso(returnedAtMs);
  const policy = policies.get(journey.policyId, journey.policyVersion);
  const withinWindow = returnedAtMs - ms(journey.churnedAt) <= policy.conversionWindowDays * DAY_MS;
  journey.status = withinWindow ? 'won_back' : 'returned';
  journey.returnedAt = iso(returnedAtMs);
  if (revenue !== undefined) journey.returnRevenue = revenue;
  if (journey.task && isTaskOpen(journey.task)) journey.task.status = 'customer_returned';
  log(record, { at: iso(returnedAtMs), decision: 'recorded', reason: journey.status, eventId, journeyId: journey.journeyId });
  cancelPending(record, journey, 'customer_returned', iso(returnedAtMs), effects);
}

/**
 * Activity: the profile learns what the event carries; activity after a lapse churn is the
 * customer's return; and the lapse timer starts again from this activity, if a policy detects
 * lapses for this customer. Older activity than the last one seen moves nothing.
 */
function onActive(record: CustomerRecord, event: CustomerActive, nowMs: number, policies: PolicyRegistry, effects: Effects): void {
  const activeAtMs = ms(event.occurredAt);
  const profile = updateProfile(record, event, false);
  const journey = activeJourney(record);
  if (journey?.churnKind === 'lapse' && activeAtMs > ms(journey.churnedAt))
    markReturned(record, journey, activeAtMs, event.eventId, policies, effects);

  const policy = policies.forChurn({ churnKind: 'lapse', market: profile.market, brand: profile.brand });
  if (!policy?.lapse) {
    log(record, { at: event.occurredAt, decision: 'recorded', reason: 'activity', eventId: event.eventId });
    return;
  }
  if (record.lapse && ms(record.lapse.lastActiveAt) >= activeAtMs) {
    log(record, { at: event.occurredAt, decision: 'recorded', reason: 'older_than_last_activity', eventId: event.eventId });
    return;
  }
  if (record.lapse) effects.cancel.push(record.lapse.timerName);
  // A new name for every reset: a timer's name is its idempotency key, so reusing one would keep the old due time.
  const timerName = `wb-${shortHash(record.customerId)}-lapse-${shortHash(event.eventId, 8)}`;
  const dueAt = iso(Math.max(activeAtMs + policy.lapse.afterDays * DAY_MS, nowMs + MIN_LEAD_MS));
  record.lapse = { lastActiveAt: event.occurredAt, dueAt, timerName };
  effects.schedule.push({
    name: timerName,
    dueAt,
    timezone: profile.timezone,
    payload: { kind: 'lapse', customerId: record.customerId, timerName },
  });
  log(record, { at: event.occurredAt, decision: 'planned', reason: `lapse_check@${dueAt}`, eventId: event.eventId });
}

/**
 * A retention team reports on a task: `retained` ends the journey as a return, `ported_away`
 * closes the task (automated touches planned `before` it still go), `follow_up` plans the task's
 * next notice at the time agreed with the customer. A closed task takes no further outcome.
 */
function onTaskOutcome(record: CustomerRecord, event: TaskOutcome, nowMs: number, policies: PolicyRegistry, effects: Effects): void {
  const journey = record.journeys.find((j) => j.task?.taskId === event.taskId);
  const task = journey?.task;
  if (!journey || !task) {
    log(record, { at: event.occurredAt, decision: 'recorded', reason: 'outcome_for_unknown_task', eventId: event.eventId });
    return;
  }
  if (!isTaskOpen(task)) {
    log(record, {
      at: event.occurredAt,
      decision: 'recorded',
      reason: `task_already_${task.status}`,
      eventId: event.eventId,
      journeyId: journey.journeyId,
    });
    return;
  }
  task.outcomes.push({
    outcome: event.outcome,
    at: event.occurredAt,
    ...(event.followUpAt ? { followUpAt: event.followUpAt } : {}),
    ...(event.reason ? { reason: event.reason } : {}),
  });
  if (event.reason) task.reason = event.reason;
  log(record, {
    at: event.occurredAt,
    decision: 'recorded',
    reason: `task:${event.outcome}`,
    eventId: event.eventId,
    journeyId: journey.journeyId,
  });
  cancelPending(record, journey, `task_${event.outcome}`, event.occurredAt, effects, 'task');
  switch (event.outcome) {
    case 'retained':
      task.status = 'retained';
      if (journey.status === 'active') markReturned(record, journey, ms(event.occurredAt), event.eventId, policies, effects);
      break;
    case 'ported_away':
      task.status = 'ported_away';
      break;
    case 'follow_up': {
      const followUpAtMs = ms(event.followUpAt!);
      task.status = 'follow_up';
      task.dueAt = iso(followUpAtMs);
      planTaskNotice(record, journey, Math.max(followUpAtMs, nowMs + MIN_LEAD_MS), nowMs, effects);
      break;
    }
  }
}

function onConsentChanged(record: CustomerRecord, event: ConsentChanged, policies: PolicyRegistry, effects: Effects): void {
  setConsent(
    record,
    event.channel,
    event.granted,
    { at: event.occurredAt, eventId: event.eventId, reason: event.granted ? 'consent_granted' : 'consent_revoked' },
    policies,
    effects,
  );
}

/**
 * The one way a consent changes (an event, an opt-out reply): an older change never overrides a
 * newer one, and a withdrawal moves or cancels the channel's pending touches.
 */
function setConsent(
  record: CustomerRecord,
  channel: Channel,
  granted: boolean,
  change: { at: string; eventId: string; reason: string; journeyId?: string; touchId?: string },
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
  if (!record.profile) {
    // Consent before any churn event: remember it for when the churn arrives.
    record.profile = {
      contacts: {},
      consents: { sms: false, email: false, push: false },
      timezone: 'UTC',
      locale: 'en',
      accountType: 'consumer',
      monthlyRevenue: 0,
      tenureMonths: 0,
      priorChurns: 0,
    };
  }
  record.profile.consents[channel] = granted;
  log(record, { at, decision: 'recorded', reason, eventId, channel, ...where });
  if (!granted) channelLost(record, channel, 'consent_revoked', at, policies, effects);
}

/**
 * A channel can no longer be used (consent revoked, opt-out reply, bounce, complaint): the
 * pending touches on it move to the next usable channel, or are cancelled with their timers.
 */
function channelLost(
  record: CustomerRecord,
  channel: Channel,
  reason: string,
  at: string,
  policies: PolicyRegistry,
  effects: Effects,
): void {
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
    log(record, {
      at,
      decision: 'switched',
      reason: `${reason}:${channel}->${fallback}`,
      journeyId: journey.journeyId,
      touchId: touch.touchId,
      channel: fallback,
    });
  }
}

function onEngaged(record: CustomerRecord, event: MessageEngaged, policies: PolicyRegistry, effects: Effects): void {
  const found = findTouch(record, event.touchId);
  if (!found) {
    log(record, {
      at: event.occurredAt,
      decision: 'recorded',
      reason: 'engagement_for_unknown_touch',
      eventId: event.eventId,
      touchId: event.touchId,
    });
    return;
  }
  const { journey, touch } = found;
  const channel = touch.channel;
  // A task notice went to a team, not to the customer: its delivery says nothing about them.
  if (channel === 'task') {
    log(record, {
      at: event.occurredAt,
      decision: 'recorded',
      reason: 'engagement_for_task_notice',
      eventId: event.eventId,
      journeyId: journey.journeyId,
      touchId: event.touchId,
    });
    return;
  }
  const firstClick = event.kind === 'clicked' && touch.engagement.clicked === undefined;
  touch.engagement[event.kind] ??= event.occurredAt;
  if (firstClick) planClickFollowUp(record, journey, channel, ms(event.occurredAt), policies, effects);
  log(record, {
    at: event.occurredAt,
    decision: 'recorded',
    reason: `engagement:${event.kind}`,
    eventId: event.eventId,
    journeyId: journey.journeyId,
    touchId: event.touchId,
  });
  const profile = record.profile;
  const contact = profile ? contactFor(profile, channel) : undefined;
  if (!profile || contact === undefined) return;
  if (event.kind === 'bounced' || event.kind === 'complained') {
    // A hard bounce or a complaint ends this contact on this channel, whatever the consent says.
    profile.suppressed = { ...profile.suppressed, [channel]: { reason: event.kind, at: event.occurredAt, contact: contactHash(contact) } };
    log(record, {
      at: event.occurredAt,
      decision: 'suppressed',
      reason: event.kind,
      eventId: event.eventId,
      journeyId: journey.journeyId,
      touchId: touch.touchId,
      channel,
    });
    channelLost(record, channel, `suppressed_${event.kind}`, event.occurredAt, policies, effects);
  } else if (event.kind === 'replied' && event.text !== undefined && isOptOut(event.text)) {
    // "STOP" is a withdrawal of consent: recorded as such (the text itself is never stored).
    setConsent(
      record,
      channel,
      false,
      {
        at: event.occurredAt,
        eventId: event.eventId,
        reason: 'consent_revoked_by_reply',
        journeyId: journey.journeyId,
        touchId: touch.touchId,
      },
      policies,
      effects,
    );
  }
}

/**
 * A click shows interest without a return yet: the policy may earn the journey one follow-up,
 * `afterDays` later, on the clicked channel if still usable, inside the send window and before
 * the horizon. At most one per journey; the frequency caps still decide at send time.
 */
function planClickFollowUp(
  record: CustomerRecord,
  journey: Journey,
  clickedChannel: Channel,
  clickedAtMs: number,
  policies: PolicyRegistry,
  effects: Effects,
): void {
  const policy = policies.get(journey.policyId, journey.policyVersion);
  const rule = policy.clickFollowUp;
  const profile = record.profile;
  const touchId = `${journey.journeyId}-f1`;
  if (!rule || !profile || journey.status !== 'active' || journey.touches.some((t) => t.touchId === touchId)) return;
  const clock = consentClock(record, journey.churnedAt, clickedAtMs);
  const channel =
    channelBlock(profile, clickedChannel, policy, clock) === undefined ? clickedChannel : usableChannels(profile, policy, clock)[0];
  const sendWindow = policies.sendWindowFor(policy, profile.market);
  if (!channel || !sendWindow) return;
  const dueAtMs = nextSendInstant(
    clickedAtMs + rule.afterDays * DAY_MS,
    horizonEndMs(policy, ms(journey.churnedAt)),
    profile.timezone,
    sendWindow,
    unitHash('follow-up', record.customerId, touchId),
  );
  const at = iso(clickedAtMs);
  if (dueAtMs === undefined) {
    log(record, { at, decision: 'skipped', reason: 'follow_up_after_horizon', journeyId: journey.journeyId, touchId });
    return;
  }
  const offer = findOffer(policy, {
    angle: rule.angle,
    exitReason: journey.exitReason,
    tier: journey.segment.tier,
    variant: journey.variant,
    monthlyRevenue: journey.monthlyRevenue,
  })!;
  const touch = plannedTouch(record, { touchId, index: policy.touches.length, angle: rule.angle, offerId: offer.id, channel }, dueAtMs);
  journey.touches.push(touch);
  effects.schedule.push(timerFor(record, touch));
  log(record, {
    at,
    decision: 'planned',
    reason: `follow_up_after_click:${offer.id}@${touch.dueAt}`,
    journeyId: journey.journeyId,
    touchId,
    channel,
  });
}

function onSurvey(record: CustomerRecord, event: SurveyAnswered): void {
  const journey = record.journeys.findLast((j) => j.returnedAt !== undefined) ?? record.journeys.at(-1);
  if (journey) journey.npsScore = event.score;
  log(record, {
    at: event.occurredAt,
    decision: 'recorded',
    reason: `nps:${event.score}`,
    eventId: event.eventId,
    ...(journey ? { journeyId: journey.journeyId } : {}),
  });
}

/**
 * A message ready for a channel adapter. `to` is personal data: it goes to the channel, never to
 * a log. On the `task` channel, `to` is the team and the text carries the account's contact
 * details for it.
 */
export interface OutboundMessage {
  channel: TouchChannel;
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
  | { kind: 'withhold'; channel: TouchChannel }
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
  if (touch.channel === 'task') return decideTaskNotice(record, profile, journey, touch, policy);
  // Touches past the policy's list are click follow-ups: open from the quiet days to the horizon.
  const rule =
    policy.touches[touch.index] ??
    (policy.clickFollowUp
      ? { dayFrom: policy.quietDays, dayTo: policy.horizonDays, angle: policy.clickFollowUp.angle, onlyIfNotReturned: true }
      : undefined);
  if (!rule) return { kind: 'skip', reason: 'touch_not_in_policy' };

  if (journey.status !== 'active') return { kind: 'skip', reason: 'customer_returned' };
  if (rule.onlyIfNotReturned && record.lastReturnedAt && ms(record.lastReturnedAt) >= ms(journey.churnedAt))
    return { kind: 'skip', reason: 'customer_returned' };
  const churnedAtMs = ms(journey.churnedAt);
  const touchWindowStart = churnedAtMs + rule.dayFrom * DAY_MS;
  const touchWindowEnd = Math.min(churnedAtMs + (rule.dayTo + 1) * DAY_MS, horizonEndMs(policy, churnedAtMs));
  if (nowMs >= touchWindowEnd) return { kind: 'skip', reason: 'touch_window_passed' };

  const clock = consentClock(record, journey.churnedAt, nowMs);
  const blocked = channelBlock(profile, touch.channel, policy, clock);
  const channel = blocked === undefined ? touch.channel : usableChannels(profile, policy, clock)[0];
  if (!channel) return { kind: 'skip', reason: blocked ?? 'no_consent' };
  const sendWindow = policies.sendWindowFor(policy, profile.market);
  if (!sendWindow) return { kind: 'skip', reason: 'no_send_window_in_market' };

  const isMessage = (t: Touch) => t.channel !== 'task' && (t.status === 'sent' || t.status === 'withheld');
  const messagesInJourney = journey.touches.filter(isMessage).length;
  if (messagesInJourney >= policy.frequencyCap.maxPerJourney) return { kind: 'skip', reason: 'journey_cap_reached' };

  const seed = unitHash('defer', record.customerId, touch.touchId, String(touch.deferrals));
  const deferUntil = (fromMs: number, reason: string): SendDecision => {
    const dueAtMs = nextSendInstant(
      Math.max(fromMs, nowMs + MIN_LEAD_MS, touchWindowStart),
      touchWindowEnd,
      profile.timezone,
      sendWindow,
      seed,
    );
    return dueAtMs === undefined ? { kind: 'skip', reason: `${reason}_until_window_end` } : { kind: 'defer', dueAtMs, reason };
  };
  // A timer fired early (a mis-formatted schedule, a clock skew) must not break the quiet days.
  if (nowMs < touchWindowStart) return deferUntil(touchWindowStart, 'before_touch_window');
  if (!isInsideSendWindow(nowMs, profile.timezone, sendWindow)) return deferUntil(nowMs, 'outside_send_window');

  const capWindowMs = policy.frequencyCap.perHours * 3_600_000;
  const recent = record.journeys
    .flatMap((j) => j.touches)
    .filter((t) => isMessage(t) && t.sentAt && ms(t.sentAt) > nowMs - capWindowMs)
    .map((t) => ms(t.sentAt!))
    .sort((a, b) => b - a);
  if (recent.length >= policy.frequencyCap.maxMessages) {
    // Free again once the oldest message that keeps the count at the cap leaves the window.
    return deferUntil(recent[policy.frequencyCap.maxMessages - 1]! + capWindowMs, 'frequency_cap');
  }

  if (journey.arm === 'control') return { kind: 'withhold', channel };
  const offer =
    policy.offers.find((o) => o.id === touch.offerId) ??
    findOffer(policy, {
      angle: touch.angle,
      exitReason: journey.exitReason,
      tier: journey.segment.tier,
      variant: journey.variant,
      monthlyRevenue: journey.monthlyRevenue,
    })!;
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

/**
 * A task notice goes to the team whatever the customer's channels, windows and caps say (those
 * govern messages to the customer); it only needs the journey still running and the task open.
 */
function decideTaskNotice(record: CustomerRecord, profile: Profile, journey: Journey, touch: Touch, policy: Policy): SendDecision {
  const task = journey.task;
  if (!task || !isTaskOpen(task)) return { kind: 'skip', reason: 'task_closed' };
  if (journey.status !== 'active') return { kind: 'skip', reason: 'customer_returned' };
  const { subject, text } = taskNotice({ customerId: record.customerId, profile, journey, task, currency: policy.currency });
  return {
    kind: 'send',
    message: {
      channel: 'task',
      to: task.team,
      customerId: record.customerId,
      touchId: touch.touchId,
      subject,
      text,
      variant: journey.variant,
      locale: profile.locale,
      timezone: profile.timezone,
    },
  };
}

/** Applies the outcome of a send decision (or of the send itself) to a copy of the record. */
export type SendOutcome =
  | { kind: 'claimed'; channel: TouchChannel }
  | { kind: 'sent'; channel: TouchChannel; messageId: string; cost?: number }
  | { kind: 'withheld'; channel: TouchChannel }
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
      // A follow-up notice delivered: the task is the team's to work again.
      if (touch.channel === 'task' && journey.task?.status === 'follow_up') journey.task.status = 'open';
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
  return [
    ...record.journeys.flatMap((j) => j.touches.filter(isPending).map((t) => t.timerName)),
    ...(record.lapse ? [record.lapse.timerName] : []),
  ];
}

/** Formats an instant as ISO 8601 with the customer's local offset, e.g. 2026-03-02T14:05:00.000+01:00. */
export function localIso(instantMs: number, zone: string): string {
  return DateTime.fromMillis(instantMs, { zone }).toISO()!;
}
