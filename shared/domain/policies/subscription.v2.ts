import type { PolicyInput } from '../policy.ts';
import { released } from './released.ts';
import { subscriptionV1 } from './subscription.v1.ts';

/** Version 2's offers in Spanish, German and Russian, by offer id (texts, then e-mail subjects). */
const TRANSLATIONS: Record<string, Record<'es' | 'de' | 'ru', { text: string; subject: string }>> = {
  'reminder-saved': {
    es: {
      text: '{brand}: tu cuenta y tus preferencias siguen guardadas. Vuelve con un clic. {link}',
      subject: 'Todo está guardado: vuelve con un clic',
    },
    de: {
      text: '{brand}: Ihr Konto und Ihre Einstellungen sind gespeichert. Neustart mit einem Klick. {link}',
      subject: 'Alles ist gespeichert: Neustart mit einem Klick',
    },
    ru: {
      text: '{brand}: ваш аккаунт и настройки сохранены. Вернитесь в один клик. {link}',
      subject: 'Всё сохранено: вернитесь в один клик',
    },
  },
  'small-shipping': {
    es: { text: '{brand}: vuelve esta semana y tu próximo envío es gratis. {link}', subject: 'Tu próximo envío es gratis' },
    de: {
      text: '{brand}: Kommen Sie diese Woche zurück: Ihre nächste Lieferung ist versandkostenfrei. {link}',
      subject: 'Ihre nächste Lieferung ist versandkostenfrei',
    },
    ru: { text: '{brand}: вернитесь на этой неделе, и следующая доставка бесплатна. {link}', subject: 'Следующая доставка бесплатно' },
  },
  'small-new': {
    es: {
      text: '{brand}: mira las novedades desde que te fuiste, elegidas según tus gustos. {link}',
      subject: 'Novedades desde que te fuiste',
    },
    de: {
      text: '{brand}: Sehen Sie, was neu ist, seit Sie weg sind, ausgewählt nach Ihrem Geschmack. {link}',
      subject: 'Neu, seit Sie weg sind',
    },
    ru: { text: '{brand}: посмотрите новинки, подобранные по вашим вкусам. {link}', subject: 'Новое с вашего ухода' },
  },
  'medium-free-month': {
    es: {
      text: '{brand}: tu primer mes de vuelta es gratis. El mismo plan, sin configurar nada. {link}',
      subject: 'Tu primer mes de vuelta es gratis',
    },
    de: {
      text: '{brand}: Ihr erster Monat zurück ist gratis. Gleicher Plan, nichts neu einzurichten. {link}',
      subject: 'Ihr erster Monat zurück ist gratis',
    },
    ru: {
      text: '{brand}: первый месяц после возвращения бесплатно. Тот же план, без настройки. {link}',
      subject: 'Первый месяц бесплатно',
    },
  },
  'medium-shipping': {
    es: { text: '{brand}: vuelve este mes y todos tus envíos serán gratis hasta fin de mes. {link}', subject: 'Envíos gratis todo el mes' },
    de: {
      text: '{brand}: Starten Sie diesen Monat neu: Jede Lieferung bis Monatsende ist versandkostenfrei. {link}',
      subject: 'Versandkostenfrei den ganzen Monat',
    },
    ru: {
      text: '{brand}: вернитесь в этом месяце, и все доставки до его конца бесплатны. {link}',
      subject: 'Бесплатная доставка весь месяц',
    },
  },
  'medium-new': {
    es: { text: '{brand}: cambiamos lo que nos dijiste. Mira qué es diferente ahora. {link}', subject: 'Qué ha cambiado' },
    de: {
      text: '{brand}: Wir haben geändert, was Sie uns gesagt haben. Sehen Sie, was jetzt anders ist. {link}',
      subject: 'Was jetzt anders ist',
    },
    ru: { text: '{brand}: мы изменили то, о чём вы говорили. Посмотрите, что теперь иначе. {link}', subject: 'Что изменилось' },
  },
  'best-two-months-gift': {
    es: { text: '{brand}: dos meses gratis y un regalo de bienvenida en tu primera caja. {link}', subject: 'Dos meses gratis y un regalo' },
    de: {
      text: '{brand}: Zwei Monate gratis und ein Willkommensgeschenk in Ihrer ersten Box. {link}',
      subject: 'Zwei Monate gratis und ein Geschenk',
    },
    ru: { text: '{brand}: два месяца бесплатно и подарок в первой коробке. {link}', subject: 'Два месяца бесплатно и подарок' },
  },
  'best-two-months': {
    es: {
      text: '{brand}: nuestra mejor oferta: tus próximos dos meses son gratis. {link}',
      subject: 'Nuestra mejor oferta: dos meses gratis',
    },
    de: {
      text: '{brand}: Unser bestes Angebot: Ihre nächsten zwei Monate sind gratis. {link}',
      subject: 'Unser bestes Angebot: zwei Monate gratis',
    },
    ru: {
      text: '{brand}: лучшее предложение: следующие два месяца бесплатно. {link}',
      subject: 'Лучшее предложение: два месяца бесплатно',
    },
  },
  'best-free-month': {
    es: { text: '{brand}: nuestra mejor oferta: tu próximo mes es gratis. {link}', subject: 'Nuestra mejor oferta: un mes gratis' },
    de: { text: '{brand}: Unser bestes Angebot: Ihr nächster Monat ist gratis. {link}', subject: 'Unser bestes Angebot: ein Monat gratis' },
    ru: { text: '{brand}: лучшее предложение: следующий месяц бесплатно. {link}', subject: 'Лучшее предложение: месяц бесплатно' },
  },
  'best-last-call': {
    es: {
      text: '{brand}: es nuestro último mensaje. Tu cuenta sigue guardada si quieres volver. {link}',
      subject: 'Nuestro último mensaje',
    },
    de: {
      text: '{brand}: Dies ist unsere letzte Nachricht. Ihr Konto bleibt gespeichert, falls Sie zurückwollen. {link}',
      subject: 'Unsere letzte Nachricht',
    },
    ru: {
      text: '{brand}: это наше последнее сообщение. Аккаунт сохранён, если захотите вернуться. {link}',
      subject: 'Наше последнее сообщение',
    },
  },
};

/**
 * Subscription / e-commerce preset, version 2, the default. As version 1, with every offer in
 * Spanish, German and Russian besides English, chosen by the customer's `locale` (`es-ES` → `es`
 * → English), each SMS ending in the opt-out footer of its language, and every text ends in its
 * tracked link (`{link}`: the click is recorded; the link opens the reactivation page, with the
 * offer and a call-back button). A link takes about 64 characters, so an SMS takes 2 parts in
 * English and German, and up to 3 in Spanish and Russian, which are UCS-2 (70 characters a part,
 * 67 when split).
 * Arms do not move: the holdout salt is version 1's.
 *
 * Released: frozen. A change is a new version in a file of its own.
 */
export const subscriptionV2: PolicyInput = released({
  ...subscriptionV1,
  version: '2',
  description:
    'Subscriptions and e-commerce: e-mail first on days 1, 7, 14 and 30 with rising offers within a margin cap, in English, Spanish, German or Russian; lapse after 60 days without activity.',
  language: 'en',
  smsFooters: {
    es: 'Baja: responde STOP',
    de: 'Antworten Sie STOP zum Abbestellen.',
    ru: 'Отписаться: STOP',
  },
  smsMaxParts: 3,
  // Every text ends in its tracked link: the click is recorded, and the link opens the offer.
  offers: subscriptionV1.offers.map((offer) => ({ ...offer, text: `${offer.text} {link}`, translations: TRANSLATIONS[offer.id]! })),
});
