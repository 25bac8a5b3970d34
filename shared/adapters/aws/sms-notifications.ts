import * as z from 'zod';
import type { Touch } from '#shared/domain/journey/record';
import { parseEvent, type MessageEngaged } from '#shared/domain/events';
import type { EngagementKind } from '#shared/domain/vocabulary';
import type { CustomerStore } from '#shared/ports/customer-store';
import { decodeCustomerTag } from './ses-email-channel.ts';
import { SMS_CONTEXT } from './sms-channel.ts';

/** The parts of an End User Messaging SMS event (configuration set → SNS) that Winback reads. */
const SmsEvent = z.object({
  eventType: z.string(),
  eventTimestamp: z.number(),
  isFinal: z.boolean().optional(),
  messageId: z.string().min(1),
  context: z.record(z.string(), z.string()).default({}),
});

/**
 * The SMS event types the configuration set sends to the engagement topic, and what each means for
 * the journey. `TEXT_DELIVERED` is the handset's delivery receipt. `TEXT_SUCCESSFUL` means the
 * recipient's carrier accepted the message; where carriers return no handset receipt it is the
 * final status and the service uses the two interchangeably, so it counts as delivered only when
 * the event says it is final. A bounce suppresses SMS to that number, so only the failures that
 * say something about the number itself are bounces: invalid, blocked by the handset or carrier,
 * and refused as spam (further texts would be too). The transient ones — carrier unreachable,
 * handset unreachable (switched off or out of coverage), TTL expired — and `TEXT_UNKNOWN` ("may
 * be temporary or permanent") are subscribed for completeness but change nothing.
 */
export const SMS_EVENT_TYPES = [
  'TEXT_DELIVERED',
  'TEXT_SUCCESSFUL',
  'TEXT_BLOCKED',
  'TEXT_INVALID',
  'TEXT_UNREACHABLE',
  'TEXT_CARRIER_UNREACHABLE',
  'TEXT_TTL_EXPIRED',
  'TEXT_SPAM',
  'TEXT_UNKNOWN',
] as const;

const KINDS: Partial<Record<string, EngagementKind>> = {
  TEXT_DELIVERED: 'delivered',
  TEXT_SUCCESSFUL: 'delivered',
  TEXT_BLOCKED: 'bounced',
  TEXT_INVALID: 'bounced',
  TEXT_SPAM: 'bounced',
};

/**
 * An End User Messaging SMS event as a v1 `message.engaged` event, or undefined when it is not one
 * Winback acts on (another sender's message, a transient failure, an intermediate status). The
 * event id is derived from the message id and the event type, so SNS redeliveries are replays.
 */
export function engagementFromSmsEvent(raw: string): MessageEngaged | undefined {
  const parsed = SmsEvent.safeParse(parseJson(raw));
  if (!parsed.success) return undefined;
  const { eventType, eventTimestamp, isFinal, messageId, context } = parsed.data;
  const kind = KINDS[eventType];
  if (!kind || (eventType === 'TEXT_SUCCESSFUL' && isFinal !== true)) return undefined;
  const touchId = context[SMS_CONTEXT.touchId];
  const customer = context[SMS_CONTEXT.customer];
  if (!touchId || !customer) return undefined;
  return engaged({
    eventId: `sms/${messageId}/${eventType}`,
    occurredAt: new Date(eventTimestamp).toISOString(),
    customerId: decodeCustomerTag(customer),
    touchId,
    kind,
  });
}

/** An inbound SMS as End User Messaging publishes it to the number's two-way SNS topic. */
const InboundSms = z.object({
  originationNumber: z.string().min(1),
  messageBody: z.string(),
  inboundMessageId: z.string().min(1),
});

/** Why an SNS message became no event: not an inbound SMS, or no SMS touch to attach the reply to. */
export type InboundSmsOutcome = { event: MessageEngaged } | { ignored: 'not_inbound_sms' | 'unknown_phone' | 'no_sms_touch' };

/**
 * An inbound SMS (two-way number → SNS) as a `message.engaged` `replied` event carrying the text,
 * for the most recent SMS the sender's customer was sent: the domain turns an opt-out ("STOP",
 * "stop texting me") into a consent withdrawal. The payload carries no time, so `receivedAt` is
 * when SNS received it; the event id comes from the inbound message id, so redeliveries are
 * replays. The phone number is used for the lookup only, and is in no outcome.
 */
export async function engagementFromInboundSms(
  store: Pick<CustomerStore, 'customerIdByPhone' | 'get'>,
  raw: string,
  receivedAt: string,
): Promise<InboundSmsOutcome> {
  const parsed = InboundSms.safeParse(parseJson(raw));
  if (!parsed.success) return { ignored: 'not_inbound_sms' };
  const { originationNumber, messageBody, inboundMessageId } = parsed.data;
  const customerId = await store.customerIdByPhone(originationNumber);
  const record = customerId === undefined ? undefined : await store.get(customerId);
  if (!record) return { ignored: 'unknown_phone' };
  const touch = record.journeys
    .flatMap((journey) => journey.touches)
    .filter((t) => t.channel === 'sms' && t.status === 'sent' && t.sentAt !== undefined)
    .reduce<Touch | undefined>((last, t) => (!last || Date.parse(t.sentAt!) > Date.parse(last.sentAt!) ? t : last), undefined);
  if (!touch) return { ignored: 'no_sms_touch' };
  const event = engaged({
    eventId: `sms-inbound/${inboundMessageId}`,
    occurredAt: receivedAt,
    customerId: record.customerId,
    touchId: touch.touchId,
    kind: 'replied',
    // Longer replies are cut to what the event schema takes; an opt-out is in the first words.
    text: messageBody.slice(0, 1600),
  });
  return event ? { event } : { ignored: 'not_inbound_sms' };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function engaged(fields: Omit<MessageEngaged, 'type'>): MessageEngaged | undefined {
  const event = parseEvent({ ...fields, type: 'message.engaged' });
  return event.ok && event.event.type === 'message.engaged' ? event.event : undefined;
}
