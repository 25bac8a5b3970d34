import * as z from 'zod';
import { type MessageEngaged, parseEvent } from '#shared/domain/events';
import type { Touch } from '#shared/domain/journey/record';
import { openLinkToken } from '#shared/domain/tracked-link';
import type { EngagementKind } from '#shared/domain/vocabulary';
import type { CustomerStore } from '#shared/ports/customer-store';

/** An End User Messaging Social event as its event destination (SNS) delivers it: an AWS header around Meta's webhook entry. */
const SocialEvent = z.object({ whatsAppWebhookEntry: z.string() });

const Status = z.object({
  id: z.string().min(1),
  status: z.string(),
  timestamp: z.string().regex(/^\d+$/),
  biz_opaque_callback_data: z.string().optional(),
  errors: z.array(z.object({ code: z.number() })).optional(),
});
const Inbound = z.object({
  from: z.string().regex(/^\d{6,15}$/),
  id: z.string().min(1),
  timestamp: z.string().regex(/^\d+$/),
  text: z.object({ body: z.string() }).optional(),
  button: z.object({ text: z.string() }).optional(),
});
const WebhookEntry = z.object({
  changes: z.array(z.object({ value: z.object({ statuses: z.array(z.unknown()).optional(), messages: z.array(z.unknown()).optional() }) })),
});

/**
 * Meta's message error that says the number cannot get WhatsApp messages (not on WhatsApp, or an
 * outdated app): a bounce, which suppresses WhatsApp for that number. Other failures (rate
 * limits, Meta's own experiments, a template paused) say nothing about the number.
 */
const UNDELIVERABLE = 131026;

/** What each WhatsApp status means for the journey; `sent` (to Meta) changes nothing. */
function kindOf(status: z.infer<typeof Status>): EngagementKind | undefined {
  if (status.status === 'delivered') return 'delivered';
  if (status.status === 'read') return 'opened';
  if (status.status === 'failed' && status.errors?.some((e) => e.code === UNDELIVERABLE)) return 'bounced';
  return undefined;
}

const iso = (seconds: string) => new Date(Number(seconds) * 1000).toISOString();

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** Meta's webhook entry inside an End User Messaging Social event, or undefined for any other SNS message. */
export function whatsAppEntry(raw: string): z.infer<typeof WebhookEntry> | undefined {
  const event = SocialEvent.safeParse(parseJson(raw));
  if (!event.success) return undefined;
  const entry = WebhookEntry.safeParse(parseJson(event.data.whatsAppWebhookEntry));
  return entry.success ? entry.data : undefined;
}

/**
 * The delivery and read receipts of an End User Messaging Social event, as `message.engaged`
 * events: each status whose callback data is a token Winback sealed (`linkKey`) names its customer
 * and touch; the event id comes from Meta's message id and the status, so redeliveries are
 * replays. Statuses of other senders' messages are dropped.
 */
export function engagementsFromWhatsAppStatuses(raw: string, linkKey: string): MessageEngaged[] {
  const entry = whatsAppEntry(raw);
  if (!entry) return [];
  return entry.changes.flatMap(({ value }) =>
    (value.statuses ?? []).flatMap((item) => {
      const status = Status.safeParse(item);
      const kind = status.success ? kindOf(status.data) : undefined;
      const claim =
        status.success && status.data.biz_opaque_callback_data ? openLinkToken(status.data.biz_opaque_callback_data, linkKey) : undefined;
      if (!status.success || !kind || !claim) return [];
      const event = engaged({
        eventId: `whatsapp/${status.data.id}/${status.data.status}`,
        occurredAt: iso(status.data.timestamp),
        ...claim,
        kind,
      });
      return event ? [event] : [];
    }),
  );
}

/**
 * The customer's replies in an End User Messaging Social event (a text, or a template's quick-reply
 * button such as Meta's "Stop promotions"), as `replied` events on the last WhatsApp message they
 * were sent, so an opt-out withdraws the WhatsApp consent. The sender's number is used for the
 * lookup only.
 */
export async function engagementsFromWhatsAppReplies(
  store: Pick<CustomerStore, 'customerIdByPhone' | 'get'>,
  raw: string,
): Promise<MessageEngaged[]> {
  const entry = whatsAppEntry(raw);
  const replies = (entry?.changes ?? []).flatMap(({ value }) =>
    (value.messages ?? []).flatMap((message) => {
      const parsed = Inbound.safeParse(message);
      return parsed.success ? [parsed.data] : [];
    }),
  );
  const events: MessageEngaged[] = [];
  for (const reply of replies) {
    const customerId = await store.customerIdByPhone(`+${reply.from}`);
    const record = customerId === undefined ? undefined : await store.get(customerId);
    const touch = record?.journeys
      .flatMap((journey) => journey.touches)
      .filter((t) => t.channel === 'whatsapp' && t.status === 'sent' && t.sentAt !== undefined)
      .reduce<Touch | undefined>((last, t) => (!last || Date.parse(t.sentAt!) > Date.parse(last.sentAt!) ? t : last), undefined);
    const said = reply.text?.body ?? (reply.button && /^stop\b/i.test(reply.button.text) ? 'STOP' : reply.button?.text);
    if (!record || !touch || said === undefined) continue;
    const event = engaged({
      eventId: `whatsapp-inbound/${reply.id}`,
      occurredAt: iso(reply.timestamp),
      customerId: record.customerId,
      touchId: touch.touchId,
      kind: 'replied',
      text: said.slice(0, 1600),
    });
    if (event) events.push(event);
  }
  return events;
}

function engaged(fields: Omit<MessageEngaged, 'type'>): MessageEngaged | undefined {
  const event = parseEvent({ ...fields, type: 'message.engaged' });
  return event.ok && event.event.type === 'message.engaged' ? event.event : undefined;
}
