import * as z from 'zod';
import { doc } from './field-doc.ts';
import { OfferSubject, OfferText, Translations, WhatsAppTemplate } from './texts.ts';
import { ExitReason } from './vocabulary.ts';

/** An offer a touch makes: the first one, in policy order, that fits the touch and the customer. */
export const OfferSchema = z.object({
  id: z.string().min(1).max(64).meta(doc('Names the offer in journeys, KPIs and error messages; unique within the policy.')),
  angle: z.string().min(1).max(64).meta(doc('The touch angle (`touches[].angle`, `clickFollowUp.angle`) this offer is made for.')),
  exitReasons: z.array(ExitReason).min(1).optional().meta(doc('Exit reasons this offer answers; absent: any.')),
  tiers: z.array(z.string()).min(1).optional().meta(doc('Value tiers (`tiers[].name`) it is for; absent: any.')),
  variants: z.array(z.string()).min(1).optional().meta(doc('A/B variants (`variants[].id`) it is for; absent: any.')),
  text: OfferText.meta(
    doc(
      'Message text in the policy’s `language`; `{brand}` is replaced by the brand. Concrete and honest: a bare percentage discount is refused. As an SMS, with the footer, it must fit `smsMaxParts`.',
      'characters',
    ),
  ),
  subject: OfferSubject.meta(doc('E-mail subject in the policy’s `language`; `{brand}` is replaced.', 'characters')),
  translations: Translations.optional().meta(
    doc(
      'The text and subject in other languages, by BCP 47 tag (`es`, `es-MX`): a customer gets the first language of their locale’s fallback chain (`es-MX` → `es` → the policy’s `language`). Each is checked as `text` is, as an SMS with the footer in its language. Absent: the policy’s language only.',
    ),
  ),
  whatsappTemplate: WhatsAppTemplate.optional().meta(
    doc(
      'The approved WhatsApp template the offer goes out as on WhatsApp (business-initiated WhatsApp messages must be templates Meta approved, in each language they are sent in); required when `channels` has `whatsapp`.',
    ),
  ),
  url: z
    .url({ protocol: /^https$/, error: 'must be an https:// URL' })
    .max(2000)
    .optional()
    .meta(
      doc(
        'Where the offer’s tracked link (`{link}` in a text) leads after the click is recorded; absent: Winback’s own reactivation page, in the customer’s language, with the offer and a call-back button.',
      ),
    ),
  cost: z
    .number()
    .nonnegative()
    .default(0)
    .meta(doc('What the offer costs the operator if the customer takes it up, fixed part.', 'policy currency')),
  costMonths: z
    .number()
    .nonnegative()
    .max(120)
    .default(0)
    .meta(doc('Plus this many months of the customer’s own monthly revenue ("first month free" = 1).', 'months of revenue')),
});

export type Offer = z.output<typeof OfferSchema>;

/** The margin cap an offer must fit, when the policy has one. */
export interface OfferCap {
  maxShareOfValue: number;
  valueMonths: number;
}

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
export function offerBudget(policy: { offerCap?: OfferCap | undefined }, monthlyRevenue: number): number {
  return policy.offerCap ? policy.offerCap.maxShareOfValue * policy.offerCap.valueMonths * monthlyRevenue : Infinity;
}

/** Whether an offer answers this touch angle, exit reason, tier and variant (the margin cap aside). */
export function offerMatches(offer: Offer, context: Omit<OfferContext, 'monthlyRevenue'>): boolean {
  return (
    offer.angle === context.angle &&
    (!offer.exitReasons || offer.exitReasons.includes(context.exitReason as ExitReason)) &&
    (!offer.tiers || offer.tiers.includes(context.tier)) &&
    (!offer.variants || offer.variants.includes(context.variant))
  );
}

/** The first offer, in policy order, that fits the touch's angle, exit reason, tier and variant, within the margin cap. */
export function findOffer(policy: { offers: readonly Offer[]; offerCap?: OfferCap | undefined }, context: OfferContext): Offer | undefined {
  const budget = offerBudget(policy, context.monthlyRevenue);
  return policy.offers.find(
    // A rounding margin, so "a share of 12 months" admits an offer worth exactly that.
    (offer) => offerMatches(offer, context) && offerCost(offer, context.monthlyRevenue) <= budget + 1e-9,
  );
}
