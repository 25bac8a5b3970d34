import { describe, expect, it } from 'vitest';
import { engagementFromSesNotification } from '#shared/adapters/aws/ses-notifications';
import { encodeCustomerTag } from '#shared/adapters/aws/ses-email-channel';

const notification = (eventType: string, extra: Record<string, unknown> = {}, tags?: Record<string, string[]>) =>
  JSON.stringify({
    eventType,
    mail: {
      messageId: '0100018f-abc',
      timestamp: '2026-02-10T13:07:00.000Z',
      tags: tags ?? {
        touchId: ['0d13a3f0381a-1'],
        customerId: [encodeCustomerTag('c-42 +x')!],
        'ses:configuration-set': ['winback-email'],
      },
    },
    ...extra,
  });

describe('engagementFromSesNotification', () => {
  it.each([
    ['Delivery', { delivery: { timestamp: '2026-02-10T13:07:02.000Z' } }, 'delivered'],
    ['Open', { open: { timestamp: '2026-02-10T14:00:00.000Z' } }, 'opened'],
    ['Click', { click: { timestamp: '2026-02-10T14:01:00.000Z', link: 'https://x' } }, 'clicked'],
    ['Complaint', { complaint: { timestamp: '2026-02-11T09:00:00.000Z' } }, 'complained'],
    ['Bounce', { bounce: { bounceType: 'Permanent', timestamp: '2026-02-10T13:07:03.000Z' } }, 'bounced'],
  ])('maps %s to a message.engaged event with a stable id and the event time', (eventType, extra, kind) => {
    // Act
    const event = engagementFromSesNotification(notification(eventType, extra));

    // Assess
    expect(event).toEqual({
      eventId: `ses/0100018f-abc/${eventType}`,
      type: 'message.engaged',
      occurredAt: Object.values(extra)[0]!.timestamp,
      customerId: 'c-42 +x',
      touchId: '0d13a3f0381a-1',
      kind,
    });
  });

  it('ignores transient bounces (SES retries them), other senders’ mail, other event types and garbage', () => {
    expect(
      engagementFromSesNotification(notification('Bounce', { bounce: { bounceType: 'Transient', timestamp: '2026-02-10T13:07:03.000Z' } })),
    ).toBeUndefined();
    expect(
      engagementFromSesNotification(notification('Delivery', { delivery: { timestamp: '2026-02-10T13:07:02.000Z' } }, {})),
    ).toBeUndefined();
    expect(engagementFromSesNotification(notification('Send'))).toBeUndefined();
    expect(engagementFromSesNotification('not json')).toBeUndefined();
    expect(engagementFromSesNotification('{"eventType":"Delivery"}')).toBeUndefined();
  });
});
