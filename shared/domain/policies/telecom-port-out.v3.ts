import type { PolicyInput } from '../policy.ts';
import { released } from './released.ts';
import { telecomPortOutV2 } from './telecom-port-out.v2.ts';

/** Version 3's offers in Spanish, German and Russian, by offer id (texts, then e-mail subjects). */
const TRANSLATIONS: Record<string, Record<'es' | 'de' | 'ru', { text: string; subject: string }>> = {
  'fix-coverage': {
    es: {
      text: '{brand}: hay antenas nuevas cerca de ti: tu cobertura es mejor. Volver es gratis. {link}',
      subject: 'Tu cobertura ha mejorado',
    },
    de: {
      text: '{brand}: Neue Masten in Ihrer Nähe: Ihr Netz ist jetzt besser. Die Rufnummer zurück mitnehmen ist kostenlos. {link}',
      subject: 'Ihr Netz vor Ort ist besser geworden',
    },
    ru: {
      text: '{brand}: рядом с вами новые вышки, связь стала лучше. Вернуть номер бесплатно. {link}',
      subject: 'Связь в вашем районе стала лучше',
    },
  },
  'fix-price': {
    es: {
      text: '{brand}: una tarifa solo SIM a tu medida cuesta menos de lo que pagabas. Volver es gratis. {link}',
      subject: 'Una tarifa a tu medida cuesta ahora menos',
    },
    de: {
      text: '{brand}: Ein SIM-only-Tarif nach Ihrem Verbrauch kostet jetzt weniger als bisher. Die Rückkehr ist kostenlos. {link}',
      subject: 'Ein Tarif nach Ihrem Verbrauch kostet jetzt weniger',
    },
    ru: {
      text: '{brand}: тариф под ваш расход теперь дешевле, чем вы платили. Вернуть номер бесплатно. {link}',
      subject: 'Тариф под ваш расход теперь дешевле',
    },
  },
  'fix-support': {
    es: {
      text: '{brand}: si vuelves, un asesor personal y te llamamos en menos de 2 horas. Volver es gratis. {link}',
      subject: 'Un asesor personal y una llamada en 2 horas',
    },
    de: {
      text: '{brand}: Rückkehrer bekommen einen festen Berater und einen Rückruf binnen 2 Stunden. Die Rückkehr ist kostenlos. {link}',
      subject: 'Ein fester Berater, Rückruf in 2 Stunden',
    },
    ru: {
      text: '{brand}: личный консультант и звонок в течение 2 часов. Вернуть номер бесплатно. {link}',
      subject: 'Личный консультант и звонок за 2 часа',
    },
  },
  'fix-tariff': {
    es: {
      text: '{brand}: solo tres tarifas claras, sin extras ni sorpresas en la factura. Volver es gratis. {link}',
      subject: 'Tres tarifas claras, sin sorpresas',
    },
    de: {
      text: '{brand}: Nur noch drei klare Tarife: keine Zusatzoptionen, keine Überraschungen. Die Rückkehr ist kostenlos. {link}',
      subject: 'Drei klare Tarife, keine Überraschungen',
    },
    ru: {
      text: '{brand}: теперь три простых тарифа без доплат и сюрпризов. Вернуть номер бесплатно. {link}',
      subject: 'Три простых тарифа без сюрпризов',
    },
  },
  'fix-moved': {
    es: {
      text: '{brand}: ¿te mudas? Mira nuestra cobertura en tu nueva zona y, si es buena, vuelve gratis. {link}',
      subject: 'Comprueba la cobertura en tu nueva dirección',
    },
    de: {
      text: '{brand}: Neue Adresse? Prüfen Sie dort unser Netz; ist es gut, kommen Sie zurück. Die Rückkehr ist kostenlos. {link}',
      subject: 'Prüfen Sie unser Netz an Ihrer neuen Adresse',
    },
    ru: {
      text: '{brand}: новый адрес? Проверьте там нашу связь и возвращайтесь. Это бесплатно. {link}',
      subject: 'Проверьте связь по новому адресу',
    },
  },
  'fix-listen': {
    es: {
      text: '{brand}: cuéntanos qué falló: responde y una persona te llamará. Volver es gratis. {link}',
      subject: 'Cuéntanos qué falló',
    },
    de: {
      text: '{brand}: Sagen Sie uns, was schiefging: Antworten Sie, und ein Mensch ruft Sie zurück. Die Rückkehr ist kostenlos. {link}',
      subject: 'Sagen Sie uns, was schiefging',
    },
    ru: {
      text: '{brand}: что пошло не так? Ответьте, и вам перезвонит человек. Вернуть номер бесплатно. {link}',
      subject: 'Расскажите, что пошло не так',
    },
  },
  'offer-profile-high': {
    es: {
      text: '{brand}: una tarifa para ti: primer mes gratis, portabilidad gratis y soporte prioritario. {link}',
      subject: 'Una tarifa hecha para ti, primer mes gratis',
    },
    de: {
      text: '{brand}: Ein Tarif für Ihr Profil: erster Monat gratis, Mitnahme gratis und ein direkter Draht zu unserem Team. {link}',
      subject: 'Ein Tarif für Sie, erster Monat gratis',
    },
    ru: {
      text: '{brand}: тариф для вас: первый месяц и перенос номера бесплатно, приоритетная линия. {link}',
      subject: 'Тариф для вас, первый месяц бесплатно',
    },
  },
  'offer-profile': {
    es: {
      text: '{brand}: una tarifa hecha para ti: primer mes gratis y portabilidad gratis. {link}',
      subject: 'Una tarifa hecha para ti, primer mes gratis',
    },
    de: {
      text: '{brand}: Ein Tarif für Ihr Profil: erster Monat gratis und Mitnahme gratis. {link}',
      subject: 'Ein Tarif für Sie, erster Monat gratis',
    },
    ru: {
      text: '{brand}: тариф для вас: первый месяц и перенос номера бесплатно. {link}',
      subject: 'Тариф для вас, первый месяц бесплатно',
    },
  },
  'offer-usage': {
    es: {
      text: '{brand}: un plan a la medida de tu uso: primer mes gratis y portabilidad gratis. {link}',
      subject: 'Un plan a la medida de cómo usas tu móvil',
    },
    de: {
      text: '{brand}: Ein Tarif, der zu Ihrer Nutzung passt. Der erste Monat geht auf uns, die Nummer kommt kostenlos zurück. {link}',
      subject: 'Ein Tarif, der zu Ihrer Nutzung passt',
    },
    ru: {
      text: '{brand}: тариф под ваш расход. Первый месяц за наш счёт, номер вернуть бесплатно. {link}',
      subject: 'Тариф под то, как вы пользуетесь телефоном',
    },
  },
};

/**
 * Telecom port-out (MNP), version 3, the default. As version 2, with every offer in Spanish,
 * German and Russian besides English, chosen by the customer's `locale` (`es-ES` → `es` →
 * English), each SMS ending in the opt-out footer of its language, and every text ends in its
 * tracked link (`{link}`: the click is recorded; the link opens the reactivation page, with the
 * offer and a call-back button). A link takes about 64 characters, so an SMS takes 2 parts in
 * English and German, and up to 3 in Spanish and Russian, which are UCS-2 (70 characters a part,
 * 67 when split).
 * WhatsApp (End User Messaging Social) follows SMS in the channel order, for customers who gave
 * its consent, as approved templates. Arms and variants do not move: the holdout salt is version 1's.
 *
 * Released: frozen. A change is a new version in a file of its own.
 */
export const telecomPortOutV3: PolicyInput = released({
  ...telecomPortOutV2,
  version: '3',
  description:
    'Telecom port-out (MNP): two SMS-first touches in days 30–45 and 60–90, in English, Spanish, German or Russian; high-value accounts to a retention team.',
  language: 'en',
  smsFooters: {
    es: 'Baja: responde STOP',
    de: 'Antworten Sie STOP zum Abbestellen.',
    ru: 'Отписаться: STOP',
  },
  smsMaxParts: 3,
  // WhatsApp after SMS, on its own consent: the natural fourth win-back channel in EMEA and LatAm.
  channels: ['sms', 'whatsapp', 'email', 'push'],
  // Every text ends in its tracked link: the click is recorded, and the link opens the offer. On
  // WhatsApp each offer is the approved template `winback_<offer id>`, in the customer's language,
  // with the brand and the link as its body's two variables.
  offers: telecomPortOutV2.offers.map((offer) => ({
    ...offer,
    text: `${offer.text} {link}`,
    translations: TRANSLATIONS[offer.id]!,
    whatsappTemplate: { name: `winback_${offer.id.replaceAll('-', '_')}`, parameters: ['{brand}', '{link}'] },
  })),
});
