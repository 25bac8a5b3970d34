import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSesClient } from '#shared/adapters/aws/message-clients';
import { SesEmailChannel } from '#shared/adapters/aws/ses-email-channel';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '#shared/domain/unsubscribe';
import { sesLocalClientConfig, startSesLocal, type SesLocal, type StoredEmail } from './ses-local.ts';

const UNSUBSCRIBE_KEY = 'integration-unsubscribe-key';

const message: OutboundMessage = {
  channel: 'email',
  to: 'jane.doe@example.com',
  customerId: 'cust-0001',
  touchId: 'a1b2c3d4e5f6-1',
  text: 'Winback Mobile: since you left we have switched on new masts near you. Porting your number back is free.',
  subject: 'Coverage in your area has improved — ünïcødé too',
  variant: 'A',
  locale: 'en-GB',
  timezone: 'Europe/London',
};

describe('SesEmailChannel on aws-ses-v2-local', () => {
  let ses: SesLocal;
  let client: SESv2Client;
  let channel: SesEmailChannel;

  beforeAll(async () => {
    ses = await startSesLocal();
    client = createSesClient({ ...sesLocalClientConfig, endpoint: ses.endpoint });
    channel = new SesEmailChannel({
      client,
      fromAddress: 'Winback Mobile <offers@mail.example.com>',
      configurationSetName: 'winback-engagement',
      replyTo: 'team@example.com',
      unsubscribeUrl: (m) =>
        `https://winback.example.com/v1/unsubscribe?token=${signUnsubscribeToken({ customerId: m.customerId, channel: 'email' }, UNSUBSCRIBE_KEY)}`,
    });
  });

  beforeEach(async () => {
    await ses.clear();
  });

  afterAll(async () => {
    client?.destroy();
    await ses?.stop();
  });

  it('delivers the mail with subject, text body and the one-click unsubscribe headers', async () => {
    // Act
    const receipt = await channel.send(message);

    // Assess
    const emails = await ses.emails();
    expect(emails).toHaveLength(1);
    const [email] = emails as [StoredEmail];
    expect(email.messageId).toBe(receipt.messageId);
    expect(email).toMatchObject({
      from: 'Winback Mobile <offers@mail.example.com>',
      replyTo: ['team@example.com'],
      destination: { to: ['jane.doe@example.com'] },
      subject: message.subject,
      body: { text: message.text },
    });
    expect(email.body.html).toBeUndefined();
    // The emulator keeps Simple-content headers as sent, so they are checked here end to end.
    const header = (name: string) => email.headers?.find((h) => h.name === name)?.value;
    expect(header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const link = /^<(https:\/\/[^>]+)>$/.exec(header('List-Unsubscribe') ?? '')?.[1];
    expect(link).toBeDefined();
    expect(verifyUnsubscribeToken(new URL(link!).searchParams.get('token')!, UNSUBSCRIBE_KEY)).toEqual({
      customerId: 'cust-0001',
      channel: 'email',
    });
  });

  it('sends one mail per call, each with its own message id', async () => {
    // Act
    const first = await channel.send(message);
    const second = await channel.send({ ...message, touchId: 'a1b2c3d4e5f6-2', subject: 'A tariff built for you' });

    // Assess
    const emails = await ses.emails();
    expect(emails.map((e) => e.subject)).toEqual([message.subject, 'A tariff built for you']);
    expect(first.messageId).not.toBe(second.messageId);
  });
});
