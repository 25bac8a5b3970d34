import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { ChannelError, type MessageChannel, type SendReceipt } from '#shared/ports/message-channel';
import { classifySendFailure, toChannelError } from './clients.ts';

/** The message attribute each team's e-mail subscription filters on. */
export const TEAM_ATTRIBUTE = 'team';
/** SNS e-mail subjects: ASCII, no line breaks, under 100 characters. */
const MAX_SUBJECT_LENGTH = 99;

export interface SnsTaskChannelOptions {
  readonly client: SNSClient;
  /** The retention-task topic; each team subscribes with a filter on {@link TEAM_ATTRIBUTE}. */
  readonly topicArn: string;
}

/**
 * Hands retention tasks to their team: one SNS notification per task notice on one topic, with
 * the team as a message attribute, which each team's e-mail subscription filters on. The text
 * holds the account's contact details for the team; like every message, it is never logged.
 */
export class SnsTaskChannel implements MessageChannel {
  private readonly client: SNSClient;
  private readonly topicArn: string;

  constructor(options: SnsTaskChannelOptions) {
    this.client = options.client;
    this.topicArn = options.topicArn;
  }

  async send(message: OutboundMessage): Promise<SendReceipt> {
    if (message.channel !== 'task') throw new ChannelError(`the task channel cannot send a ${message.channel} message`, false);
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.client.send(new PublishCommand(this.publishInput(message))));
    } catch (error) {
      // Unlike a message to a customer, a task notified twice is only a second e-mail to the
      // team, while a task never notified is a customer nobody calls: when unsure, try again.
      const failure = toChannelError('SNS Publish', error);
      throw classifySendFailure(error) === 'rejected' ? failure : new ChannelError(failure.message, true);
    }
    return { messageId: messageId ?? 'sns-unknown' };
  }

  /** The Publish request for a task notice. */
  publishInput(message: OutboundMessage): PublishCommandInput {
    return {
      TopicArn: this.topicArn,
      Message: message.text,
      ...(message.subject ? { Subject: emailSubject(message.subject) } : {}),
      MessageAttributes: { [TEAM_ATTRIBUTE]: { DataType: 'String', StringValue: message.to } },
    };
  }
}

/**
 * A subject SNS accepts for e-mail: letters outside ASCII lose their accents (é → e) or become
 * `?`, control characters become spaces, and it is cut to 99 characters with an ellipsis.
 */
export function emailSubject(subject: string): string {
  const ascii = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\p{Cc}/gu, ' ')
    .replace(/[^\u0020-\u007e]/g, '?')
    .trim();
  const text = /^[A-Za-z0-9\p{P}]/u.test(ascii) ? ascii : `Task: ${ascii}`;
  return text.length <= MAX_SUBJECT_LENGTH ? text : `${text.slice(0, MAX_SUBJECT_LENGTH - 3)}...`;
}
