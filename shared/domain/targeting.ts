import type { Policy } from './policy.ts';
import { unitHash } from './hash.ts';
import { DAY_MS, type Channel } from './vocabulary.ts';

/** What the engine knows about how to reach a customer and what they allow. */
export interface Reachability {
  contacts: { phone?: string | undefined; email?: string | undefined; pushToken?: string | undefined };
  consents: Record<Channel, boolean>;
}

const CONTACT_FOR: Record<Channel, keyof Reachability['contacts']> = { sms: 'phone', email: 'email', push: 'pushToken' };

/** The contact a channel sends to, if the customer has one on file. */
export function contactFor(reach: Reachability, channel: Channel): string | undefined {
  return reach.contacts[CONTACT_FOR[channel]];
}

/** Channels both reachable (a contact on file) and consented, in the policy's order of preference. */
export function usableChannels(reach: Reachability, policy: Pick<Policy, 'channels'>): Channel[] {
  return policy.channels.filter((channel) => reach.consents[channel] && contactFor(reach, channel) !== undefined);
}

export type IneligibleReason = 'past_horizon' | 'no_usable_channel' | 'repeat_churner' | 'won_back_before' | 'below_value_floor';

export interface EligibilityInput {
  churnedAtMs: number;
  nowMs: number;
  monthlyRevenue: number;
  priorChurns: number;
  /** Journeys of this customer that this engine won back before. */
  earlierWinbacks: number;
  reach: Reachability;
}

/** Every reason the customer is not worth a touch under this policy; empty means eligible. */
export function ineligibilityReasons(input: EligibilityInput, policy: Policy): IneligibleReason[] {
  const reasons: IneligibleReason[] = [];
  if (input.nowMs >= input.churnedAtMs + (policy.horizonDays + 1) * DAY_MS) reasons.push('past_horizon');
  if (usableChannels(input.reach, policy).length === 0) reasons.push('no_usable_channel');
  if (input.priorChurns >= policy.eligibility.maxPriorChurns) reasons.push('repeat_churner');
  if (policy.eligibility.excludeAfterWinback && input.earlierWinbacks > 0) reasons.push('won_back_before');
  if (input.monthlyRevenue < policy.eligibility.minMonthlyRevenue) reasons.push('below_value_floor');
  return reasons;
}

/** Value tier (first matching tier of the policy), with exit reason and churn kind: the segment. */
export interface Segment {
  tier: string;
  exitReason: string;
  churnKind: string;
  /** `tier/churnKind/exitReason`, the KPI grouping key. */
  key: string;
}

export function segmentOf(input: { monthlyRevenue: number; tenureMonths: number; exitReason: string; churnKind: string }, policy: Policy): Segment {
  const tier =
    policy.tiers.find((t) => input.monthlyRevenue >= t.minMonthlyRevenue && input.tenureMonths >= t.minTenureMonths)?.name ??
    // Unreachable with a validated policy (its last tier matches everyone).
    policy.tiers.at(-1)!.name;
  return { tier, exitReason: input.exitReason, churnKind: input.churnKind, key: `${tier}/${input.churnKind}/${input.exitReason}` };
}

export type Arm = 'treatment' | 'control';

/**
 * Deterministic control group and A/B variant: a hash of the customer id with the policy salt,
 * so the same customer always lands in the same arm and variant, and re-planning cannot move them.
 */
export function assign(customerId: string, policy: Pick<Policy, 'holdout' | 'variants'>): { arm: Arm; variant: string } {
  const arm: Arm = unitHash(policy.holdout.salt, 'holdout', customerId) < policy.holdout.percent / 100 ? 'control' : 'treatment';
  const totalWeight = policy.variants.reduce((sum, v) => sum + v.weight, 0);
  let point = unitHash(policy.holdout.salt, 'variant', customerId) * totalWeight;
  const variant = policy.variants.find((v) => (point -= v.weight) < 0) ?? policy.variants.at(-1)!;
  return { arm, variant: variant.id };
}
