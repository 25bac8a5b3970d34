import * as z from 'zod';
import { Channel, perChannelSchema } from './channels.ts';
import { ChurnKind, DAY_MS, ExitReason, Market } from './vocabulary.ts';
import { ValidationError } from './errors.ts';
import { toFieldIssues } from './events.ts';
import { smsParts } from './sms.ts';
import { EscalationSchema } from './escalation.ts';
import { ClockTime, LEGAL_SEND_WINDOWS, MarketWindow, marketWindowIssues, Weekday, windowsOutsideLaw } from './legal-send-windows.ts';

const TouchRule = z.object({
  /** First day (counted in whole days since the churn) the touch may be sent on. */
  dayFrom: z.number().int().nonnegative(),
  /** Last day, inclusive. */
  dayTo: z.number().int().nonnegative(),
  /** The argument the message makes; consecutive touches must make different ones. */
  angle: z.string().min(1).max(64),
  /** Send only while the customer has not returned (touch 2 of the port-out preset). */
  onlyIfNotReturned: z.boolean().default(true),
});

const Offer = z.object({
  id: z.string().min(1).max(64),
  angle: z.string().min(1).max(64),
  /** Exit reasons this offer answers; absent = any. */
  exitReasons: z.array(ExitReason).min(1).optional(),
  /** Value tiers it is for; absent = any. */
  tiers: z.array(z.string()).min(1).optional(),
  /** A/B variants it is for; absent = any. */
  variants: z.array(z.string()).min(1).optional(),
  /** Message text; `{brand}` is replaced. Concrete and honest: never a bare percentage. */
  text: z
    .string()
    .min(1)
    .max(600)
    .refine((text) => !/\d\s*%|\bper\s*cent\b|\bpercent\b/i.test(text), 'must not offer a bare percentage discount'),
  /** E-mail subject. */
  subject: z.string().min(1).max(150),
  /** What the offer costs the operator if taken up, in the policy currency. */
  cost: z.number().nonnegative().default(0),
  /** Plus this many months of the customer's own revenue ("your first month free" = 1). */
  costMonths: z.number().nonnegative().max(120).default(0),
});

/**
 * The legal basis a channel's consent rests on, and how long it lasts: an expired consent is no
 * consent. `expiresAfterDays` counts from the later of the contract's end (the churn) and the
 * last time the customer gave or renewed it.
 */
const ConsentRule = z.object({
  basis: z.enum(['consent', 'soft_opt_in', 'legitimate_interest']),
  expiresAfterDays: z.number().int().positive().optional(),
});

/** The least a customer can pay in a month, for checking that every customer has an offer within the margin cap. */
const SMALLEST_REVENUE = 1e-6;

export const PolicySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be lowercase letters, digits and dashes'),
    version: z.string().min(1).max(32),
    description: z.string().max(500).default(''),
    /** Brand name used in messages. */
    brand: z.string().min(1).max(40),
    currency: z.string().length(3).default('EUR'),
    churnKinds: z.array(ChurnKind).min(1),
    /**
     * Which churns this policy plans, beyond their kind: the markets (`US` also takes `US-FL`) and
     * brands it is for; absent = all. New journeys take the first policy that matches.
     */
    appliesTo: z
      .object({ markets: z.array(Market).min(1).optional(), brands: z.array(z.string().min(1).max(64)).min(1).optional() })
      .default({}),
    /** Lapse detection: a customer with no `customer.active` event for this many days churns with kind `lapse`. */
    lapse: z.object({ afterDays: z.number().int().positive().max(730) }).optional(),
    /** Nothing is sent after this day. */
    horizonDays: z.number().int().positive().max(730),
    /** No contact at all before this day. */
    quietDays: z.number().int().nonnegative(),
    /** A return counts as a win-back if it happens within this many days of the churn. */
    conversionWindowDays: z.number().int().positive(),
    touches: z.array(TouchRule).min(1).max(10),
    /** Local send window in the customer's time zone, [start, end). */
    sendWindow: z.object({
      start: ClockTime,
      end: ClockTime,
      weekdays: z.array(Weekday).min(1).default([1, 2, 3, 4, 5, 6]),
    }),
    frequencyCap: z.object({
      /** At most `maxMessages` messages to one customer in any `perHours` hours. */
      maxMessages: z.number().int().positive(),
      perHours: z.number().int().positive(),
      /** At most this many messages in one journey. */
      maxPerJourney: z.number().int().positive(),
    }),
    /** Channels in order of preference; only those with consent and a contact are used. */
    channels: z.array(Channel).min(1),
    /** Legal basis and expiry of each channel's consent; a channel without a rule: consent without expiry. */
    consent: perChannelSchema(ConsentRule.optional()).default({}),
    /**
     * The policy's own narrowing of the deployment's legal send windows, by market: a customer's
     * window is the policy's `sendWindow`, intersected with the legal window of their market and
     * with the most specific rule here (`US-FL`, else `US`). A rule can only narrow the law; one
     * sharing no hour with it is refused.
     */
    markets: z.array(MarketWindow).default([]),
    eligibility: z.object({
      /** `priorChurns` at or above this excludes the customer: repeat churners are loss-making. */
      maxPriorChurns: z.number().int().positive().default(2),
      /** Exclude a customer who was won back by this engine before and churned again. */
      excludeAfterWinback: z.boolean().default(true),
      /** Value floor: below this monthly revenue the customer is not worth a touch. */
      minMonthlyRevenue: z.number().nonnegative().default(0),
    }),
    /** Value tiers, first match wins; the last must match everyone (zero thresholds). */
    tiers: z
      .array(
        z.object({
          name: z.string().min(1).max(32),
          minMonthlyRevenue: z.number().nonnegative().default(0),
          minTenureMonths: z.number().int().nonnegative().default(0),
        }),
      )
      .min(1),
    /** Control group: this share of eligible customers gets the same plan, recorded, never sent. */
    holdout: z.object({ percent: z.number().min(0).max(50), salt: z.string().min(1) }),
    variants: z.array(z.object({ id: z.string().min(1).max(16), weight: z.number().positive() })).min(1),
    /** Appended to every SMS. */
    smsFooter: z.string().max(60).default('Reply STOP to opt out.'),
    /**
     * Most billed parts an SMS may take, footer included (1 part = 160 GSM-7 characters, or 70
     * with any other character). Each part is billed as a message: an offer text one character
     * too long would double the SMS bill, so the policy is refused instead.
     */
    smsMaxParts: z.number().int().min(1).max(10).default(1),
    /**
     * A click without a return earns one follow-up touch, `afterDays` after the click (inside the
     * send window, before the horizon), with the offer for `angle`. Caps still apply.
     */
    clickFollowUp: z.object({ afterDays: z.number().int().positive(), angle: z.string().min(1).max(64) }).optional(),
    /**
     * Margin cap: an offer may cost at most `maxShareOfValue` of the customer's expected value
     * over `valueMonths` months (monthly revenue × months). A touch takes the first offer, in
     * policy order, within the cap: list the richest first and end each angle with one that
     * costs nothing.
     */
    offerCap: z
      .object({ maxShareOfValue: z.number().positive().max(1), valueMonths: z.number().int().positive().max(60).default(12) })
      .optional(),
    escalation: EscalationSchema.optional(),
    offers: z.array(Offer).min(1),
  })
  .superRefine((policy, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (policy.sendWindow.start >= policy.sendWindow.end) issue(['sendWindow', 'end'], 'must be after sendWindow.start');
    for (const { path, message } of marketWindowIssues(policy.markets)) issue(['markets', ...path], message);
    for (const { path, message } of windowsOutsideLaw(policy.markets, LEGAL_SEND_WINDOWS)) issue(['markets', ...path], message);
    if (policy.conversionWindowDays > policy.horizonDays) issue(['conversionWindowDays'], 'must not exceed horizonDays');
    policy.touches.forEach((touch, i) => {
      if (touch.dayFrom < policy.quietDays) issue(['touches', i, 'dayFrom'], `must be at least quietDays (${policy.quietDays})`);
      if (touch.dayTo < touch.dayFrom) issue(['touches', i, 'dayTo'], 'must not be before dayFrom');
      if (touch.dayTo > policy.horizonDays) issue(['touches', i, 'dayTo'], `must not exceed horizonDays (${policy.horizonDays})`);
      const previous = policy.touches[i - 1];
      if (previous && touch.dayFrom <= previous.dayTo) issue(['touches', i, 'dayFrom'], 'must be after the previous touch window');
      if (previous && touch.angle === previous.angle) issue(['touches', i, 'angle'], 'must differ from the previous touch');
    });
    if (policy.lapse && !policy.churnKinds.includes('lapse')) issue(['lapse'], 'needs "lapse" in churnKinds');
    const routes = policy.escalation?.routes ?? [];
    if (routes.length > 0 && routes.at(-1)!.accountTypes)
      issue(['escalation', 'routes', routes.length - 1], 'the last route must take every account type (no accountTypes)');
    const lastTier = policy.tiers.at(-1);
    if (lastTier && (lastTier.minMonthlyRevenue > 0 || lastTier.minTenureMonths > 0)) {
      issue(['tiers', policy.tiers.length - 1], 'the last tier must match everyone (zero thresholds)');
    }
    if (policy.channels.includes('sms')) {
      policy.offers.forEach((offer, i) => {
        const parts = smsParts(`${offer.text.replaceAll('{brand}', policy.brand)} ${policy.smsFooter}`.trim());
        if (parts > policy.smsMaxParts)
          issue(
            ['offers', i, 'text'],
            `as an SMS with the footer it takes ${parts} parts, more than smsMaxParts (${policy.smsMaxParts}): shorten it, or raise smsMaxParts`,
          );
      });
    }
    // Every touch (and the click follow-up) must have an offer for every exit reason, tier and
    // variant it can meet; under a margin cap, one within the cap of the smallest customer (a
    // fixed cost above 0 is over it, a share of their own revenue may not be).
    const angles: Array<[PropertyKey[], string]> = policy.touches.map((touch, i) => [['touches', i, 'angle'], touch.angle]);
    if (policy.clickFollowUp) {
      angles.push([['clickFollowUp', 'angle'], policy.clickFollowUp.angle]);
      if (policy.clickFollowUp.afterDays > policy.horizonDays)
        issue(['clickFollowUp', 'afterDays'], `must not exceed horizonDays (${policy.horizonDays})`);
    }
    angles.forEach(([path, angle]) => {
      for (const exitReason of ExitReason.options)
        for (const tier of policy.tiers)
          for (const variant of policy.variants)
            if (!findOffer(policy, { angle, exitReason, tier: tier.name, variant: variant.id, monthlyRevenue: SMALLEST_REVENUE })) {
              const free = policy.offerCap ? ' within the margin cap of every customer (offerCap: end with one that costs nothing)' : '';
              issue(
                path,
                `no offer${free} for angle "${angle}", exit reason "${exitReason}", tier "${tier.name}", variant "${variant.id}"`,
              );
              return;
            }
    });
  });

export type Policy = z.output<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type Offer = Policy['offers'][number];
export type TouchRule = Policy['touches'][number];

export interface OfferContext {
  angle: string;
  exitReason: string;
  tier: string;
  variant: string;
  /** The customer's monthly revenue: prices `costMonths` and sets the margin cap, if the policy has one. */
  monthlyRevenue: number;
}

/** What an offer costs if taken up by a customer with this monthly revenue. */
export function offerCost(offer: Pick<Offer, 'cost' | 'costMonths'>, monthlyRevenue: number): number {
  return offer.cost + offer.costMonths * monthlyRevenue;
}

/** The most an offer may cost for this customer under the policy's margin cap (Infinity without one). */
export function offerBudget(policy: Pick<Policy, 'offerCap'>, monthlyRevenue: number): number {
  return policy.offerCap ? policy.offerCap.maxShareOfValue * policy.offerCap.valueMonths * monthlyRevenue : Infinity;
}

/** The first offer, in policy order, that fits the touch's angle, exit reason, tier and variant, within the margin cap. */
export function findOffer(policy: Pick<Policy, 'offers' | 'offerCap'>, context: OfferContext): Offer | undefined {
  const budget = offerBudget(policy, context.monthlyRevenue);
  return policy.offers.find(
    (offer) =>
      offer.angle === context.angle &&
      (!offer.exitReasons || offer.exitReasons.includes(context.exitReason as ExitReason)) &&
      (!offer.tiers || offer.tiers.includes(context.tier)) &&
      (!offer.variants || offer.variants.includes(context.variant)) &&
      // A rounding margin, so "a share of 12 months" admits an offer worth exactly that.
      offerCost(offer, context.monthlyRevenue) <= budget + 1e-9,
  );
}

/** The first instant after the journey's horizon: nothing is sent from then on, and the journey has ended. */
export function horizonEndMs(policy: Pick<Policy, 'horizonDays'>, churnedAtMs: number): number {
  return churnedAtMs + (policy.horizonDays + 1) * DAY_MS;
}

/** Validates a policy document; a bad one fails with every field at fault named. */
export function parsePolicy(input: unknown): Policy {
  const result = PolicySchema.safeParse(input);
  if (!result.success) throw new ValidationError('invalid policy', toFieldIssues(result.error));
  return result.data;
}
