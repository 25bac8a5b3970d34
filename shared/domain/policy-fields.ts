import * as z from 'zod';
import { Channel, perChannelSchema } from './channels.ts';
import { EscalationSchema } from './escalation.ts';
import { ClockTime, MarketWindow, Weekday } from './legal-send-windows.ts';
import { doc } from './field-doc.ts';
import { OfferSchema } from './policy-offers.ts';
import { LanguageTag, SmsFooter } from './texts.ts';
import { ChurnKind, Market } from './vocabulary.ts';

/**
 * The fields of a policy, each documented with `doc` (what it means, its unit): the JSON Schema
 * (docs/schemas/policy.schema.json) and the field reference of docs/policies.md are generated
 * from these. The rules between fields are in policy.ts.
 */

const TouchRule = z.object({
  dayFrom: z
    .number()
    .int()
    .nonnegative()
    .meta(doc('First day the touch may be sent on, counted in whole days since the churn (day 0 is the churn’s first 24 hours).', 'days')),
  dayTo: z.number().int().nonnegative().meta(doc('Last day the touch may be sent on, inclusive.', 'days')),
  angle: z
    .string()
    .min(1)
    .max(64)
    .meta(doc('The argument the message makes; selects its offer. Consecutive touches must make different ones.')),
  onlyIfNotReturned: z.boolean().default(true).meta(doc('Send only while the customer has not returned.')),
});

/**
 * The legal basis a channel's consent rests on, and how long it lasts: an expired consent is no
 * consent.
 */
const ConsentRule = z.object({
  basis: z.enum(['consent', 'soft_opt_in', 'legitimate_interest']).meta(doc('The legal basis of contacting the customer on this channel.')),
  expiresAfterDays: z
    .number()
    .int()
    .positive()
    .optional()
    .meta(
      doc('The consent lapses this long after the later of the churn (the contract’s end) and its last renewal; absent: never.', 'days'),
    ),
});

const Tier = z.object({
  name: z.string().min(1).max(32).meta(doc('Names the tier in segments, offers (`offers[].tiers`) and KPIs.')),
  minMonthlyRevenue: z.number().nonnegative().default(0).meta(doc('Least monthly revenue of the tier.', 'policy currency per month')),
  minTenureMonths: z.number().int().nonnegative().default(0).meta(doc('Least tenure of the tier.', 'months')),
});

const identity = {
  id: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, 'must be lowercase letters, digits and dashes')
    .meta(doc('The policy’s id: lowercase letters, digits and dashes. `id@version` names a policy in journeys and KPIs.')),
  version: z.string().min(1).max(32).meta(doc('The version; a released version is never changed, a change is a new version.')),
  description: z.string().max(500).default('').meta(doc('What the policy is for, for people.')),
  brand: z.string().min(1).max(40).meta(doc('Brand name that replaces `{brand}` in texts and subjects.')),
  currency: z.string().length(3).default('EUR').meta(doc('ISO 4217 currency of every cost and revenue in the policy.')),
  churnKinds: z.array(ChurnKind).min(1).meta(doc('The churn kinds this policy plans.')),
  appliesTo: z
    .object({
      markets: z.array(Market).min(1).optional().meta(doc('ISO 3166 markets it plans (`US` also takes `US-FL`); absent: all.')),
      brands: z.array(z.string().min(1).max(64)).min(1).optional().meta(doc('Brands (the churn event’s `brand`) it plans; absent: all.')),
    })
    .default({})
    .meta(doc('Which churns of its kinds the policy plans; new journeys take the first policy that applies.')),
  lapse: z
    .object({
      afterDays: z
        .number()
        .int()
        .positive()
        .max(730)
        .meta(doc('A customer with no `customer.active` event for this long churns with kind `lapse`.', 'days')),
    })
    .optional()
    .meta(doc('Lapse detection; needs `lapse` in `churnKinds`. Absent: none.')),
};

const timing = {
  horizonDays: z
    .number()
    .int()
    .positive()
    .max(730)
    .meta(doc('Nothing is sent after this day since the churn; the journey ends then.', 'days')),
  quietDays: z.number().int().nonnegative().meta(doc('No contact at all before this day since the churn.', 'days')),
  conversionWindowDays: z
    .number()
    .int()
    .positive()
    .meta(doc('A return within this many days of the churn counts as a win-back; at most `horizonDays`.', 'days')),
  touches: z
    .array(TouchRule)
    .min(1)
    .max(10)
    .meta(doc('The touches, in order; windows must not overlap. A touch is named by its number (touch 1 is the first).')),
  sendWindow: z
    .object({
      start: ClockTime.meta(doc('Opening time, local to the customer.', 'HH:mm')),
      end: ClockTime.meta(doc('Closing time, exclusive; `24:00` is midnight.', 'HH:mm')),
      weekdays: z.array(Weekday).min(1).default([1, 2, 3, 4, 5, 6]).meta(doc('Days messages may go out on.', 'ISO weekdays, 1 = Monday')),
    })
    .meta(doc('Local send window in the customer’s time zone, [start, end), narrowed by the legal window of their market.')),
  frequencyCap: z
    .object({
      maxMessages: z.number().int().positive().meta(doc('At most this many messages to one customer in any `perHours` hours.', 'messages')),
      perHours: z.number().int().positive().meta(doc('The span `maxMessages` counts over.', 'hours')),
      maxPerJourney: z.number().int().positive().meta(doc('At most this many messages in one journey.', 'messages')),
    })
    .meta(doc('Caps on messages per customer, checked when a touch is due.')),
};

const reach = {
  channels: z
    .array(Channel)
    .min(1)
    .meta(doc('Channels in order of preference; a customer gets the first one with a contact and a valid consent.')),
  consent: perChannelSchema(ConsentRule.optional().meta(doc('This channel’s legal basis and expiry; absent: consent without expiry.')))
    .default({})
    .meta(doc('The legal basis and expiry of each channel’s consent.')),
  markets: z
    .array(MarketWindow)
    .default([])
    .meta(
      doc(
        'The policy’s own narrowing of the legal send windows, by market (most specific first: `US-FL`, then `US`). It can only narrow the law.',
      ),
    ),
};

const audience = {
  eligibility: z
    .object({
      maxPriorChurns: z
        .number()
        .int()
        .positive()
        .default(2)
        .meta(doc('`priorChurns` at or above this excludes the customer (`repeat_churner`): repeat churners are loss-making.', 'churns')),
      excludeAfterWinback: z
        .boolean()
        .default(true)
        .meta(doc('Exclude a customer won back by Winback before who churned again (`won_back_before`).')),
      minMonthlyRevenue: z
        .number()
        .nonnegative()
        .default(0)
        .meta(doc('Value floor: below this monthly revenue the customer is excluded (`below_value_floor`).', 'policy currency per month')),
    })
    .meta(doc('Who is excluded from a journey, and why.')),
  tiers: z.array(Tier).min(1).meta(doc('Value tiers, first match wins; the last must match everyone (zero thresholds).')),
  holdout: z
    .object({
      percent: z.number().min(0).max(50).meta(doc('Share of eligible customers in the control group.', 'percent')),
      salt: z
        .string()
        .min(1)
        .meta(
          doc(
            'Mixed into the hash of the customer id that assigns arm and variant; keep it across versions to keep everyone where they were.',
          ),
        ),
    })
    .meta(doc('Control group: planned like the others, recorded, never sent.')),
  variants: z
    .array(
      z.object({
        id: z.string().min(1).max(16).meta(doc('Names the variant in offers (`offers[].variants`) and KPIs.')),
        weight: z.number().positive().meta(doc('Relative share of customers in this variant.')),
      }),
    )
    .min(1)
    .meta(doc('A/B variants, split by weight.')),
};

const messages = {
  language: LanguageTag.optional().meta(
    doc('The language (BCP 47 tag) of the offers’ `text` and `subject` and of `smsFooter`; absent: `en`.'),
  ),
  smsFooter: SmsFooter.default('Reply STOP to opt out.').meta(doc('Appended to every SMS in the policy’s `language`.', 'characters')),
  smsFooters: z
    .record(LanguageTag, SmsFooter)
    .optional()
    .meta(
      doc(
        'The SMS footer in each other language the offers are translated to, by BCP 47 tag; a translation needs one in its language (or a shorter tag’s). Absent: none.',
      ),
    ),
  smsMaxParts: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(1)
    .meta(
      doc(
        'Most billed parts an SMS may take, footer included (1 part = 160 GSM-7 characters, or 70 with any other character; 153 and 67 per part once split). A longer offer text is refused.',
        'SMS parts',
      ),
    ),
  clickFollowUp: z
    .object({
      afterDays: z.number().int().positive().meta(doc('The follow-up is due this long after the click.', 'days')),
      angle: z.string().min(1).max(64).meta(doc('The angle whose offer the follow-up makes.')),
    })
    .optional()
    .meta(
      doc(
        'A click without a return earns one follow-up touch, inside the send window and before the horizon; caps still apply. Absent: none.',
      ),
    ),
  offerCap: z
    .object({
      maxShareOfValue: z
        .number()
        .positive()
        .max(1)
        .meta(doc('An offer may cost at most this share of the customer’s expected value.', 'share, 0–1')),
      valueMonths: z
        .number()
        .int()
        .positive()
        .max(60)
        .default(12)
        .meta(doc('The expected value is the monthly revenue times this.', 'months')),
    })
    .optional()
    .meta(
      doc(
        'Margin cap: a touch takes the first offer, in policy order, within it; list the richest first and end each angle with one that costs nothing. Absent: no cap.',
      ),
    ),
  escalation: EscalationSchema.optional().meta(
    doc('High-value accounts go to a retention team instead of (or before) the automated touches. Absent: none.'),
  ),
  offers: z
    .array(OfferSchema)
    .min(1)
    .meta(doc('The offers, in order of preference; every touch needs one for every exit reason, tier and variant it can meet.')),
};

/** Every field of a policy; `PolicySchema` (policy.ts) adds the rules between them. */
export const PolicyFields = z.object({ ...identity, ...timing, ...reach, ...audience, ...messages });
