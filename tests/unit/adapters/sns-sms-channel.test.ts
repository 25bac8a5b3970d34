import 'aws-sdk-client-mock-vitest/extend';
import {
  AuthorizationErrorException,
  InternalErrorException,
  InvalidParameterException,
  KMSThrottlingException,
  OptedOutException,
  PublishCommand,
  SNSClient,
  SNSServiceException,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSnsClient } from '#shared/adapters/aws/clients';
import { SnsSmsChannel } from '#shared/adapters/aws/sns-sms-channel';
import type { OutboundMessage } from '#shared/domain/customer';
import { ChannelError } from '#shared/ports/message-channel';
import { fakeAwsConfig, startFakeAwsEndpoint, type FakeAwsEndpoint } from './fake-aws-endpoint.ts';

const snsMock = mockClient(SNSClient);

const PHONE = '+447700900123';

const message: OutboundMessage = {
  channel: 'sms',
  to: PHONE,
  customerId: 'cust-0001',
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

describe('SnsSmsChannel', () => {
  beforeEach(() => {
    snsMock.reset();
  });

  it('publishes to the phone number as a promotional SMS by default, and returns the message id', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({ MessageId: 'sns-msg-1' });
    const channel = new SnsSmsChannel({ client: new SNSClient({}) });

    // Act
    const receipt = await channel.send(message);

    // Assess
    expect(receipt).toEqual({ messageId: 'sns-msg-1' });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      PhoneNumber: PHONE,
      Message: message.text,
      MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Promotional' } },
    });
  });

  it('sets sender id, origination number and max price when configured', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({ MessageId: 'sns-msg-2' });
    const channel = new SnsSmsChannel({ client: new SNSClient({}), smsType: 'Transactional', senderId: 'WINBACK', originationNumber: '+18005550100', maxPrice: '0.50' });

    // Act
    await channel.send(message);

    // Assess
    expect(snsMock).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
      PhoneNumber: PHONE,
      Message: message.text,
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'WINBACK' },
        'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: '+18005550100' },
        'AWS.SNS.SMS.MaxPrice': { DataType: 'String', StringValue: '0.50' },
      },
    });
  });

  describe('retryable failures', () => {
    it.each([
      ['throttling', new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } })],
      ['an internal error', new InternalErrorException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } })],
      ['KMS throttling', new KMSThrottlingException({ message: 'KMS rate exceeded', ...clientFault })],
      ['an unmodelled 503', new SNSServiceException({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 } })],
      ['an error the SDK marks $retryable', Object.assign(new SNSServiceException({ name: 'Odd', ...clientFault }), { $retryable: {} })],
      ['a network error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ])('%s becomes a retryable ChannelError', async (_case, error) => {
      // Prepare
      snsMock.on(PublishCommand).rejects(error);
      const channel = new SnsSmsChannel({ client: new SNSClient({}) });

      // Act
      const failure = await failureOf(channel.send(message));

      // Assess
      expect(failure.retryable).toBe(true);
    });
  });

  describe('permanent failures', () => {
    it.each([
      ['an invalid parameter', new InvalidParameterException({ message: `Invalid parameter: PhoneNumber Reason: ${PHONE} is not valid to publish to`, ...clientFault })],
      ['an opted-out number', new OptedOutException({ message: `Phone number ${PHONE} is opted out`, ...clientFault })],
      ['missing permissions', new AuthorizationErrorException({ message: 'User is not authorized to perform SNS:Publish', $metadata: { httpStatusCode: 403 } })],
    ])('%s becomes a permanent ChannelError that does not name the phone number', async (_case, error) => {
      // Prepare
      snsMock.on(PublishCommand).rejects(error);
      const channel = new SnsSmsChannel({ client: new SNSClient({}) });

      // Act
      const failure = await failureOf(channel.send(message));

      // Assess
      expect(failure.retryable).toBe(false);
      expect(failure.message).toMatch(/^SNS Publish failed: \w+Exception/);
      expect(failure.message).not.toContain(PHONE);
      expect(failure.message).not.toContain(PHONE.slice(1));
      expect(JSON.stringify(failure)).not.toContain(PHONE.slice(1));
      expect(failure.cause).toBeUndefined();
    });
  });

  it('refuses a message for another channel without calling SNS', async () => {
    // Prepare
    const channel = new SnsSmsChannel({ client: new SNSClient({}) });

    // Act
    const failure = await failureOf(channel.send({ ...message, channel: 'email' }));

    // Assess
    expect(failure.retryable).toBe(false);
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });
});

describe('SnsSmsChannel over the wire (awsQuery error parsing)', () => {
  let server: FakeAwsEndpoint | undefined;

  afterEach(async () => {
    snsMock.restore();
    await server?.close();
    server = undefined;
  });

  it('reads an InvalidParameter answer as permanent, without the number SNS echoes in its message', async () => {
    // Prepare: a real client (the mock would bypass the protocol's error parsing).
    snsMock.restore();
    server = await startFakeAwsEndpoint(() => ({
      status: 400,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': 'req-wire-1' },
      body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid parameter: PhoneNumber Reason: ${PHONE} is not valid to publish to</Message></Error><RequestId>req-wire-1</RequestId></ErrorResponse>`,
    }));
    const channel = new SnsSmsChannel({ client: createSnsClient({ ...fakeAwsConfig, endpoint: server.endpoint }) });

    // Act
    const failure = await failureOf(channel.send(message));

    // Assess
    expect(failure.retryable).toBe(false);
    expect(failure.message).toBe('SNS Publish failed: InvalidParameterException, HTTP 400, request req-wire-1');
    expect(server.requests).toHaveLength(1);
    expect(decodeURIComponent(server.requests[0]!.body)).toContain('Action=Publish');
  });
});
