import { describe, expect, it } from 'vitest';
import { telecomPortOutV3 } from '#shared/domain/policies/telecom-port-out';
import { parsePolicy } from '#shared/domain/policy';
import { explainPolicy } from '#shared/domain/policy-explain';
import { checkPolicyText } from '#shared/domain/policy-file';
import { smsParts } from '#shared/domain/sms';
import { NOMINAL_LINK_LENGTH } from '#shared/domain/tracked-link';
import { renderExplanation } from '../../../bin/explain-text.ts';

const json = (value: unknown) => JSON.stringify(value, null, 2);
const options = { deployedInAws: ['sms', 'email'] as const, configurableInAws: ['whatsapp'] as const };

describe('a policy with texts per language', () => {
  const explained = explainPolicy(parsePolicy(telecomPortOutV3), options);
  const coverage = explained.offers.find((offer) => offer.offerId === 'fix-coverage')!;

  it('explains each offer in the policy’s language and in each translation, every channel as the engine composes it', () => {
    expect(explained.language).toBe('en');
    expect(coverage.translations!.map((t) => t.language)).toEqual(['es', 'de', 'ru']);
    const ru = coverage.translations!.find((t) => t.language === 'ru')!.texts;
    const sms = ru.find((t) => t.channel === 'sms')!;
    // The Russian footer, the link kept as a placeholder; UCS-2 parts counted with a link of the nominal length.
    expect(sms.text).toMatch(/^Winback Mobile: рядом с вами .+ \{link\} Отписаться: STOP$/);
    expect(sms.parts).toBe(smsParts(sms.text.replace('{link}', 'x'.repeat(NOMINAL_LINK_LENGTH))));
    expect(sms.parts).toBe(3);
    expect(ru.find((t) => t.channel === 'email')).toMatchObject({ subject: 'Связь в вашем районе стала лучше', parts: 1 });
    // WhatsApp: the approved template in the text's language, the brand filled in.
    expect(coverage.translations![0]!.texts.find((t) => t.channel === 'whatsapp')!.template).toEqual({
      name: 'winback_fix_coverage',
      language: 'es',
      parameters: ['Winback Mobile', '{link}'],
    });
  });

  it('says which channels AWS sends on only where the settings configure them', () => {
    expect(explained.channels.map((c) => [c.channel, c.deployedInAws, c.configurableInAws ?? false])).toEqual([
      ['sms', true, false],
      ['whatsapp', false, true],
      ['email', true, false],
      ['push', false, false],
    ]);
  });

  it('renders every language for people', () => {
    const text = renderExplanation(explained);
    expect(text).toContain(
      "Languages: en (the policy's), es, de, ru (a customer gets the first of their locale's fallback chain, else en).",
    );
    expect(text).toContain('  whatsapp: basis consent — in AWS only where the settings configure it (docs/deploy.md)');
    expect(text).toMatch(/\n {4}in ru:\n {6}sms \(3 parts\): Winback Mobile: рядом с вами/);
    expect(text).toContain('whatsapp (1 message): template winback_fix_coverage in de with "Winback Mobile", "{link}"');
  });
});

describe('policy check, per language', () => {
  it('names the offer, the language and the field at fault, and an unknown field inside a translation', () => {
    const offers = telecomPortOutV3.offers.map((offer, i) =>
      i === 0
        ? {
            ...offer,
            translations: {
              ...offer.translations,
              ru: { text: `{brand}: ${'ы'.repeat(150)} {link}`, subject: 'Тема', subjcet: 'опечатка' },
              'pt-BR': { text: 'Volte: 20% de desconto', subject: 'Volte' },
            },
          }
        : offer,
    );
    const result = checkPolicyText(json({ ...telecomPortOutV3, offers }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual(
      expect.arrayContaining([
        {
          path: 'offers[0].translations.ru.subjcet (offer "fix-coverage")',
          message: 'unknown field "subjcet" (did you mean "subject"?): the policy schema has no such field',
        },
        { path: 'offers[0].translations.pt-BR.text (offer "fix-coverage")', message: 'must not offer a bare percentage discount' },
      ]),
    );
  });

  it('refuses a translated SMS that does not fit its parts with its own footer and a link', () => {
    const offers = telecomPortOutV3.offers.map((offer, i) =>
      i === 0
        ? { ...offer, translations: { ...offer.translations, ru: { text: `{brand}: ${'ы'.repeat(100)} {link}`, subject: 'Тема' } } }
        : offer,
    );
    const result = checkPolicyText(json({ ...telecomPortOutV3, offers }));
    expect(!result.ok && result.problems).toEqual([
      {
        path: 'offers[0].translations.ru.text (offer "fix-coverage")',
        message: 'as an SMS with the footer it takes 4 parts, more than smsMaxParts (3): shorten it, or raise smsMaxParts',
      },
    ]);
  });
});
