import type { SNSEvent } from 'aws-lambda';
import type { EngineDeps } from '#shared/engine/deps';
import { ingestEvent } from '#shared/engine/ingest-event';
import { engagementFromSesNotification } from './ses-notifications.ts';
import { engagementFromInboundSms, engagementFromSmsEvent } from './sms-notifications.ts';
import { engagementsFromWhatsAppReplies, engagementsFromWhatsAppStatuses, whatsAppEntry } from './whatsapp-notifications.ts';

/**
 * Feedback from the SNS topics, told apart by their payloads, becomes `message.engaged` events:
 * SES events (delivery, bounce, complaint, open, click), End User Messaging SMS delivery receipts,
 * inbound SMS (a reply, which the domain reads for an opt-out), and End User Messaging Social
 * events (WhatsApp delivered and read receipts, undeliverable numbers, replies); a WhatsApp
 * receipt names its touch by the sealed callback data the send set (`linkKey` opens it). Replays are harmless: each
 * notification maps to a stable event id, so a notification delivered twice (SNS and Lambda
 * retries, a dead-letter replay) is ingested once. A failure to ingest throws, so that Lambda
 * retries the whole event and finally dead-letters it.
 */
export async function ingestNotifications(
  deps: EngineDeps,
  event: SNSEvent,
  keys: { linkKey?: string } = {},
): Promise<{ ingested: number; ignored: number }> {
  let ingested = 0;
  for (const record of event.Records) {
    const message = record.Sns.Message;
    if (whatsAppEntry(message)) {
      // Without the link key no status can be matched to its touch (the engagement function always has it).
      const statuses = keys.linkKey === undefined ? [] : engagementsFromWhatsAppStatuses(message, keys.linkKey);
      const events = [...statuses, ...(await engagementsFromWhatsAppReplies(deps.store, message))];
      for (const engaged of events) await ingestEvent(deps, engaged);
      if (events.length > 0) ingested += 1;
      continue;
    }
    const fromReceipts = engagementFromSesNotification(message) ?? engagementFromSmsEvent(message);
    const outcome = fromReceipts ? { event: fromReceipts } : await engagementFromInboundSms(deps.store, message, record.Sns.Timestamp);
    if (!('event' in outcome)) {
      // Ids only: an inbound SMS names the sender's phone number, which never goes to a log.
      deps.logger.warn('notification ignored', {
        reason: outcome.ignored === 'not_inbound_sms' ? 'not_for_a_winback_touch' : outcome.ignored,
        messageId: record.Sns.MessageId,
      });
      continue;
    }
    await ingestEvent(deps, outcome.event);
    ingested += 1;
  }
  return { ingested, ignored: event.Records.length - ingested };
}
