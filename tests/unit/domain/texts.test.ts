import { describe, expect, it } from 'vitest';
import type { ValidationError } from '#shared/domain/errors';
import { parsePolicy, type PolicyInput } from '#shared/domain/policy';
import { EMBEDDED_POLICIES } from '#shared/domain/policy-registry';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { smsParts } from '#shared/domain/sms';
import { languageChain, smsBody, textFor } from '#shared/domain/texts';

/** A one-offer policy built on the default, with the texts under test. */
function withOffer(fields: Partial<PolicyInput>, offer: Record<string, unknown>): PolicyInput {
  return {
    ...structuredClone(telecomPortOut),
    touches: [{ dayFrom: 30, dayTo: 45, angle: 'fix', onlyIfNotReturned: true }],
    escalation: undefined,
    channels: ['sms', 'email'],
    smsMaxParts: 1,
    offers: [{ id: 'only', angle: 'fix', text: '{brand}: hello.', subject: 'Hello', ...offer }],
    ...fields,
  } as PolicyInput;
}

/** The issues a policy is refused with, as `path: message`, as `parsePolicy` names them. */
function issuesOf(input: PolicyInput): string[] {
  try {
    parsePolicy(input);
    return [];
  } catch (error) {
    return (error as ValidationError).details.map((issue) => `${issue.path}: ${issue.message}`);
  }
}

describe('languageChain', () => {
  it('tries the tag, each shorter prefix, then the policy language', () => {
    expect(languageChain('es-ES', 'en')).toEqual(['es-ES', 'es', 'en']);
    expect(languageChain('zh-hant-tw', 'en')).toEqual(['zh-Hant-TW', 'zh-Hant', 'zh', 'en']);
    expect(languageChain('en-GB', 'en')).toEqual(['en-GB', 'en']);
  });

  it('falls back to the policy language for a locale that is no language tag', () => {
    expect(languageChain('not a locale!', 'de')).toEqual(['de']);
    expect(languageChain(undefined, 'en')).toEqual(['en']);
  });
});

describe('textFor', () => {
  const policy = parsePolicy(
    withOffer(
      { smsFooters: { es: 'Responde STOP.', 'es-MX': 'Responde STOP, por favor.', ru: 'Ответьте STOP.' } },
      {
        translations: {
          es: { text: '{brand}: hola.', subject: 'Hola' },
          'es-MX': { text: '{brand}: ¿qué onda?', subject: 'Qué onda' },
          ru: { text: '{brand}: привет.', subject: 'Привет' },
        },
      },
    ),
  );
  const offer = policy.offers[0]!;

  it('picks the first language of the chain the offer is written in, with the footer in that language', () => {
    expect(textFor(policy, offer, 'es-ES')).toEqual({
      language: 'es',
      text: 'Winback Mobile: hola.',
      subject: 'Hola',
      smsFooter: 'Responde STOP.',
    });
    expect(textFor(policy, offer, 'es-MX')).toMatchObject({ language: 'es-MX', text: 'Winback Mobile: ¿qué onda?' });
    expect(textFor(policy, offer, 'es-MX').smsFooter).toBe('Responde STOP, por favor.');
  });

  it('falls back to the policy language, and its footer, for a language the offer lacks', () => {
    expect(textFor(policy, offer, 'pt-BR')).toEqual({
      language: 'en',
      text: 'Winback Mobile: hello.',
      subject: 'Hello',
      smsFooter: 'Reply STOP to opt out.',
    });
  });

  it('takes the footer of a shorter tag when the exact one has none', () => {
    const ruPolicy = parsePolicy(
      withOffer({ smsFooters: { ru: 'Ответьте STOP.' } }, { translations: { 'ru-RU': { text: 'Привет', subject: 'Привет' } } }),
    );
    expect(textFor(ruPolicy, ruPolicy.offers[0]!, 'ru-RU')).toMatchObject({ language: 'ru-RU', smsFooter: 'Ответьте STOP.' });
  });
});

describe('policy texts per language', () => {
  it('counts a Cyrillic SMS in UCS-2 parts: 70 characters in one, 67 per part when split', () => {
    // Prepare: 53 Cyrillic letters + a space + a 16-character footer = 70 (one part); one more letter, 71: two parts.
    const footer = 'Ответьте STOP ок';
    const fits = withOffer({ smsFooters: { ru: footer } }, { translations: { ru: { text: 'Ж'.repeat(53), subject: 'Ж' } } });
    const over = withOffer({ smsFooters: { ru: footer } }, { translations: { ru: { text: 'Ж'.repeat(54), subject: 'Ж' } } });

    // Act / Assess
    expect(smsParts(`${'Ж'.repeat(53)} ${footer}`)).toBe(1);
    expect(smsParts(`${'Ж'.repeat(54)} ${footer}`)).toBe(2);
    expect(issuesOf(fits)).toEqual([]);
    expect(issuesOf(over)).toEqual([
      'offers[0].translations.ru.text: as an SMS with the footer it takes 2 parts, more than smsMaxParts (1): shorten it, or raise smsMaxParts',
    ]);
    expect(issuesOf({ ...over, smsMaxParts: 2 })).toEqual([]);
  });

  it('refuses a translated SMS text without an opt-out footer in its language', () => {
    const input = withOffer({ smsFooters: {} }, { translations: { 'fr-FR': { text: 'Bonjour', subject: 'Bonjour' } } });
    expect(issuesOf(input)).toEqual([
      'offers[0].translations.fr-FR.text: has no SMS footer in its language: add smsFooters.fr-FR (or one for a shorter tag)',
    ]);
    // An e-mail-only policy has no SMS footer to write.
    expect(issuesOf({ ...input, channels: ['email'] })).toEqual([]);
  });

  it('refuses a bare percentage in any language, a tag that is not canonical, and a footer for the policy language', () => {
    const words = { text: 'x', subject: 'x' };
    const percentage = withOffer({}, { translations: { es: { text: '{brand}: un 20 por ciento menos', subject: 'x' } } });
    expect(issuesOf(percentage)).toContain('offers[0].translations.es.text: must not offer a bare percentage discount');
    expect(issuesOf(withOffer({}, { translations: { es_ES: words } }))).toEqual([
      'offers[0].translations.es_ES: must be a BCP 47 language tag in canonical form, such as es, es-ES or pt-BR',
    ]);
    expect(issuesOf(withOffer({ smsFooters: { en: 'Reply STOP.' } }, {}))).toEqual([
      "smsFooters.en: is the policy's own language (en): write it in smsFooter",
    ]);
  });

  it('the embedded policies that plan new journeys speak English, Spanish, German and Russian, each SMS within its parts', () => {
    for (const input of EMBEDDED_POLICIES.current) {
      const policy = parsePolicy(input);
      for (const offer of policy.offers) {
        const languages = ['en-GB', 'es-ES', 'de-DE', 'ru-RU'].map((locale) => textFor(policy, offer, locale));
        expect(languages.map((text) => text.language)).toEqual(['en', 'es', 'de', 'ru']);
        // A link counts at its nominal length: a URL on a short domain.
        for (const text of languages)
          expect(smsParts(smsBody(text).replace('{link}', 'x'.repeat(64)))).toBeLessThanOrEqual(policy.smsMaxParts);
      }
    }
  });
});
