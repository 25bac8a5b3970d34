import 'aws-sdk-client-mock-vitest/extend';
import {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  PinpointSMSVoiceV2Client,
  PinpointSMSVoiceV2ServiceException,
  ResourceNotFoundException,
  SendTextMessageCommand,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSmsClient } from '#shared/adapters/aws/message-clients';
import { decodeCustomerTag } from '#shared/adapters/aws/ses-email-channel';
import { EumSmsChannel } from '#shared/adapters/aws/sms-channel';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { ChannelError } from '#shared/ports/message-channel';
import { fakeAwsConfig, startFakeAwsEndpoint, type FakeAwsEndpoint } from './fake-aws-endpoint.ts';

const smsMock = mockClient(PinpointSMSVoiceV2Client);

const PHONE = '+447700900123';

const message: OutboundMessage = {
  channel: 'sms',
  to: PHONE,
  customerId: 'cust 0001+x',
  touchId: 'a1b2c3d4e5f6-1',
  text: 'Winback Mobile: coverage in your area is better than it was. Reply STOP to opt out.',
  variant: 'A',
  locale: 'en-GB',
  timezone: 'Europe/London',
};

const clientFault = { $fault: 'client' as const, $metadata: { httpStatusCode: 400, requestId: 'req-1' } };

/** The ChannelError a send failed with (the test fails if it did not fail with one). */
async function failureOf(send: Promise<unknown>): Promise<ChannelError> {
  const error = await send.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ChannelError);
  return error as ChannelError;
}

describe('EumSmsChannel', () => {
  beforeEach(() => {
    smsMock.reset();
  });

  it('sends a promotional text with the configuration set and the touch and customer in its Context, and returns the message id', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'eum-msg-1' });
    const channel = new EumSmsChannel({ client: new PinpointSMSVoiceV2Client({}), configurationSetName: 'WinbackEngine-sms' });

    // Act
    const receipt = await channel.send(message);

    // Assess
    expect(receipt).toEqual({ messageId: 'eum-msg-1' });
    expect(smsMock).toHaveReceivedCommandTimes(SendTextMessageCommand, 1);
    const input = smsMock.commandCalls(SendTextMessageCommand)[0]!.args[0].input;
    expect(input).toEqual({
      DestinationPhoneNumber: PHONE,
      MessageBody: message.text,
      MessageType: 'PROMOTIONAL',
      ConfigurationSetName: 'WinbackEngine-sms',
      Context: { touchId: message.touchId, customer: Buffer.from(message.customerId).toString('base64url') },
    });
    expect(decodeCustomerTag(input.Context!.customer!)).toBe(message.customerId);
  });

  it('sets the origination identity and message type when configured', async () => {
    // Prepare
    smsMock.on(SendTextMessageCommand).resolves({ MessageId: 'eum-msg-2' });
    const channel = new EumSmsChannel({
      client: new PinpointSMSVoiceV2Client({}),
      configurationSetName: 'cs',
      messageType: 'TRANSACTIONAL',
      originationIdentity: '+18005550100',
    });

    // Act
    await channel.send(message);

    // Assess
    expect(smsMock).toHaveReceivedCommandExactlyOnceWith(SendTextMessageCommand, {
      DestinationPhoneNumber: PHONE,
      MessageBody: message.text,
      MessageType: 'TRANSACTIONAL',
      OriginationIdentity: '+18005550100',
      ConfigurationSetName: 'cs',
      Context: { touchId: message.touchId, customer: Buffer.from(message.customerId).toString('base64url') },
    });
  });

  describe('retryable failures: the service refused, nothing was sent', () => {
    it.each([
      ['throttling', new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } })],
      [
        'a quota reached (e.g. the monthly spend limit)',
        new ServiceQuotaExceededException({ message: 'Quota exceeded', Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT', ...clientFault }),
      ],
      ['a connection that never opened', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ])('%s becomes a retryable ChannelError', async (_case, error) => {
      // Prepare
      smsMock.on(SendTextMessageCommand).rejects(error);
      const channel = new EumSmsChannel({ client: new PinpointSMSVoiceV2Client({}), configurationSetName: 'cs' });

      // Act
      const failure = await failureOf(channel.send(message));

      // Assess
      expect(failure.retryable).toBe(true);
      expect(failure.message).toMatch(/^SMS SendTextMessage failed: /);
    });
  });

  describe('unknown outcomes: the text may have gone out', () => {
    it.each([
      ['an internal error', new InternalServerException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } })],
      [
        'an unmodelled 503',
        new PinpointSMSVoiceV2ServiceException({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 } }),
      ],
      ['a connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ])('%s becomes a permanent ChannelError saying so, so no retry sends the text twice', async (_case, error) => {
      // Prepare
      smsMock.on(SendTextMessageCommand).rejects(error);
      const channel = new EumSmsChannel({ client: new PinpointSMSVoiceV2Client({}), configurationSetName: 'cs' });

      // Act
      const failure = await failureOf(channel.send(message));

      // Assess
      expect(failure.retryable).toBe(false);
      expect(failure.message).toMatch(/^SMS SendTextMessage outcome unknown: /);
    });
  });

  describe('permanent failures', () => {
    it.each([
      [
        'an opted-out number',
        new ConflictException({
          message: `Destination phone number ${PHONE} is opted out`,
          Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
          ResourceType: 'opt-out-list',
          ResourceId: 'Default',
          ...clientFault,
        }),
      ],
      [
        'an invalid number',
        new ValidationException({ message: `${PHONE} is not a valid phone number`, Reason: 'INVALID_PARAMETER', ...clientFault }),
      ],
      ['a missing configuration set', new ResourceNotFoundException({ message: 'Configuration set not found', ...clientFault })],
      [
        'missing permissions',
        new AccessDeniedException({ message: 'not authorized to perform sms-voice:SendTextMessage', $metadata: { httpStatusCode: 403 } }),
      ],
    ])('%s becomes a permanent ChannelError that does not name the phone number', async (_case, error) => {
      // Prepare
      smsMock.on(SendTextMessageCommand).rejects(error);
      const channel = new EumSmsChannel({ client: new PinpointSMSVoiceV2Client({}), configurationSetName: 'cs' });

      // Act
      const failure = await failureOf(channel.send(message));

      // Assess
      expect(failure.retryable).toBe(false);
      expect(failure.message).toMatch(/^SMS SendTextMessage failed: \w+Exception/);
      expect(failure.message).not.toContain(PHONE.slice(1));
      expect(JSON.stringify(failure)).not.toContain(PHONE.slice(1));
      expect(failure.cause).toBeUndefined();
    });
  });

  it('refuses a message for another channel without calling the service', async () => {
    // Prepare
    const channel = new EumSmsChannel({ client: new PinpointSMSVoiceV2Client({}), configurationSetName: 'cs' });

    // Act
    const failure = await failureOf(channel.send({ ...message, channel: 'email' }));

    // Assess
    expect(failure.retryable).toBe(false);
    expect(smsMock).not.toHaveReceivedCommand(SendTextMessageCommand);
  });
});

describe('EumSmsChannel over the wire (awsJson1_0 error parsing)', () => {
  let server: FakeAwsEndpoint | undefined;

  afterEach(async () => {
    smsMock.restore();
    await server?.close();
    server = undefined;
  });

  it('reads a ValidationException answer as permanent, without the number the service echoes in its message', async () => {
    // Prepare: a real client (the mock would bypass the protocol's error parsing).
    smsMock.restore();
    server = await startFakeAwsEndpoint(() => ({
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'req-wire-1' },
      body: JSON.stringify({ __type: 'ValidationException', Message: `${PHONE} is not a valid phone number`, Reason: 'INVALID_PARAMETER' }),
    }));
    const channel = new EumSmsChannel({
      client: createSmsClient({ ...fakeAwsConfig, endpoint: server.endpoint }),
      configurationSetName: 'cs',
    });

    // Act
    const failure = await failureOf(channel.send(message));

    // Assess
    expect(failure.retryable).toBe(false);
    expect(failure.message).toBe('SMS SendTextMessage failed: ValidationException, HTTP 400, request req-wire-1');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers['x-amz-target']).toBe('PinpointSMSVoiceV2.SendTextMessage');
    expect(JSON.parse(server.requests[0]!.body)).toMatchObject({ DestinationPhoneNumber: PHONE, ConfigurationSetName: 'cs' });
  });
});
