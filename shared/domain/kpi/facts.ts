import type { CustomerRecord, Journey } from '../journey/record.ts';
import type { ErasedJourney, ErasedTouch } from '../erasure.ts';
import { pseudonymize } from '../hash.ts';
import type { PolicyRegistry } from '../policy-registry.ts';
import { horizonEndMs, offerCost } from '../policy.ts';
import { DAY_MS } from '../vocabulary.ts';
import type { Row } from './tables.ts';

/** Retention marks after a return (days). */
export const RETENTION_6M_DAYS = 182;
export const RETENTION_12M_DAYS = 365;

type FactJourney = Omit<Journey, 'touches' | 'churnEventId'> & {
  touches: Array<Pick<ErasedTouch, 'channel' | 'status' | 'offerId' | 'cost' | 'engagement'>>;
};

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

/**
 * One journey as a row of `journey_facts`. Pure; `nowMs` decides what is observable yet
 * (retention marks) and whether an active journey has ended. `churnedAgainAtMs` is the next churn
 * of the same customer, if any.
 */
export function journeyFactRow(
  journey: FactJourney,
  customerHash: string,
  churnedAgainAtMs: number | undefined,
  nowMs: number,
  policies: PolicyRegistry,
): Row {
  const policy = policies.get(journey.policyId, journey.policyVersion);
  const churnedAtMs = Date.parse(journey.churnedAt);
  const returnedAtMs = journey.returnedAt ? Date.parse(journey.returnedAt) : undefined;
  // Messages to the customer; a task notice went to a team, and is counted by the task columns.
  const messages = journey.touches.filter((t) => t.channel !== 'task');
  const sent = messages.filter((t) => t.status === 'sent');
  const withheld = messages.filter((t) => t.status === 'withheld');
  const withinWindow = journey.status === 'won_back';
  // The offer taken up: the last one actually sent before a return that counts.
  const lastOffer = withinWindow ? sent.at(-1) : undefined;
  const takenUp = lastOffer ? policy.offers.find((o) => o.id === lastOffer.offerId) : undefined;
  const retention = journey.task;
  const retained = (days: number): boolean | null => {
    if (returnedAtMs === undefined || nowMs < returnedAtMs + days * DAY_MS) return null;
    return churnedAgainAtMs === undefined || churnedAgainAtMs >= returnedAtMs + days * DAY_MS;
  };
  const ended = journey.status === 'active' && nowMs >= horizonEndMs(policy, churnedAtMs);
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
    channel: journey.touches[0]?.channel ?? 'none',
    channels_used: [...new Set([...sent, ...withheld].map((t) => t.channel))].sort().join(','),
    touches_planned: messages.length,
    touches_sent: sent.length,
    touches_withheld: withheld.length,
    touches_delivered: messages.filter((t) => t.engagement.delivered !== undefined).length,
    touches_clicked: messages.filter((t) => t.engagement.clicked !== undefined).length,
    message_cost: round6(sent.reduce((sum, t) => sum + (t.cost ?? 0), 0)),
    offer_cost: round6(takenUp ? offerCost(takenUp, journey.monthlyRevenue) : 0),
    returned_at: returnedAtMs ?? null,
    days_to_return: returnedAtMs === undefined ? null : Math.floor((returnedAtMs - churnedAtMs) / DAY_MS),
    returned_within_window: withinWindow,
    revenue_after_return: round6(journey.returnRevenue ?? 0),
    churned_again_at: churnedAgainAtMs ?? null,
    retained_6m: retained(RETENTION_6M_DAYS),
    retained_12m: retained(RETENTION_12M_DAYS),
    nps: journey.npsScore ?? null,
    task_team: retention?.team ?? null,
    task_status: retention?.status ?? null,
    task_value: retention ? round6(retention.value) : null,
    task_follow_ups: retention ? retention.outcomes.filter((o) => o.outcome === 'follow_up').length : null,
    task_reason: retention?.reason ?? null,
  };
}

/** Every journey of a customer record as fact rows, with its next churn looked up in the record. */
export function customerFactRows(record: CustomerRecord, hashKey: string, nowMs: number, policies: PolicyRegistry): Row[] {
  const customerHash = pseudonymize(record.customerId, hashKey);
  return record.journeys.map((journey, i) => {
    const returnedAt = journey.returnedAt ? Date.parse(journey.returnedAt) : undefined;
    const nextChurn =
      returnedAt === undefined
        ? undefined
        : record.journeys
            .slice(i + 1)
            .map((j) => Date.parse(j.churnedAt))
            .find((at) => at >= returnedAt);
    return journeyFactRow(journey, customerHash, nextChurn, nowMs, policies);
  });
}

/** A journey kept after erasure, as a fact row (its next churn is not known any more). */
export function erasedFactRow(journey: ErasedJourney, nowMs: number, policies: PolicyRegistry): Row {
  return journeyFactRow(journey, journey.customerHash, undefined, nowMs, policies);
}
