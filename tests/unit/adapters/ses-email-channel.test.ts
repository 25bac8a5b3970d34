import 'aws-sdk-client-mock-vitest/extend';
import {
  AccountSuspendedException,
  BadRequestException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  SendEmailCommand,
  SendingPausedException,
  SESv2Client,
  SESv2ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { decodeCustomerTag, encodeCustomerTag, SesEmailChannel, type SesEmailChannelOptions } from '#shared/adapters/aws/ses-email-channel';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '#shared/domain/unsubscribe';
import { ChannelError } from '#shared/ports/message-channel';

const sesMock = mockClient(SESv2Client);

const EMAIL = 'jane.doe@example.com';
const UNSUBSCRIBE_KEY = 'unit-test-unsubscribe-key';

const message: OutboundMessage = {
  channel: 'email',
  to: EMAIL,
  customerId: '+44 7700 900123',
  touchId: 'a1b2c3d4e5f6-1',
  text: 'Winback Mobile: since you left we have switched on new masts near you.',
  subject: 'Coverage in your area has improved',
  variant: 'A',
  locale: 'en-GB',
  timezone: 'Europe/London',
};

const unsubscribeUrl = (m: OutboundMessage) =>
  `https://winback.example.com/v1/unsubscribe?token=${signUnsubscribeToken({ customerId: m.customerId, channel: 'email' }, UNSUBSCRIBE_KEY)}`;

const options: SesEmailChannelOptions = {
  client: new SESv2Client({}),
  fromAddress: 'Winback Mobile <offers@mail.example.com>',
  configurationSetName: 'winback-engagement',
  unsubscribeUrl,
};

const clientFault = { $fault: 'client' as const, $metadata: { httpStatusCode: 400, requestId: 'req-1' } };

async function failureOf(send: Promise<unknown>): Promise<unknown> {
  return send.then(
    () => expect.unreachable('the send should have failed'),
    (reason: unknown) => reason,
  );
}

describe('SesEmailChannel', () => {
  beforeEach(() => {
    sesMock.reset();
  });

  it('sends a simple UTF-8 mail with one-click unsubscribe headers, the configuration set and tags', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-msg-1' });
    const channel = new SesEmailChannel(options);

    // Act
    const receipt = await channel.send(message);

    // Assess
    expect(receipt).toEqual({ messageId: 'ses-msg-1' });
    expect(sesMock).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input).toEqual({
      FromEmailAddress: 'Winback Mobile <offers@mail.example.com>',
      Destination: { ToAddresses: [EMAIL] },
      Content: {
        Simple: {
          Subject: { Data: 'Coverage in your area has improved', Charset: 'UTF-8' },
          Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
          Headers: [
            { Name: 'List-Unsubscribe', Value: `<${unsubscribeUrl(message)}>` },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ],
        },
      },
      ConfigurationSetName: 'winback-engagement',
      EmailTags: [
        { Name: 'touchId', Value: 'a1b2c3d4e5f6-1' },
        { Name: 'customerId', Value: Buffer.from('+44 7700 900123').toString('base64url') },
      ],
    });
  });

  it('puts a link in List-Unsubscribe whose token verifies back to the customer and channel', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-msg-2' });

    // Act
    await new SesEmailChannel(options).send(message);

    // Assess
    const headers = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Headers ?? [];
    const link = headers.find((h) => h.Name === 'List-Unsubscribe')?.Value?.slice(1, -1);
    const token = new URL(link!).searchParams.get('token')!;
    expect(verifyUnsubscribeToken(token, UNSUBSCRIBE_KEY)).toEqual({ customerId: message.customerId, channel: 'email' });
  });

  it('sets Reply-To when configured', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-msg-3' });
    const channel = new SesEmailChannel({ ...options, replyTo: 'team@example.com' });

    // Act
    await channel.send(message);

    // Assess
    expect(sesMock).toHaveReceivedCommandWith(SendEmailCommand, { ReplyToAddresses: ['team@example.com'] });
  });

  it('leaves the customer tag out when its encoding is too long for a tag, and still sends', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-msg-4' });
    const longId = 'é'.repeat(128);

    // Act
    await new SesEmailChannel(options).send({ ...message, customerId: longId });

    // Assess
    expect(sesMock).toHaveReceivedCommandWith(SendEmailCommand, { EmailTags: [{ Name: 'touchId', Value: 'a1b2c3d4e5f6-1' }] });
  });

  describe('retryable failures: SES refused, nothing was sent', () => {
    it.each([
      ['throttling', new TooManyRequestsException({ message: 'Too many requests', $metadata: { httpStatusCode: 429 } })],
      ['a sending quota reached', new LimitExceededException({ message: 'Daily message quota exceeded', ...clientFault })],
      ['sending paused', new SendingPausedException({ message: 'Sending paused for this account', ...clientFault })],
      ['a connection that never opened', Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })],
    ])('%s becomes a retryable ChannelError', async (_case, error) => {
      // Prepare
      sesMock.on(SendEmailCommand).rejects(error);

      // Act
      const failure = await failureOf(new SesEmailChannel(options).send(message));

      // Assess
      expect(failure).toBeInstanceOf(ChannelError);
      expect((failure as ChannelError).retryable).toBe(true);
    });
  });

  describe('unknown outcomes: the mail may have gone out', () => {
    it.each([
      ['an unmodelled 500', new SESv2ServiceException({ name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } })],
      ['a request timeout', Object.assign(new Error('request timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' })],
    ])('%s becomes a permanent ChannelError saying so, so no retry sends the mail twice', async (_case, error) => {
      // Prepare
      sesMock.on(SendEmailCommand).rejects(error);

      // Act
      const failure = await failureOf(new SesEmailChannel(options).send(message));

      // Assess
      expect(failure).toBeInstanceOf(ChannelError);
      expect((failure as ChannelError).retryable).toBe(false);
      expect((failure as ChannelError).message).toMatch(/^SES SendEmail outcome unknown: /);
    });
  });

  describe('permanent failures', () => {
    it.each([
      ['a rejected message', new MessageRejected({ message: `Email address is not verified: ${EMAIL}`, ...clientFault })],
      [
        'an unverified MAIL FROM domain',
        new MailFromDomainNotVerifiedException({ message: 'MAIL FROM domain not verified', ...clientFault }),
      ],
      ['a suspended account', new AccountSuspendedException({ message: 'Account suspended', ...clientFault })],
      ['a bad request', new BadRequestException({ message: `Illegal address ${EMAIL}`, ...clientFault })],
    ])('%s becomes a permanent ChannelError that does not name the address', async (_case, error) => {
      // Prepare
      sesMock.on(SendEmailCommand).rejects(error);

      // Act
      const failure = await failureOf(new SesEmailChannel(options).send(message));

      // Assess
      expect(failure).toBeInstanceOf(ChannelError);
      expect((failure as ChannelError).retryable).toBe(false);
      expect((failure as ChannelError).message).toMatch(/^SES SendEmail failed: \w+/);
      expect((failure as ChannelError).message).not.toContain(EMAIL);
    });
  });

  it('refuses a non-HTTPS unsubscribe URL as a configuration error, before calling SES', async () => {
    // Prepare
    const channel = new SesEmailChannel({ ...options, unsubscribeUrl: () => 'http://winback.example.com/unsubscribe' });

    // Act
    const failure = await failureOf(channel.send(message));

    // Assess: a plain Error, which the engine retries and the scheduler finally dead-letters.
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(ChannelError);
    expect(sesMock).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('keeps a crafted URL from breaking out of the header value', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-msg-5' });
    const channel = new SesEmailChannel({
      ...options,
      unsubscribeUrl: () => 'https://winback.example.com/u?t=a>\r\nBcc: victim@example.com',
    });

    // Act
    await channel.send(message);

    // Assess
    const value = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Headers?.[0]?.Value ?? '';
    expect(value).toMatch(/^<https:\/\/winback\.example\.com\/u\?t=[^<>\r\n]*>$/);
  });

  it('refuses a message for another channel, or without a subject, without calling SES', async () => {
    // Prepare
    const channel = new SesEmailChannel(options);
    const { subject: _subject, ...withoutSubject } = message;

    // Act
    const wrongChannel = await failureOf(channel.send({ ...message, channel: 'sms' }));
    const noSubject = await failureOf(channel.send(withoutSubject));

    // Assess
    expect(wrongChannel).toMatchObject({ name: 'ChannelError', retryable: false });
    expect(noSubject).toMatchObject({ name: 'ChannelError', retryable: false });
    expect(sesMock).not.toHaveReceivedCommand(SendEmailCommand);
  });
});

describe('customer tag encoding', () => {
  it('round-trips any customer id through a tag-safe value', () => {
    // Prepare
    const ids = ['cust-0001', '+447700900123', 'a b:c/d?e=f&g', 'Ünïcødé-客户', '...'];

    // Act
    const encoded = ids.map((id) => encodeCustomerTag(id));

    // Assess
    for (const [index, value] of encoded.entries()) {
      expect(value).toMatch(/^[A-Za-z0-9_.@-]+$/);
      expect(decodeCustomerTag(value!)).toBe(ids[index]);
    }
  });
});
