import 'aws-sdk-client-mock-vitest/extend';
import {
  InvalidParametersException,
  InternalServiceException,
  SendWhatsAppMessageCommand,
  SocialMessagingClient,
  ThrottledRequestException,
} from '@aws-sdk/client-socialmessaging';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSocialMessagingClient } from '#shared/adapters/aws/message-clients';
import { WhatsAppChannel } from '#shared/adapters/aws/whatsapp-channel';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { openLinkToken } from '#shared/domain/tracked-link';
import { ChannelError } from '#shared/ports/message-channel';
import { fakeAwsConfig, startFakeAwsEndpoint, type FakeAwsEndpoint } from './fake-aws-endpoint.ts';

const socialMock = mockClient(SocialMessagingClient);
const KEY = 'whatsapp-callback-key';
const NUMBER_ID = 'phone-number-id-0123456789abcdef0123456789abcdef';
const PHONE = '+34612345678';

const message: OutboundMessage = {
  channel: 'whatsapp',
  to: PHONE,
  customerId: 'cust-0001',
  touchId: 'a1b2c3d4e5f6-1',
  text: 'Winback Mobile: hay antenas nuevas cerca de ti. https://go.example.com/r/abc',
  variant: 'A',
  locale: 'es-ES',
  language: 'es',
  template: { name: 'winback_fix_coverage', language: 'es', parameters: ['Winback Mobile', 'https://go.example.com/r/abc'] },
  timezone: 'Europe/Madrid',
};

const channel = (client: SocialMessagingClient = new SocialMessagingClient({})) =>
  new WhatsAppChannel({ client, originationPhoneNumberId: NUMBER_ID, callbackKey: KEY });

/** The ChannelError a send failed with (the test fails if it did not fail with one). */
async function failureOf(send: Promise<unknown>): Promise<ChannelError> {
  const error = await send.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ChannelError);
  return error as ChannelError;
}

describe('WhatsAppChannel', () => {
  beforeEach(() => socialMock.reset());

  it('sends the offer as its approved template in the customer’s language, with the sealed touch as callback data', async () => {
    // Prepare
    socialMock.on(SendWhatsAppMessageCommand).resolves({ messageId: 'social-msg-1' });

    // Act
    const receipt = await channel().send(message);

    // Assess
    expect(receipt).toEqual({ messageId: 'social-msg-1' });
    expect(socialMock).toHaveReceivedCommandWith(SendWhatsAppMessageCommand, {
      originationPhoneNumberId: NUMBER_ID,
      metaApiVersion: 'v20.0',
    });
    const input = socialMock.commandCalls(SendWhatsAppMessageCommand)[0]!.args[0].input;
    const body = JSON.parse(new TextDecoder().decode(input.message));
    expect(body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: PHONE,
      type: 'template',
      template: {
        name: 'winback_fix_coverage',
        language: { policy: 'deterministic', code: 'es' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Winback Mobile' },
              { type: 'text', text: 'https://go.example.com/r/abc' },
            ],
          },
        ],
      },
      biz_opaque_callback_data: expect.any(String),
    });
    // Meta sees a sealed token, not the customer id; the engagement function opens it.
    expect(body.biz_opaque_callback_data).not.toContain('cust');
    expect(openLinkToken(body.biz_opaque_callback_data, KEY)).toEqual({ customerId: 'cust-0001', touchId: 'a1b2c3d4e5f6-1' });
  });

  it('refuses a message without a template, or for another channel, without calling the service', async () => {
    const { template: _template, ...untemplated } = message;
    expect((await failureOf(channel().send(untemplated))).retryable).toBe(false);
    expect((await failureOf(channel().send({ ...message, channel: 'sms' }))).retryable).toBe(false);
    expect(socialMock.commandCalls(SendWhatsAppMessageCommand)).toHaveLength(0);
  });

  it.each([
    [
      'a throttle: retryable, nothing was sent',
      new ThrottledRequestException({ message: 'slow down', $metadata: { httpStatusCode: 429 } }),
      true,
      /failed/,
    ],
    [
      'a template Meta has not approved in that language: permanent',
      new InvalidParametersException({ message: `template for ${PHONE}`, $metadata: { httpStatusCode: 400 } }),
      false,
      /failed: InvalidParametersException/,
    ],
    [
      'a 5xx: permanent, the message may be out',
      new InternalServiceException({ message: 'oops', $metadata: { httpStatusCode: 500 } }),
      false,
      /outcome unknown/,
    ],
  ])('%s', async (_case, error, retryable, wording) => {
    socialMock.on(SendWhatsAppMessageCommand).rejects(error);

    const failure = await failureOf(channel().send(message));

    expect(failure.retryable).toBe(retryable);
    expect(failure.message).toMatch(wording);
    expect(failure.message).not.toContain(PHONE.slice(1));
  });

  describe('over the wire, with a real client', () => {
    let server: FakeAwsEndpoint | undefined;
    afterEach(async () => {
      socialMock.reset();
      await server?.close();
      server = undefined;
    });

    it('posts the message object base64-encoded to the SendWhatsAppMessage route', async () => {
      // Prepare: the mock would bypass the protocol's serialization.
      socialMock.restore();
      server = await startFakeAwsEndpoint(() => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messageId: 'wire-msg-1' }),
      }));
      const client = createSocialMessagingClient({ ...fakeAwsConfig, endpoint: server.endpoint });

      // Act
      const receipt = await channel(client).send(message);

      // Assess
      expect(receipt.messageId).toBe('wire-msg-1');
      const [request] = server.requests;
      expect(request).toMatchObject({ method: 'POST', url: '/v1/whatsapp/send' });
      const wire = JSON.parse(request!.body);
      expect(wire).toMatchObject({ originationPhoneNumberId: NUMBER_ID, metaApiVersion: 'v20.0' });
      expect(JSON.parse(Buffer.from(wire.message, 'base64').toString('utf8')).template.name).toBe('winback_fix_coverage');
    });
  });
});
