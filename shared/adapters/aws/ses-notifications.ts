import * as z from 'zod';
import { parseEvent, type MessageEngaged } from '#shared/domain/events';
import type { EngagementKind } from '#shared/domain/vocabulary';
import { decodeCustomerTag, EMAIL_TAGS } from './ses-email-channel.ts';

/** The parts of an SES event notification (configuration set → SNS) that Winback reads. */
const SesNotification = z.object({
  eventType: z.string(),
  mail: z.object({
    messageId: z.string().min(1),
    timestamp: z.string(),
    tags: z.record(z.string(), z.array(z.string())).default({}),
  }),
  bounce: z.object({ bounceType: z.string(), timestamp: z.string() }).optional(),
  delivery: z.object({ timestamp: z.string() }).optional(),
  complaint: z.object({ timestamp: z.string() }).optional(),
  open: z.object({ timestamp: z.string() }).optional(),
  click: z.object({ timestamp: z.string() }).optional(),
});

const KINDS: Record<string, EngagementKind> = {
  Delivery: 'delivered',
  Bounce: 'bounced',
  Complaint: 'complained',
  Open: 'opened',
  Click: 'clicked',
};

/**
 * An SES notification as a v1 `message.engaged` event, or undefined when it is not one Winback
 * acts on (another sender's mail, a transient bounce that SES retries itself, a `Send` event).
 * The event id is derived from SES's message id and the event type, so SNS redeliveries are
 * replays and change nothing.
 */
export function engagementFromSesNotification(raw: string): MessageEngaged | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = SesNotification.safeParse(json);
  if (!parsed.success) return undefined;
  const { eventType, mail } = parsed.data;
  const kind = KINDS[eventType];
  if (!kind) return undefined;
  if (kind === 'bounced' && parsed.data.bounce?.bounceType !== 'Permanent') return undefined;
  const touchId = mail.tags[EMAIL_TAGS.touchId]?.[0];
  const customerTag = mail.tags[EMAIL_TAGS.customerId]?.[0];
  if (!touchId || !customerTag) return undefined;
  const detail = parsed.data[eventType.toLowerCase() as 'bounce' | 'delivery' | 'complaint' | 'open' | 'click'];
  const event = parseEvent({
    eventId: `ses/${mail.messageId}/${eventType}`,
    type: 'message.engaged',
    occurredAt: detail?.timestamp ?? mail.timestamp,
    customerId: decodeCustomerTag(customerTag),
    touchId,
    kind,
  });
  return event.ok && event.event.type === 'message.engaged' ? event.event : undefined;
}
