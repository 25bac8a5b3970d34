import type { Policy } from './policy.ts';
import { shortHash, unitHash } from './hash.ts';
import { intersectWindows, legalWindowFor, type LegalSendWindows } from './legal-send-windows.ts';
import type { SendWindow } from './send-window.ts';
import { CHANNEL_TABLE, type Channel, type ContactField } from './channels.ts';
import { DAY_MS } from './vocabulary.ts';

/** A channel that stopped working for this contact: a hard bounce, a complaint. */
export interface Suppression {
  reason: string;
  at: string;
  /** Hash of the contact it applies to: a new address or number lifts it. */
  contact: string;
}

/** What the engine knows about how to reach a customer and what they allow. */
export interface Reachability {
  contacts: Partial<Record<ContactField | 'name', string | undefined>>;
  consents: Record<Channel, boolean>;
  suppressed?: Partial<Record<Channel, Suppression>>;
}

/** When consents are judged: now, the contract's end (the churn), and when each was last set. */
export interface ConsentClock {
  nowMs: number;
  contractEndedAtMs: number;
  consentSetAt: Partial<Record<Channel, string>>;
}

/** The contact a channel sends to, if the customer has one on file. */
export function contactFor(reach: Reachability, channel: Channel): string | undefined {
  return reach.contacts[CHANNEL_TABLE[channel].contact];
}

export const contactHash = (contact: string) => shortHash(`contact:${contact}`);

/**
 * Why a channel cannot be used right now, or undefined when it can: no contact on file, no
 * consent, a consent past its expiry under the policy's legal basis, or a suppression (bounce,
 * complaint) of the contact on file.
 */
export function channelBlock(
  reach: Reachability,
  channel: Channel,
  policy: Pick<Policy, 'consent'>,
  clock?: ConsentClock,
): string | undefined {
  const contact = contactFor(reach, channel);
  if (contact === undefined) return 'no_contact';
  if (!reach.consents[channel]) return 'no_consent';
  const suppression = reach.suppressed?.[channel];
  if (suppression && suppression.contact === contactHash(contact)) return `suppressed_${suppression.reason}`;
  const expiresAfterDays = policy.consent[channel]?.expiresAfterDays;
  if (clock && expiresAfterDays !== undefined) {
    const setAt = clock.consentSetAt[channel];
    const since = Math.max(clock.contractEndedAtMs, setAt ? Date.parse(setAt) : -Infinity);
    if (clock.nowMs >= since + expiresAfterDays * DAY_MS) return 'consent_expired';
  }
  return undefined;
}

/** Channels reachable, consented (and not expired) and not suppressed, in the policy's order of preference. */
export function usableChannels(reach: Reachability, policy: Pick<Policy, 'channels' | 'consent'>, clock?: ConsentClock): Channel[] {
  return policy.channels.filter((channel) => channelBlock(reach, channel, policy, clock) === undefined);
}

/**
 * The customer's local send window: the policy's, narrowed by the legal window of their market in
 * this deployment's table (their country's rule and their subdivision's, `US` and `US-FL`), and
 * by the policy's own rule for the market if it has one (`US-FL`, else `US`). Each step can only
 * narrow: a policy rule wider than the law changes nothing. Undefined when they leave no hour.
 */
export function sendWindowFor(
  policy: Pick<Policy, 'sendWindow' | 'markets'>,
  market: string | undefined,
  legal: LegalSendWindows,
): SendWindow | undefined {
  const law = legalWindowFor(legal, market);
  const own = market
    ? (policy.markets.find((m) => m.market === market) ?? policy.markets.find((m) => m.market === market.split('-')[0]))
    : undefined;
  const window = law && intersectWindows(policy.sendWindow, law);
  return own && window ? intersectWindows(window, own) : window;
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
  clock?: ConsentClock;
}

/** Every reason the customer is not worth a touch under this policy; empty means eligible. */
export function ineligibilityReasons(input: EligibilityInput, policy: Policy): IneligibleReason[] {
  const reasons: IneligibleReason[] = [];
  if (input.nowMs >= input.churnedAtMs + (policy.horizonDays + 1) * DAY_MS) reasons.push('past_horizon');
  if (usableChannels(input.reach, policy, input.clock).length === 0) reasons.push('no_usable_channel');
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

export function segmentOf(
  input: { monthlyRevenue: number; tenureMonths: number; exitReason: string; churnKind: string },
  policy: Policy,
): Segment {
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
  const variant =
    policy.variants.find((v) => {
      point -= v.weight;
      return point < 0;
    }) ?? policy.variants.at(-1)!;
  return { arm, variant: variant.id };
}
