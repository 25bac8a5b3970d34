import * as z from 'zod';

/**
 * The channel table: everything the engine knows about each channel it can reach a customer on,
 * in one place. The event schemas (contacts, consents), profile defaults, targeting, the policy
 * schema, the unsubscribe page and the cost estimate derive from it; the composition root of each
 * runtime says which of them are deployed (have an adapter), and planning uses only those.
 *
 * USSD is deliberately absent: never used for win-back.
 */
export const CHANNEL_TABLE = {
  sms: {
    label: 'SMS',
    /** The contact field of a churn event that the channel sends to. */
    contact: 'phone',
    contactFormat: 'e164',
    /** The unsubscribe page's wording: "You will get no more …". */
    unsubscribeNoun: 'text messages',
    /** SMS is billed per part: 160 GSM-7 septets or 70 UCS-2 units in one part, 153 / 67 per part when split. */
    measure: 'sms_parts',
  },
  email: {
    label: 'e-mail',
    contact: 'email',
    contactFormat: 'email',
    unsubscribeNoun: 'e-mails',
    measure: 'per_message',
  },
  /**
   * Push notifications through a partner's app (the bank app of a bank partnership): the message
   * goes to the partner's endpoint (partner-push.ts), which shows it to the app user `pushToken`
   * names (the partner's id for them), under a consent of its own.
   */
  push: {
    label: 'push notification',
    contact: 'pushToken',
    contactFormat: 'token',
    unsubscribeNoun: 'notifications',
    measure: 'per_message',
  },
  /**
   * WhatsApp through AWS End User Messaging Social: to the same phone number as SMS, under a consent
   * of its own, and only as a template message Meta approved (business-initiated messages must be).
   */
  whatsapp: {
    label: 'WhatsApp',
    contact: 'phone',
    contactFormat: 'e164',
    unsubscribeNoun: 'WhatsApp messages',
    measure: 'per_message',
  },
} as const satisfies Record<string, ChannelSpec>;

/** How a channel's texts are measured and billed: SMS by parts, the others per message. */
export type TextMeasure = 'sms_parts' | 'per_message';

export interface ChannelSpec {
  label: string;
  contact: 'phone' | 'email' | 'pushToken';
  contactFormat: 'e164' | 'email' | 'token';
  unsubscribeNoun: string;
  measure: TextMeasure;
}

export type Channel = keyof typeof CHANNEL_TABLE;
/** Every channel, in the table's order. */
export const CHANNELS = Object.keys(CHANNEL_TABLE) as Channel[];
export const Channel = z.enum(CHANNELS as [Channel, ...Channel[]]);

/** The contact field a channel sends to. */
export type ContactField = (typeof CHANNEL_TABLE)[Channel]['contact'];

export const channelSpec = (channel: Channel): ChannelSpec => CHANNEL_TABLE[channel];

/** One value per channel: for records keyed by channel (consents, consent rules, counts). */
export function perChannel<T>(value: (channel: Channel) => T): Record<Channel, T> {
  return Object.fromEntries(CHANNELS.map((channel) => [channel, value(channel)])) as Record<Channel, T>;
}

/** A zod object with one key per channel, each validated by `schema`. */
export function perChannelSchema<T extends z.ZodType>(schema: T): z.ZodObject<Record<Channel, T>> {
  return z.object(perChannel(() => schema));
}
