import { describe, expect, it } from 'vitest';
import { encodeCustomerTag } from '#shared/adapters/aws/ses-email-channel';
import { engagementFromInboundSms, engagementFromSmsEvent, SMS_EVENT_TYPES } from '#shared/adapters/aws/sms-notifications';
import type { CustomerRecord, Touch } from '#shared/domain/journey/record';
import { isOptOut } from '#shared/domain/opt-out';
import type { CustomerStore } from '#shared/ports/customer-store';

const CUSTOMER = 'c-42 +x';
const EVENT_MS = Date.parse('2026-02-10T13:07:02.000Z');

/** An SMS event as End User Messaging publishes it (configuration set → SNS), per its documented example. */
const smsEvent = (eventType: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    eventType,
    eventVersion: '1.0',
    eventTimestamp: EVENT_MS,
    isFinal: true,
    originationPhoneNumber: '+12065550152',
    destinationPhoneNumber: '+14255550156',
    isoCountryCode: 'US',
    messageId: '862a8790-60c0-4430-9b2b-658bdexample',
    messageRequestTimestamp: EVENT_MS - 300,
    messageType: 'PROMOTIONAL',
    context: { touchId: '0d13a3f0381a-1', customer: encodeCustomerTag(CUSTOMER) },
    ...extra,
  });

describe('engagementFromSmsEvent', () => {
  it.each([
    ['TEXT_DELIVERED', 'delivered'],
    ['TEXT_SUCCESSFUL', 'delivered'],
    ['TEXT_BLOCKED', 'bounced'],
    ['TEXT_INVALID', 'bounced'],
    ['TEXT_SPAM', 'bounced'],
  ])('maps %s to a message.engaged %s event with a stable id and the event time', (eventType, kind) => {
    // Act
    const event = engagementFromSmsEvent(smsEvent(eventType));

    // Assess
    expect(event).toEqual({
      eventId: `sms/862a8790-60c0-4430-9b2b-658bdexample/${eventType}`,
      type: 'message.engaged',
      occurredAt: '2026-02-10T13:07:02.000Z',
      customerId: CUSTOMER,
      touchId: '0d13a3f0381a-1',
      kind,
    });
  });

  it.each(['TEXT_UNREACHABLE', 'TEXT_CARRIER_UNREACHABLE', 'TEXT_TTL_EXPIRED', 'TEXT_UNKNOWN', 'TEXT_QUEUED', 'TEXT_PENDING'])(
    'ignores %s: transient, unknown or intermediate',
    (eventType) => {
      expect(engagementFromSmsEvent(smsEvent(eventType))).toBeUndefined();
    },
  );

  it('counts carrier acceptance (TEXT_SUCCESSFUL) as delivered only when it is the final status', () => {
    expect(engagementFromSmsEvent(smsEvent('TEXT_SUCCESSFUL', { isFinal: false }))).toBeUndefined();
    expect(engagementFromSmsEvent(smsEvent('TEXT_DELIVERED', { isFinal: false }))).toMatchObject({ kind: 'delivered' });
  });

  it('ignores messages that are not from a Winback touch, SES notifications and garbage', () => {
    expect(engagementFromSmsEvent(smsEvent('TEXT_DELIVERED', { context: {} }))).toBeUndefined();
    expect(engagementFromSmsEvent(smsEvent('TEXT_DELIVERED', { context: undefined }))).toBeUndefined();
    expect(
      engagementFromSmsEvent(JSON.stringify({ eventType: 'Delivery', mail: { messageId: 'x', timestamp: '2026-02-10T13:07:00.000Z' } })),
    ).toBeUndefined();
    expect(engagementFromSmsEvent('not json')).toBeUndefined();
  });

  it('subscribes every event type it maps', () => {
    for (const type of ['TEXT_DELIVERED', 'TEXT_SUCCESSFUL', 'TEXT_BLOCKED', 'TEXT_INVALID', 'TEXT_SPAM'])
      expect(SMS_EVENT_TYPES).toContain(type);
  });
});

describe('engagementFromInboundSms', () => {
  const PHONE = '+447700900123';
  const RECEIVED_AT = '2026-03-15T18:04:05.123Z';
  const touch = (touchId: string, channel: Touch['channel'], status: Touch['status'], sentAt?: string) =>
    ({ touchId, channel, status, ...(sentAt ? { sentAt } : {}) }) as Touch;
  const record = {
    customerId: CUSTOMER,
    journeys: [
      { touches: [touch('j1-1', 'sms', 'sent', '2026-01-10T10:00:00.000Z'), touch('j1-2', 'email', 'sent', '2026-03-01T10:00:00.000Z')] },
      { touches: [touch('j2-1', 'sms', 'sent', '2026-02-20T10:00:00.000Z'), touch('j2-2', 'sms', 'planned')] },
    ],
  } as unknown as CustomerRecord;
  /** A store that knows one customer by one phone number. */
  const store = (known: CustomerRecord | undefined): Pick<CustomerStore, 'customerIdByPhone' | 'get'> => ({
    customerIdByPhone: async (phone) => (known && phone === PHONE ? known.customerId : undefined),
    get: async (customerId) => (known?.customerId === customerId ? known : undefined),
  });
  /** An inbound SMS as End User Messaging publishes it to the two-way number's SNS topic. */
  const inbound = (body: string, from = PHONE) =>
    JSON.stringify({
      originationNumber: from,
      destinationNumber: '+12125550101',
      messageKeyword: 'KEYWORD_123456789012',
      messageBody: body,
      inboundMessageId: 'cae173d2-66b9-564c-8309-21f858e9fb84',
      previousPublishedMessageId: 'wJalrXUtnFEMI',
    });

  it('maps a STOP reply to a replied event with the text, for the customer’s most recent SMS touch', async () => {
    // Act
    const outcome = await engagementFromInboundSms(store(record), inbound('STOP'), RECEIVED_AT);

    // Assess
    expect(outcome).toEqual({
      event: {
        eventId: 'sms-inbound/cae173d2-66b9-564c-8309-21f858e9fb84',
        type: 'message.engaged',
        occurredAt: RECEIVED_AT,
        customerId: CUSTOMER,
        touchId: 'j2-1',
        kind: 'replied',
        text: 'STOP',
      },
    });
    // The domain reads that text as a withdrawal of consent.
    expect(isOptOut((outcome as { event: { text: string } }).event.text)).toBe(true);
  });

  it('ignores a reply from an unknown number, naming no phone in its outcome', async () => {
    // Act
    const outcome = await engagementFromInboundSms(store(record), inbound('STOP', '+15555550000'), RECEIVED_AT);

    // Assess
    expect(outcome).toEqual({ ignored: 'unknown_phone' });
  });

  it('ignores a reply from a customer who was never sent an SMS', async () => {
    // Prepare
    const noSms = {
      ...record,
      journeys: [{ touches: [touch('e-1', 'email', 'sent', '2026-03-01T10:00:00.000Z'), touch('s-1', 'sms', 'planned')] }],
    } as unknown as CustomerRecord;

    // Act
    const outcome = await engagementFromInboundSms(store(noSms), inbound('stop texting me'), RECEIVED_AT);

    // Assess
    expect(outcome).toEqual({ ignored: 'no_sms_touch' });
  });

  it('tells other payloads apart without a lookup', async () => {
    // Prepare
    const lookups: string[] = [];
    const spy: Pick<CustomerStore, 'customerIdByPhone' | 'get'> = {
      customerIdByPhone: async (phone) => {
        lookups.push(phone);
        return undefined;
      },
      get: async () => undefined,
    };

    // Act
    const outcomes = await Promise.all(
      [smsEvent('TEXT_DELIVERED'), '{"eventType":"Delivery"}', 'garbage'].map((raw) => engagementFromInboundSms(spy, raw, RECEIVED_AT)),
    );

    // Assess
    expect(outcomes).toEqual([{ ignored: 'not_inbound_sms' }, { ignored: 'not_inbound_sms' }, { ignored: 'not_inbound_sms' }]);
    expect(lookups).toEqual([]);
  });
});
