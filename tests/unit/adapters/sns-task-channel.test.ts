import 'aws-sdk-client-mock-vitest/extend';
import { AuthorizationErrorException, InternalErrorException, PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { emailSubject, SnsTaskChannel } from '#shared/adapters/aws/sns-task-channel';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { ChannelError } from '#shared/ports/message-channel';

const snsMock = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:WinbackEngine-RetentionTasks';

const notice: OutboundMessage = {
  channel: 'task',
  to: 'partner',
  customerId: 'partner-1',
  touchId: 'a1b2c3d4e5f6-t1',
  subject: 'Retention task for partner: Société Générale d’Électricité, value 7,200 EUR, due 2026-02-04',
  text: 'A high-value account left and is yours to win back.\n\nPhone: +447700900456',
  variant: 'A',
  locale: 'en-GB',
  timezone: 'Europe/London',
};

describe('SnsTaskChannel', () => {
  beforeEach(() => snsMock.reset());

  it('publishes the notice to the task topic with its team as the attribute the e-mail subscriptions filter on', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({ MessageId: 'sns-1' });
    const channel = new SnsTaskChannel({ client: new SNSClient({ region: 'eu-west-1' }), topicArn: TOPIC });

    // Act
    const receipt = await channel.send(notice);

    // Assess
    expect(receipt).toEqual({ messageId: 'sns-1' });
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Message: notice.text,
      Subject: 'Retention task for partner: Societe Generale d?Electricite, value 7,200 EUR, due 2026-02-04',
      MessageAttributes: { team: { DataType: 'String', StringValue: 'partner' } },
    });
  });

  it('tells a retryable failure from a permanent one, naming no contact detail', async () => {
    const channel = new SnsTaskChannel({ client: new SNSClient({ region: 'eu-west-1' }), topicArn: TOPIC });
    for (const [error, retryable] of [
      [new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }), true],
      [new InternalErrorException({ message: 'oops', $metadata: { httpStatusCode: 500 } }), true],
      [new AuthorizationErrorException({ message: 'not allowed for +447700900456', $metadata: { httpStatusCode: 403 } }), false],
    ] as const) {
      snsMock.reset();
      snsMock.on(PublishCommand).rejects(error);
      const failure = await channel.send(notice).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ChannelError);
      expect(failure).toMatchObject({ retryable });
      expect((failure as Error).message).not.toContain('+447700900456');
    }
  });

  it('refuses a message for another channel', async () => {
    const channel = new SnsTaskChannel({ client: new SNSClient({ region: 'eu-west-1' }), topicArn: TOPIC });
    await expect(channel.send({ ...notice, channel: 'sms' })).rejects.toMatchObject({ retryable: false });
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });

  it('makes subjects SNS accepts for e-mail: ASCII, one line, under 100 characters', () => {
    expect(emailSubject('Ligne 1\nLigne 2 — ça')).toBe('Ligne 1 Ligne 2 ? ca');
    expect(emailSubject('  ✓ done')).toBe('? done');
    expect(emailSubject('+ urgent')).toBe('Task: + urgent');
    const long = emailSubject(`Retention task: ${'x'.repeat(200)}`);
    expect(long).toHaveLength(99);
    expect(long.endsWith('...')).toBe(true);
  });
});
