import type { SNSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ingestNotifications } from '#shared/adapters/aws/engagement-notifications';
import { engagementsFromWhatsAppStatuses } from '#shared/adapters/aws/whatsapp-notifications';
import { signLinkToken } from '#shared/domain/tracked-link';
import { ingestEvent } from '#shared/engine/ingest-event';
import { churnEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, runUntil } from '../../support/fakes.ts';
import { day, recordOf, T0 } from '../engine/helpers.ts';

const KEY = 'whatsapp-link-key';
const TIMESTAMP = '1767640000'; // 2026-01-05T19:06:40Z

/** An End User Messaging Social event as its SNS event destination delivers it: the AWS header around Meta's webhook entry. */
function socialEvent(value: Record<string, unknown>): string {
  const entry = { id: '1234567890abcde', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', ...value } }] };
  return JSON.stringify({
    context: { MetaWabaIds: [{ wabaId: '1234567890abcde', arn: 'arn:aws:social-messaging:eu-west-1:123456789012:waba/fb25' }] },
    whatsAppWebhookEntry: JSON.stringify(entry),
    aws_account_id: '123456789012',
    message_timestamp: '2026-01-05T19:06:40.271279391Z',
    messageId: '6d69f07a-c317-4278-9d5c-6a84078419ec',
  });
}
const status = (state: string, callback: string | undefined, extra: Record<string, unknown> = {}) => ({
  id: 'wamid.HBgLMzQ2MTIzNDU2NzgVAgARGBI',
  status: state,
  timestamp: TIMESTAMP,
  recipient_id: '34612345678',
  ...(callback ? { biz_opaque_callback_data: callback } : {}),
  ...extra,
});
const sns = (...messages: string[]): SNSEvent =>
  ({
    Records: messages.map((Message, i) => ({ Sns: { Message, MessageId: `sns-${i}`, Timestamp: '2026-01-05T19:06:41.000Z' } })),
  }) as SNSEvent;

describe('WhatsApp receipts', () => {
  const claim = { customerId: 'cust-7', touchId: '0d13a3f0381a-1' };
  const sealed = signLinkToken(claim, KEY);

  it.each([
    ['delivered', {}, 'delivered'],
    ['read', {}, 'opened'],
    ['failed', { errors: [{ code: 131026, title: 'Message undeliverable' }] }, 'bounced'],
  ])('maps a %s status to message.engaged %s, on the touch its sealed callback data names', (state, extra, kind) => {
    const [event] = engagementsFromWhatsAppStatuses(socialEvent({ statuses: [status(state, sealed, extra)] }), KEY);
    expect(event).toEqual({
      eventId: `whatsapp/wamid.HBgLMzQ2MTIzNDU2NzgVAgARGBI/${state}`,
      type: 'message.engaged',
      occurredAt: '2026-01-05T19:06:40.000Z',
      ...claim,
      kind,
    });
  });

  it('drops a sent status, a failure that says nothing about the number, and another sender’s message', () => {
    const raw = socialEvent({
      statuses: [
        status('sent', sealed),
        status('failed', sealed, { errors: [{ code: 131048, title: 'Spam rate limit hit' }] }),
        status('delivered', undefined),
        status('delivered', signLinkToken(claim, 'another-deployment')),
      ],
    });
    expect(engagementsFromWhatsAppStatuses(raw, KEY)).toEqual([]);
    expect(engagementsFromWhatsAppStatuses(JSON.stringify({ eventType: 'TEXT_DELIVERED' }), KEY)).toEqual([]);
  });

  it('feeds receipts into the journey, and a "Stop promotions" reply withdraws the WhatsApp consent', async () => {
    // Prepare: a customer only WhatsApp reaches, whose first touch went out.
    const deps = makeDeps();
    deps.clock.set(T0);
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId, contacts: { phone: '+34612345678' }, consents: { whatsapp: true } }));
    await runUntil(deps, deps.scheduler, day(46));
    const [first, second] = (await recordOf(deps, customerId)).journeys[0]!.touches;
    expect([first!.channel, first!.status, second!.status]).toEqual(['whatsapp', 'sent', 'planned']);
    const callback = signLinkToken({ customerId, touchId: first!.touchId }, KEY);
    const reply = {
      from: '34612345678',
      id: 'wamid.reply-1',
      timestamp: TIMESTAMP,
      type: 'button',
      button: { text: 'Stop promotions', payload: 'stop' },
    };

    // Act
    const result = await ingestNotifications(
      deps,
      sns(socialEvent({ statuses: [status('delivered', callback), status('read', callback)] }), socialEvent({ messages: [reply] })),
      { linkKey: KEY },
    );

    // Assess
    expect(result).toEqual({ ingested: 2, ignored: 0 });
    const record = await recordOf(deps, customerId);
    expect(Object.keys(record.journeys[0]!.touches[0]!.engagement).sort()).toEqual(['delivered', 'opened', 'replied']);
    expect(record.profile!.consents.whatsapp).toBe(false);
    expect(record.journeys[0]!.touches[1]).toMatchObject({ status: 'cancelled' });
  });
});
