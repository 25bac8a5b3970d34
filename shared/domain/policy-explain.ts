import { CHANNEL_TABLE, type Channel } from './channels.ts';
import { describeWindow, LEGAL_SEND_WINDOWS, type LegalSendWindows } from './legal-send-windows.ts';
import type { Policy, TouchRule } from './policy.ts';
import { type Offer, offerMatches } from './policy-offers.ts';
import { smsParts } from './sms.ts';
import { sendWindowFor } from './targeting.ts';
import { policyLanguage, smsBody, type TemplateMessage, textFor, whatsAppLanguage } from './texts.ts';
import { LINK_PLACEHOLDER, NOMINAL_LINK_LENGTH } from './tracked-link.ts';
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
  /** The text, `{brand}` replaced; a `{link}` stays, as the touch's own link replaces it when sent. */
  text: string;
  /**
   * SMS: billed parts (GSM-7 or UCS-2), footer included, a `{link}` counted at
   * {@link NOMINAL_LINK_LENGTH} characters; other channels: 1 message.
   */
  parts: number;
  price?: { cost: number; currency: string };
  /** WhatsApp: the approved template it goes out as, in the text's language (`{link}` stays). */
  template?: TemplateMessage;
}

/** An offer's texts in one more language than the policy's own. */
export interface TranslatedTexts {
  /** The BCP 47 tag: customers whose locale's fallback chain reaches it first get these. */
  language: string;
  texts: RenderedText[];
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
  /** The texts in the policy's own language. */
  texts: RenderedText[];
  /** The texts in each language of the offer's `translations`; absent when it has none. */
  translations?: TranslatedTexts[];
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
  /** The policy's own language: that of `offers[].texts`. */
  language: string;
  channels: Array<{
    channel: Channel;
    basis: string;
    expiresAfterDays?: number;
    deployedInAws: boolean;
    /** Present (true) for a channel an AWS deployment has only where its settings configure it. */
    configurableInAws?: true;
  }>;
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
  /** The channels every AWS deployment has adapters for. */
  deployedInAws: readonly Channel[];
  /** The channels an AWS deployment has adapters for only where its settings configure them. */
  configurableInAws?: readonly Channel[];
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
    language: policyLanguage(policy),
    channels: channelsOf(policy, options),
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
      ...offerTexts(policy, offer, options.price),
    })),
  };
}

/** The channels in order of preference, each with its consent rule and whether AWS can send on it. */
function channelsOf(policy: Policy, options: ExplainOptions): Explanation['channels'] {
  return policy.channels.map((channel) => {
    const rule = policy.consent[channel];
    const deployedInAws = options.deployedInAws.includes(channel);
    return {
      channel,
      basis: rule?.basis ?? 'consent',
      ...(rule?.expiresAfterDays !== undefined ? { expiresAfterDays: rule.expiresAfterDays } : {}),
      deployedInAws,
      ...(!deployedInAws && options.configurableInAws?.includes(channel) ? { configurableInAws: true as const } : {}),
    };
  });
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

/** The offer's texts in the policy's language and, when it has translations, in each of theirs. */
function offerTexts(policy: Policy, offer: Offer, price: MessagePricer | undefined): Pick<OfferExplained, 'texts' | 'translations'> {
  const own = policyLanguage(policy);
  const translations = Object.keys(offer.translations ?? {}).map((language) => ({
    language,
    texts: renderTexts(policy, offer, language, price),
  }));
  return { texts: renderTexts(policy, offer, own, price), ...(translations.length > 0 ? { translations } : {}) };
}

/** The offer's text on every channel of the policy in one language, as the engine composes it. */
function renderTexts(policy: Policy, offer: Offer, language: string, price: MessagePricer | undefined): RenderedText[] {
  const words = textFor(policy, offer, language);
  return policy.channels.map((channel) => {
    const text = channel === 'sms' ? smsBody(words) : words.text;
    // Measured and priced with a link of the nominal length, as the policy check counts it.
    const measured = text.replaceAll(LINK_PLACEHOLDER, 'x'.repeat(NOMINAL_LINK_LENGTH));
    const priced = price?.(channel, measured);
    const template = channel === 'whatsapp' ? offer.whatsappTemplate : undefined;
    return {
      channel,
      ...(channel === 'email' || channel === 'push' ? { subject: words.subject } : {}),
      text,
      parts: CHANNEL_TABLE[channel].measure === 'sms_parts' ? smsParts(measured) : 1,
      ...(priced ? { price: priced } : {}),
      ...(template
        ? {
            template: {
              name: template.name,
              language: whatsAppLanguage(words.language),
              parameters: template.parameters.map((parameter) => parameter.replaceAll('{brand}', policy.brand)),
            },
          }
        : {}),
    };
  });
}

const round = (n: number) => Math.round(n * 100) / 100;
