import * as z from 'zod';
import { smsParts } from './sms.ts';
import { LINK_PLACEHOLDER, NOMINAL_LINK_LENGTH } from './tracked-link.ts';

/**
 * An offer's words in the customer's language. A policy writes its offers' `text` and `subject`,
 * and its `smsFooter`, in its own `language` (English when absent), and may add translations per
 * BCP 47 language tag. A customer's `locale` picks the words through a fallback chain: the exact
 * tag, then each shorter prefix of it, then the policy's language (`es-ES` → `es` → `en`).
 */

/** The policy's language when it names none. */
export const DEFAULT_LANGUAGE = 'en';

/** Tags already read: customers' locales are few, and `Intl` is slow to ask for each message. */
const canonical = new Map<string, string | undefined>();
const MAX_TAGS = 5000;

/** The canonical spelling of a BCP 47 tag (`es-es` → `es-ES`), or undefined when it is not one. */
export function canonicalLanguage(tag: string): string | undefined {
  if (canonical.has(tag)) return canonical.get(tag);
  let spelled: string | undefined;
  try {
    spelled = Intl.getCanonicalLocales(tag)[0];
  } catch {
    spelled = undefined;
  }
  if (canonical.size < MAX_TAGS) canonical.set(tag, spelled);
  return spelled;
}

/** A BCP 47 language tag in its canonical spelling, as policies key their translations. */
export const LanguageTag = z
  .string()
  .min(2)
  .max(35)
  .refine((tag) => canonicalLanguage(tag) === tag, 'must be a BCP 47 language tag in canonical form, such as es, es-ES or pt-BR')
  .meta({ description: 'language tag' });

/** A bare percentage discount, in the languages Winback ships texts in. */
const BARE_PERCENTAGE = /\d\s*%|\bper\s*cent\b|\bpercent\b|\bpor\s*ciento\b|\bprozent\b|процент/iu;

/** An offer's message text: concrete and honest, never a bare percentage. */
export const OfferText = z
  .string()
  .min(1)
  .max(600)
  .refine((text) => !BARE_PERCENTAGE.test(text), 'must not offer a bare percentage discount');

/** An e-mail subject. */
export const OfferSubject = z.string().min(1).max(150);

/** An SMS opt-out footer: how to stop the messages, in the text's language. */
export const SmsFooter = z.string().max(60);

/** One offer's words in one more language. */
export const OfferWords = z.object({
  text: OfferText.meta({ description: 'The offer’s text in this language; `{brand}` is replaced.', 'x-unit': 'characters' }),
  subject: OfferSubject.meta({ description: 'The e-mail subject in this language; `{brand}` is replaced.', 'x-unit': 'characters' }),
});

/** An offer's translations, by language tag. */
export const Translations = z.record(LanguageTag, OfferWords);

/**
 * The WhatsApp template an offer goes out as: business-initiated WhatsApp messages must be
 * templates Meta approved, in each language they are sent in. `parameters` fill the template's
 * body variables `{{1}}`, `{{2}}`, … in order, each with `{brand}` and `{link}` replaced.
 */
export const WhatsAppTemplate = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9_]{1,512}$/, 'must be a WhatsApp template name: lowercase letters, digits and underscores')
    .meta({ description: 'The approved template’s name (lowercase letters, digits and underscores, as Meta names them).' }),
  parameters: z.array(z.string().min(1).max(1024)).max(10).meta({
    description:
      'The values of the template’s body variables `{{1}}`, `{{2}}`, … in order; `{brand}` and `{link}` are replaced. The same in every language: the template carries the words.',
  }),
});
export type WhatsAppTemplate = z.output<typeof WhatsAppTemplate>;

/** A template ready to send: its name, the WhatsApp language code (`es_ES`) and the parameters filled in. */
export interface TemplateMessage {
  name: string;
  language: string;
  parameters: string[];
}

/** The WhatsApp language code of a BCP 47 tag: `es-ES` → `es_ES`, `pt-BR` → `pt_BR`, `de` → `de`. */
export const whatsAppLanguage = (tag: string) => tag.replaceAll('-', '_');

/** What the text choice reads of a policy. */
export interface TextPolicy {
  brand: string;
  /** The language of the offers' `text` and `subject` and of `smsFooter`; absent: {@link DEFAULT_LANGUAGE}. */
  language?: string | undefined;
  smsFooter: string;
  /** The SMS footer in other languages. */
  smsFooters?: Record<string, string> | undefined;
}

/** What the text choice reads of an offer. */
export interface TextOffer {
  text: string;
  subject: string;
  translations?: Record<string, { text: string; subject: string }> | undefined;
}

/** An offer's words as one customer reads them: `{brand}` filled in; `{link}` is the sender's. */
export interface LocalizedText {
  /** The language the words are in: the first of the customer's fallback chain the policy has. */
  language: string;
  text: string;
  subject: string;
  /** The SMS opt-out footer in the same language. */
  smsFooter: string;
}

/** The policy's own language. */
export const policyLanguage = (policy: Pick<TextPolicy, 'language'>): string => policy.language ?? DEFAULT_LANGUAGE;

/**
 * The languages to try for a customer's locale, in order: the tag, each shorter prefix, then the
 * policy's language (`es-ES` → `es` → `en`; `zh-Hant-TW` → `zh-Hant` → `zh` → `en`). A locale that
 * is no BCP 47 tag gets the policy's language only.
 */
export function languageChain(locale: string | undefined, fallback: string): string[] {
  const chain = prefixesOf(locale);
  return chain.includes(fallback) ? chain : [...chain, fallback];
}

/** A tag and each shorter prefix of it, canonical (`es-ES` → `es-ES`, `es`); none for what is no BCP 47 tag. */
function prefixesOf(tag: string | undefined): string[] {
  const canonical = tag === undefined ? undefined : canonicalLanguage(tag);
  if (!canonical) return [];
  const subtags = canonical.split('-');
  return subtags.map((_, i) => subtags.slice(0, subtags.length - i).join('-'));
}

/**
 * The words of `offer` for a customer whose locale is `locale`: the first language of the
 * fallback chain the offer is written in, and the SMS footer in that language (its own fallback
 * chain ends at `smsFooter`, which the policy's validation makes sure only the policy's language
 * reaches). Pure: the same inputs always give the same text.
 */
export function textFor(policy: TextPolicy, offer: TextOffer, locale: string | undefined): LocalizedText {
  const own = policyLanguage(policy);
  const language = languageChain(locale, own).find((tag) => tag === own || offer.translations?.[tag] !== undefined) ?? own;
  const words = language === own ? offer : offer.translations![language]!;
  return {
    language,
    text: words.text.replaceAll('{brand}', policy.brand),
    subject: words.subject.replaceAll('{brand}', policy.brand),
    smsFooter: footerFor(policy, language),
  };
}

/** The SMS footer for a language: its own, a shorter prefix's, else the policy's `smsFooter`. */
export function footerFor(policy: TextPolicy, language: string): string {
  const own = policyLanguage(policy);
  const tag = footerLanguage(policy, language) ?? own;
  return tag === own ? policy.smsFooter : policy.smsFooters![tag]!;
}

/** The language of the footer a language gets before any fallback to the policy's: undefined when it has none of its own. */
function footerLanguage(policy: TextPolicy, language: string): string | undefined {
  const own = policyLanguage(policy);
  return prefixesOf(language).find((t) => t === own || policy.smsFooters?.[t] !== undefined);
}

/** The whole SMS a text makes: the text, then the footer. */
export const smsBody = (text: Pick<LocalizedText, 'text' | 'smsFooter'>): string => `${text.text} ${text.smsFooter}`.trim();

/** A text problem of a policy: the JSON path it is at and what is wrong. */
export interface TextIssue {
  path: PropertyKey[];
  message: string;
}

/** What the text checks read of a policy. */
export interface CheckedPolicy extends TextPolicy {
  channels: readonly string[];
  smsMaxParts: number;
  offers: ReadonlyArray<TextOffer & { whatsappTemplate?: WhatsAppTemplate | undefined }>;
}

/**
 * Every text problem of a policy: on SMS, each offer's text in each of its languages must fit
 * `smsMaxParts` with the footer in that language and its `{link}` at {@link NOMINAL_LINK_LENGTH} (a Cyrillic text is UCS-2, 70 characters in one
 * part and 67 per part when split), and a translated text must have a footer in its own language,
 * so a Spanish text never ends in an English opt-out. A footer in the policy's own language
 * belongs in `smsFooter`.
 */
export function textIssues(policy: CheckedPolicy): TextIssue[] {
  const issues: TextIssue[] = [];
  const own = policyLanguage(policy);
  if (policy.smsFooters?.[own] !== undefined)
    issues.push({ path: ['smsFooters', own], message: `is the policy's own language (${own}): write it in smsFooter` });
  if (policy.channels.includes('whatsapp'))
    policy.offers.forEach((offer, i) => {
      if (!offer.whatsappTemplate)
        issues.push({
          path: ['offers', i, 'whatsappTemplate'],
          message: 'is required on WhatsApp: a business-initiated message must be an approved template',
        });
    });
  if (!policy.channels.includes('sms')) return issues;
  policy.offers.forEach((offer, i) => {
    for (const language of [own, ...Object.keys(offer.translations ?? {})]) {
      const path = language === own ? ['offers', i, 'text'] : ['offers', i, 'translations', language, 'text'];
      if (footerLanguage(policy, language) === undefined) {
        issues.push({ path, message: `has no SMS footer in its language: add smsFooters.${language} (or one for a shorter tag)` });
        continue;
      }
      // A link is a URL: GSM-7 characters, counted at its nominal length.
      const parts = smsParts(smsBody(textFor(policy, offer, language)).replaceAll(LINK_PLACEHOLDER, 'x'.repeat(NOMINAL_LINK_LENGTH)));
      if (parts > policy.smsMaxParts)
        issues.push({
          path,
          message: `as an SMS with the footer it takes ${parts} parts, more than smsMaxParts (${policy.smsMaxParts}): shorten it, or raise smsMaxParts`,
        });
    }
  });
  return issues;
}
