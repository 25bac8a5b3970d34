import type { ErasedTouch, KeptJourney } from '../erasure.ts';
import { pseudonymize } from '../hash.ts';
import { keptJourneyIds, Pseudonyms } from '../pseudonyms.ts';
import type { CustomerRecord, Journey } from '../journey/record.ts';
import { isOutcomeUnknown } from '../journey/send-outcome.ts';
import type { PolicyRegistry } from '../policy-registry.ts';
import { horizonEndMs, offerCost, type Policy } from '../policy.ts';
import { DAY_MS } from '../vocabulary.ts';
import type { JourneyFactRow } from './tables.ts';

/** Retention marks after a return (days). */
export const RETENTION_6M_DAYS = 182;
export const RETENTION_12M_DAYS = 365;

/** A journey as the facts read it: live, or as kept after erasure. */
export type FactJourney = Omit<Journey, 'touches' | 'churnEventId'> & {
  touches: Array<
    Pick<ErasedTouch, 'channel' | 'status' | 'offerId' | 'cost' | 'engagement' | 'sentAt' | 'outcomeUnknown'> & { reason?: string }
  >;
};

/** The instant the night's facts are measured at: 00:00 UTC of the night's date, whatever the runner's clock says. */
export function asOfInstant(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

/**
 * When Winback first reached out, or (control) would have: the first message sent or withheld,
 * or the retention task handed to its team or held out of it. Undefined when none came.
 */
export function firstContactMs(journey: FactJourney): number | undefined {
  const times = journey.touches
    .filter((t) => t.channel !== 'task' && (t.status === 'sent' || t.status === 'withheld') && t.sentAt !== undefined)
    .map((t) => Date.parse(t.sentAt!));
  if (journey.task) times.push(Date.parse(journey.task.openedAt));
  if (journey.heldOutTask) times.push(Date.parse(journey.heldOutTask.at));
  return times.length === 0 ? undefined : Math.min(...times);
}

/**
 * One journey as a row of `journey_facts`. Pure; `asOfMs` (the night, see {@link asOfInstant})
 * decides what is observable yet (retention marks) and whether an active journey has ended.
 * `churnedAgainAtMs` is the next churn of the same customer hash after the return, if any.
 */
export function journeyFactRow(
  journey: FactJourney,
  customerHash: string,
  churnedAgainAtMs: number | undefined,
  asOfMs: number,
  policies: PolicyRegistry,
): JourneyFactRow {
  const policy = policies.get(journey.policyId, journey.policyVersion);
  const churnedAtMs = Date.parse(journey.churnedAt);
  const ended = journey.status === 'active' && asOfMs >= horizonEndMs(policy, churnedAtMs);
  const firstContact = firstContactMs(journey);
  const c = contactFacts(journey, firstContact);
  const r = returnFacts(journey, policy, firstContact, churnedAgainAtMs, asOfMs);
  const t = taskFacts(journey);
  // One object literal in the table's order (no spreads): the job holds up to a part of these at once, compactly.
  return {
    customer_hash: customerHash,
    journey_id: journey.journeyId,
    cohort_month: journey.churnedAt.slice(0, 7),
    churned_at: churnedAtMs,
    churn_kind: journey.churnKind,
    exit_reason: journey.exitReason,
    segment: journey.segment.tier,
    arm: journey.arm,
    variant: journey.variant,
    policy_id: journey.policyId,
    policy_version: journey.policyVersion,
    status: ended ? 'ended' : journey.status,
    eligible: journey.status !== 'ineligible',
    ineligible_reasons: journey.ineligibleReasons.join(','),
    escalated: journey.task !== undefined || journey.heldOutTask !== undefined,
    channel: c.channel,
    channels_used: c.channels_used,
    touches_planned: c.touches_planned,
    touches_sent: c.touches_sent,
    touches_withheld: c.touches_withheld,
    touches_delivered: c.touches_delivered,
    touches_clicked: c.touches_clicked,
    first_contact_at: c.first_contact_at,
    message_cost: c.message_cost,
    offer_cost: r.offer_cost,
    returned_at: r.returned_at,
    days_to_return: r.days_to_return,
    returned_within_window: r.returned_within_window,
    returned_before_contact: r.returned_before_contact,
    won_back: r.won_back,
    revenue_after_return: r.revenue_after_return,
    churned_again_at: r.churned_again_at,
    retained_6m: r.retained_6m,
    retained_12m: r.retained_12m,
    nps: r.nps,
    task_team: t.task_team,
    task_status: t.task_status,
    task_value: t.task_value,
    task_follow_ups: t.task_follow_ups,
    task_reason: t.task_reason,
    touches_failed: c.touches_failed,
    touches_outcome_unknown: c.touches_outcome_unknown,
  };
}

/** The first touch's channel, and what became of the messages (task notices are counted by the task columns). */
function contactFacts(journey: FactJourney, firstContact: number | undefined) {
  const messages = journey.touches.filter((t) => t.channel !== 'task');
  const sent = messages.filter((t) => t.status === 'sent');
  const withheld = messages.filter((t) => t.status === 'withheld');
  const failed = messages.filter((t) => t.status === 'failed');
  return {
    // A held-out escalated account is on the task channel too: the retention team's control group.
    channel: journey.heldOutTask ? 'task' : (journey.touches[0]?.channel ?? 'none'),
    channels_used: [...new Set([...sent, ...withheld].map((t) => t.channel))].sort().join(','),
    touches_planned: messages.length,
    touches_sent: sent.length,
    touches_withheld: withheld.length,
    touches_delivered: messages.filter((t) => t.engagement.delivered !== undefined).length,
    touches_clicked: messages.filter((t) => t.engagement.clicked !== undefined).length,
    first_contact_at: firstContact ?? null,
    message_cost: round6(sent.reduce((sum, t) => sum + (t.cost ?? 0), 0)),
    touches_failed: failed.length,
    touches_outcome_unknown: failed.filter(isOutcomeUnknown).length,
  };
}

/** The return: when, whether it is a win-back, what it brought, and whether the customer stayed. */
function returnFacts(
  journey: FactJourney,
  policy: Policy,
  firstContact: number | undefined,
  churnedAgainAtMs: number | undefined,
  asOfMs: number,
) {
  const churnedAtMs = Date.parse(journey.churnedAt);
  const returnedAtMs = journey.returnedAt ? Date.parse(journey.returnedAt) : undefined;
  const beforeContact = returnedAtMs !== undefined && (firstContact === undefined || returnedAtMs < firstContact);
  const withinWindow = journey.status === 'won_back';
  const wonBack = withinWindow && !beforeContact;
  // The offer taken up: the last one actually sent before a win-back.
  const lastOffer = wonBack ? journey.touches.filter((t) => t.channel !== 'task' && t.status === 'sent').at(-1) : undefined;
  const takenUp = lastOffer ? policy.offers.find((o) => o.id === lastOffer.offerId) : undefined;
  const retained = (days: number): boolean | null => {
    if (returnedAtMs === undefined || asOfMs < returnedAtMs + days * DAY_MS) return null;
    return churnedAgainAtMs === undefined || churnedAgainAtMs >= returnedAtMs + days * DAY_MS;
  };
  return {
    offer_cost: round6(takenUp ? offerCost(takenUp, journey.monthlyRevenue) : 0),
    returned_at: returnedAtMs ?? null,
    days_to_return: returnedAtMs === undefined ? null : Math.floor((returnedAtMs - churnedAtMs) / DAY_MS),
    returned_within_window: withinWindow,
    returned_before_contact: beforeContact,
    won_back: wonBack,
    revenue_after_return: round6(journey.returnRevenue ?? 0),
    churned_again_at: churnedAgainAtMs ?? null,
    retained_6m: retained(RETENTION_6M_DAYS),
    retained_12m: retained(RETENTION_12M_DAYS),
    // A survey answer belongs to a returned customer; one on a journey without a return is not an answer about a return.
    nps: returnedAtMs === undefined ? null : (journey.npsScore ?? null),
  };
}

function taskFacts(journey: FactJourney) {
  const task = journey.task;
  return {
    task_team: task?.team ?? null,
    task_status: task?.status ?? null,
    task_value: task ? round6(task.value) : null,
    task_follow_ups: task ? task.outcomes.filter((o) => o.outcome === 'follow_up').length : null,
    task_reason: task?.reason ?? null,
  };
}

/** The first churn at or after `returnedAtMs` among `churns` (epoch ms), if any. */
export function nextChurnAfter(churns: Iterable<number>, returnedAtMs: number): number | undefined {
  let next: number | undefined;
  for (const at of churns) if (at >= returnedAtMs && (next === undefined || at < next)) next = at;
  return next;
}

/**
 * Every journey of a customer record as fact rows, each linked to the customer's next churn after
 * its return. A record holds every journey of its customer hash that is not erased, and erased
 * journeys all came before the record (erasure deletes it), so no erased churn can follow a
 * return in it: the link found here is the link by customer hash.
 */
export function customerFactRows(record: CustomerRecord, hashKey: string, asOfMs: number, policies: PolicyRegistry): JourneyFactRow[] {
  const customerHash = pseudonymize(record.customerId, hashKey);
  const pseudonyms = new Pseudonyms(hashKey);
  const churns = record.journeys.map((j) => Date.parse(j.churnedAt));
  return record.journeys.map((journey, i) => {
    const returnedAt = journey.returnedAt ? Date.parse(journey.returnedAt) : undefined;
    const next = returnedAt === undefined ? undefined : nextChurnAfter(churns.slice(i + 1), returnedAt);
    // A journey planned before journey ids were keyed is written under the keyed id of its churn event.
    const { journeyId } = keptJourneyIds(journey.journeyId, journey.churnEventId, pseudonyms);
    return journeyFactRow(journeyId === journey.journeyId ? journey : { ...journey, journeyId }, customerHash, next, asOfMs, policies);
  });
}

/** A journey kept after erasure as a fact row; `churnedAgainAtMs` comes from the other journeys of its customer hash. */
export function erasedFactRow(
  journey: KeptJourney,
  churnedAgainAtMs: number | undefined,
  asOfMs: number,
  policies: PolicyRegistry,
): JourneyFactRow {
  return journeyFactRow(journey, journey.customerHash, churnedAgainAtMs, asOfMs, policies);
}
