import { CHANNEL_TABLE, type Channel } from './channels.ts';
import { describeWindow, LEGAL_SEND_WINDOWS, type LegalSendWindows } from './legal-send-windows.ts';
import type { Policy, TouchRule } from './policy.ts';
import { type Offer, offerMatches } from './policy-offers.ts';
import { smsParts } from './sms.ts';
import { sendWindowFor } from './targeting.ts';
import { ExitReason } from './vocabulary.ts';

/**
 * `npm run policy -- explain`: what a policy does with a churned customer, read from the policy
 * alone, with the same rules the engine plans with (offers in policy order within the margin cap,
 * send windows narrowed by the law, the SMS footer and its parts). docs/policies.md, "Explain a
 * policy", defines each part.
 */

/** What a message costs to send: the price table's answer for one text on one channel. */
export type MessagePricer = (channel: Channel, text: string) => { cost: number; currency: string } | undefined;

/** One text as a channel sends it, with what it is billed as. */
export interface RenderedText {
  channel: Channel;
  subject?: string;
  text: string;
  /** SMS: billed parts (GSM-7 or UCS-2), footer included; other channels: 1 message. */
  parts: number;
  price?: { cost: number; currency: string };
}

/** An offer, as every touch that makes it sends it. */
export interface OfferExplained {
  offerId: string;
  angle: string;
  /** What it costs if taken up: `cost` + `costMonths` × monthly revenue (policy currency). */
  cost: number;
  costMonths: number;
  /** The touches (numbers) that make it to some customer; empty: shadowed by earlier offers, never made. */
  madeByTouches: number[];
  texts: RenderedText[];
}

/** The offers one segment (tier, exit reason, variant) gets from a touch, by monthly revenue. */
export interface SegmentChoice {
  tier: string;
  exitReason: string;
  variant: string;
  /** The offer made from this monthly revenue up (to the next entry's): the margin cap decides. */
  offers: Array<{ offerId: string; fromMonthlyRevenue: number }>;
}

export interface TouchPlan {
  touch: number;
  angle: string;
  dayFrom: number;
  dayTo: number;
  onlyIfNotReturned: boolean;
  segments: SegmentChoice[];
}

export interface Explanation {
  policy: string;
  description: string;
  currency: string;
  churnKinds: string[];
  appliesTo: { markets?: string[]; brands?: string[] };
  quietDays: number;
  horizonDays: number;
  conversionWindowDays: number;
  channels: Array<{ channel: Channel; basis: string; expiresAfterDays?: number; deployedInAws: boolean }>;
  /** The local send window without a market, then per market the law or the policy names. */
  sendWindows: Array<{ market: string; window: string | null }>;
  frequencyCap: Policy['frequencyCap'];
  exclusions: Array<{ reason: string; rule: string }>;
  holdout: { percent: number; salt: string };
  variants: Policy['variants'];
  tiers: Policy['tiers'];
  escalation?: {
    value: string;
    threshold: number;
    mode: string;
    dueAfterDays: number;
    routes: Array<{ team: string; accountTypes: string }>;
  };
  /** Margin cap: an offer may cost at most this × the customer's monthly revenue; absent without a cap. */
  offerCapPerMonthlyRevenue?: number;
  touches: TouchPlan[];
  offers: OfferExplained[];
}

export interface ExplainOptions {
  /** The channels the AWS deployment has adapters for. */
  deployedInAws: readonly Channel[];
  legal?: LegalSendWindows;
  price?: MessagePricer;
}

/** Explains a validated policy. */
export function explainPolicy(policy: Policy, options: ExplainOptions): Explanation {
  const legal = options.legal ?? LEGAL_SEND_WINDOWS;
  const touches = policy.touches.map((rule, i) => touchPlan(policy, rule, i));
  const markets = [...new Set([...legal.map((rule) => rule.market), ...policy.markets.map((rule) => rule.market)])].sort();
  return {
    policy: `${policy.id}@${policy.version}`,
    description: policy.description,
    currency: policy.currency,
    churnKinds: policy.churnKinds,
    appliesTo: policy.appliesTo,
    quietDays: policy.quietDays,
    horizonDays: policy.horizonDays,
    conversionWindowDays: policy.conversionWindowDays,
    channels: policy.channels.map((channel) => ({
      channel,
      basis: policy.consent[channel]?.basis ?? 'consent',
      ...(policy.consent[channel]?.expiresAfterDays !== undefined ? { expiresAfterDays: policy.consent[channel]!.expiresAfterDays! } : {}),
      deployedInAws: options.deployedInAws.includes(channel),
    })),
    sendWindows: [undefined, ...markets].map((market) => {
      const window = sendWindowFor(policy, market, legal);
      return { market: market ?? '(no market)', window: window ? describeWindow(window) : null };
    }),
    frequencyCap: policy.frequencyCap,
    exclusions: exclusionsOf(policy),
    holdout: policy.holdout,
    variants: policy.variants,
    tiers: policy.tiers,
    ...(policy.escalation ? { escalation: escalationOf(policy.escalation) } : {}),
    ...(policy.offerCap ? { offerCapPerMonthlyRevenue: policy.offerCap.maxShareOfValue * policy.offerCap.valueMonths } : {}),
    touches,
    offers: policy.offers.map((offer) => ({
      offerId: offer.id,
      angle: offer.angle,
      cost: offer.cost,
      costMonths: offer.costMonths,
      madeByTouches: touches.filter((t) => t.segments.some((s) => s.offers.some((o) => o.offerId === offer.id))).map((t) => t.touch),
      texts: renderTexts(policy, offer, options.price),
    })),
  };
}

/** Why a churn gets no journey under this policy, each with the policy's threshold. */
function exclusionsOf(policy: Policy): Explanation['exclusions'] {
  const { eligibility } = policy;
  return [
    { reason: 'no_policy_for_churn', rule: `churnKind not in ${policy.churnKinds.join(', ')} (or outside appliesTo)` },
    { reason: 'past_horizon', rule: `the churn is ${policy.horizonDays + 1} or more days old when posted` },
    { reason: 'no_usable_channel', rule: `no contact with a valid consent on ${policy.channels.join(', ')}` },
    { reason: 'repeat_churner', rule: `priorChurns ≥ ${eligibility.maxPriorChurns}` },
    ...(eligibility.excludeAfterWinback ? [{ reason: 'won_back_before', rule: 'won back by Winback before' }] : []),
    ...(eligibility.minMonthlyRevenue > 0
      ? [{ reason: 'below_value_floor', rule: `monthlyRevenue < ${eligibility.minMonthlyRevenue} ${policy.currency}` }]
      : []),
    { reason: 'returned_already', rule: 'a return posted at or after the churn, before it was planned' },
    { reason: 'no_send_window_in_market', rule: 'the policy’s window and the market’s law share no hour' },
  ];
}

function escalationOf(escalation: NonNullable<Policy['escalation']>): NonNullable<Explanation['escalation']> {
  return {
    value: escalation.value,
    threshold: escalation.threshold,
    mode: escalation.mode,
    dueAfterDays: escalation.dueAfterDays,
    routes: escalation.routes.map((route) => ({ team: route.team, accountTypes: route.accountTypes?.join(', ') ?? 'every other' })),
  };
}

/** A touch's days, and the offers it makes to every tier × exit reason × variant. */
function touchPlan(policy: Policy, rule: TouchRule, index: number): TouchPlan {
  const segments: SegmentChoice[] = [];
  for (const tier of policy.tiers)
    for (const exitReason of ExitReason.options)
      for (const variant of policy.variants) {
        const segment = { angle: rule.angle, tier: tier.name, exitReason, variant: variant.id };
        const candidates = policy.offers.filter((offer) => offerMatches(offer, segment));
        // A customer of the tier has at least its revenue, and at least the value floor.
        const floor = Math.max(tier.minMonthlyRevenue, policy.eligibility.minMonthlyRevenue);
        const offers = offerChoices(policy, candidates, floor).map(({ offer, from }) => ({
          offerId: offer.id,
          fromMonthlyRevenue: round(from),
        }));
        segments.push({ tier: tier.name, exitReason, variant: variant.id, offers });
      }
  return {
    touch: index + 1,
    angle: rule.angle,
    dayFrom: rule.dayFrom,
    dayTo: rule.dayTo,
    onlyIfNotReturned: rule.onlyIfNotReturned,
    segments,
  };
}

/**
 * Which offer a touch makes as monthly revenue grows from `floor`: the first matching offer, in
 * policy order, whose cost fits the cap. An offer fits from revenue r = cost / (S − costMonths),
 * S = maxShareOfValue × valueMonths (never, when costMonths ≥ S and it has a fixed cost).
 */
export function offerChoices(
  policy: Pick<Policy, 'offerCap'>,
  candidates: readonly Offer[],
  floor: number,
): Array<{ offer: Offer; from: number }> {
  const share = policy.offerCap ? policy.offerCap.maxShareOfValue * policy.offerCap.valueMonths : undefined;
  const fitsFrom = (offer: Offer): number => {
    if (share === undefined) return 0;
    const margin = share - offer.costMonths;
    if (margin > 1e-12) return offer.cost / margin;
    return offer.cost <= 0 && margin >= -1e-12 ? 0 : Infinity;
  };
  const thresholds = candidates.map(fitsFrom);
  const breakpoints = [...new Set([floor, ...thresholds.filter((t) => t > floor && Number.isFinite(t))])].sort((a, b) => a - b);
  const choices: Array<{ offer: Offer; from: number }> = [];
  for (const from of breakpoints) {
    // The same rounding margin as findOffer: an offer worth exactly the cap fits.
    const offer = candidates.find((_, i) => thresholds[i]! <= from + 1e-9);
    if (offer && choices.at(-1)?.offer !== offer) choices.push({ offer, from });
  }
  return choices;
}

/** The offer's text on every channel of the policy, as the engine composes it. */
function renderTexts(policy: Policy, offer: Offer, price: MessagePricer | undefined): RenderedText[] {
  const body = offer.text.replaceAll('{brand}', policy.brand);
  return policy.channels.map((channel) => {
    const text = channel === 'sms' ? `${body} ${policy.smsFooter}`.trim() : body;
    const priced = price?.(channel, text);
    return {
      channel,
      ...(channel === 'email' ? { subject: offer.subject.replaceAll('{brand}', policy.brand) } : {}),
      text,
      parts: CHANNEL_TABLE[channel].measure === 'sms_parts' ? smsParts(text) : 1,
      ...(priced ? { price: priced } : {}),
    };
  });
}

const round = (n: number) => Math.round(n * 100) / 100;
