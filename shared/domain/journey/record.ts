import type { PolicyRegistry } from '../policy-registry.ts';
import type { Reachability, Segment, Arm } from '../targeting.ts';
import { type Channel, perChannel } from '../channels.ts';
import { utcIso } from '../utc-iso.ts';
import type { ChurnKind, EngagementKind, ExitReason, TaskOutcomeKind } from '../vocabulary.ts';

/**
 * The customer aggregate: everything Winback knows about one customer, stored as one record
 * and changed only by the pure functions of this folder. Use cases load it, apply a change, save
 * it with an optimistic version check, and carry out the returned effects (timers).
 */

export type TouchStatus = 'planned' | 'sending' | 'sent' | 'withheld' | 'skipped' | 'cancelled' | 'failed';

/** A touch reaches the customer on a channel, or hands a retention task to a team (`task`). */
export type TouchChannel = Channel | 'task';

/**
 * What a touch is: one of the policy's touches, the follow-up a click earns, or the notice of a
 * retention task to its team. Each kind has its own rule at send time.
 */
export type TouchKind = 'policy' | 'follow_up' | 'task_notice';

interface TouchCommon {
  touchId: string;
  angle: string;
  /** When it is due (UTC ISO); moves when the touch is deferred. */
  dueAt: string;
  /** The one-shot timer that fires it; a timer with another name is stale and does nothing. */
  timerName: string;
  status: TouchStatus;
  reason?: string;
  deferrals: number;
  attempts: number;
  /**
   * While `sending`: until when the claim holds, and the timer that resolves it if no outcome is
   * recorded by then (the sender died between claim and outcome), and the message's price, for a
   * message found sent then. See `CLAIM_LEASE_MS`.
   */
  lease?: { until: string; timerName: string; cost?: number };
  /**
   * On a `failed` touch: the message may or may not have gone out (its claim lapsed, or the answer
   * to the send was lost), so it is never sent again. Absent on touches failed before it was kept:
   * see `isOutcomeUnknown`.
   */
  outcomeUnknown?: true;
  sentAt?: string;
  messageId?: string;
  cost?: number;
  engagement: Partial<Record<EngagementKind, string>>;
}

/** One of the policy's touches; `index` is its position in `policy.touches`. */
export interface PolicyTouch extends TouchCommon {
  kind: 'policy';
  channel: Channel;
  index: number;
  /** The offer made. */
  offerId: string;
}

/** The follow-up a click earns (at most one per journey); `index` follows the policy's touches. */
export interface FollowUpTouch extends TouchCommon {
  kind: 'follow_up';
  channel: Channel;
  index: number;
  offerId: string;
}

/** A notice of the journey's retention task to its team; `index` counts the notices from 0. */
export interface TaskNoticeTouch extends TouchCommon {
  kind: 'task_notice';
  channel: 'task';
  index: number;
  taskId: string;
}

export type Touch = PolicyTouch | FollowUpTouch | TaskNoticeTouch;
/** A touch that sends a message to the customer. */
export type MessageTouch = PolicyTouch | FollowUpTouch;

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
  /** `call_back`: the customer asked for a call on the reactivation page; absent: the policy escalated the account. */
  origin?: 'call_back';
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
  /**
   * An escalated account held out of its retention task (the retention team's control group,
   * `escalation.holdoutPercent`): the team it would have gone to, its value, and when it would
   * have been handed over. Such a journey has no task and is in the control arm.
   */
  heldOutTask?: { team: string; value: number; at: string };
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
  /** The language (BCP 47) a message was sent in, or would have been for the control group. */
  language?: string;
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
  /** Finished journeys moved out of the record (`archive.ts`), counted: how many, and how many were won back. */
  archived?: { journeys: number; wonBack: number };
  history: DecisionEntry[];
}

/** Keeps the record well under DynamoDB's 400 KB item limit; the oldest entries go first. */
export const HISTORY_LIMIT = 200;

/** The instant as ISO 8601 in UTC, as `Date#toISOString` writes it. */
export const iso = (ms: number) => utcIso(ms);
export const ms = (isoTime: string) => Date.parse(isoTime);

export function emptyRecord(customerId: string): CustomerRecord {
  return { customerId, version: 0, consentSetAt: {}, journeys: [], history: [] };
}

/** A profile before any churn or activity said more: no contacts, no consents. */
export const emptyProfile = (): Profile => ({
  contacts: {},
  consents: perChannel(() => false),
  timezone: 'UTC',
  locale: 'en',
  accountType: 'consumer',
  monthlyRevenue: 0,
  tenureMonths: 0,
  priorChurns: 0,
});

/** Appends to the decision log, dropping the oldest entries past `HISTORY_LIMIT`. */
export function log(record: CustomerRecord, entry: DecisionEntry): void {
  record.history.push(entry);
  if (record.history.length > HISTORY_LIMIT) record.history.splice(0, record.history.length - HISTORY_LIMIT);
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

export const isPending = (touch: Touch) => touch.status === 'planned';

/** The policy a journey was planned with: it runs to its end on that version. */
export const policyOf = (policies: PolicyRegistry, journey: Journey) => policies.get(journey.policyId, journey.policyVersion);

/** A touch as stored by a version of Winback whose touches had no `kind` yet. */
type StoredTouch = Omit<PolicyTouch, 'kind' | 'channel'> & { kind?: TouchKind; channel: TouchChannel; taskId?: string };

/**
 * Reads a stored touch: touches stored before they had a kind get it from what they were then
 * (a `task` channel was a task notice carrying its task id as `offerId`; `-f1` a click follow-up).
 */
export function upgradeTouch(stored: StoredTouch | Touch): Touch {
  if (stored.kind !== undefined) return stored as Touch;
  const { offerId, ...rest } = stored as StoredTouch;
  const { channel } = rest;
  if (channel === 'task') return { ...rest, channel, kind: 'task_notice', taskId: offerId };
  return { ...rest, channel, offerId, kind: rest.touchId.endsWith('-f1') ? 'follow_up' : 'policy' };
}

/** A stored record as the engine reads it: every touch with its kind. */
export function upgradeRecord(record: CustomerRecord): CustomerRecord {
  for (const journey of record.journeys) journey.touches = journey.touches.map(upgradeTouch);
  return record;
}
