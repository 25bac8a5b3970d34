import { PublishCommand, type MessageAttributeValue, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import type { OutboundMessage } from '#shared/domain/customer';
import { ChannelError, type MessageChannel, type SendReceipt } from '#shared/ports/message-channel';
import { toChannelError } from './clients.ts';

/** Options of {@link SnsSmsChannel}. */
export interface SnsSmsChannelOptions {
  /** Created once per process with `createSnsClient()` (`clients.ts`). */
  readonly client: SNSClient;
  /**
   * `Promotional` is cheaper and is what a win-back message is: marketing, not a one-time code.
   * Carriers in some countries filter promotional traffic at night or drop it for opted-out
   * numbers, which is the behaviour wanted here.
   * @default 'Promotional'
   */
  readonly smsType?: 'Promotional' | 'Transactional';
  /** Alphanumeric sender id (1–11 characters), where the destination country supports one. */
  readonly senderId?: string;
  /** An origination number (E.164) owned in the account, e.g. a toll-free or 10DLC number. */
  readonly originationNumber?: string;
  /** Highest price in USD SNS may pay for one message, e.g. `'0.50'`; a costlier message is not sent. */
  readonly maxPrice?: string;
}

/**
 * Error names of SNS that mean "later": its own throttling, throttling by KMS (encrypted
 * topics/SMS data), and internal errors — some answered with a 4xx status, so the status
 * alone would call them permanent.
 */
const SNS_RETRYABLE = new Set(['ThrottledException', 'Throttled', 'KMSThrottlingException', 'KMSThrottling', 'InternalErrorException', 'InternalError']);

const stringAttribute = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/**
 * {@link MessageChannel} for SMS through SNS `Publish` to a phone number (no topic): one
 * message, one call, no subscription state to keep.
 *
 * Errors become {@link ChannelError}s: retryable for throttling, 5xx and anything that never got
 * an answer; permanent for an invalid or opted-out number and for missing permissions, which a
 * retry would not change. Their messages never carry the phone number (SNS's own messages can).
 */
export class SnsSmsChannel implements MessageChannel {
  private readonly client: SNSClient;
  private readonly attributes: Record<string, MessageAttributeValue>;

  constructor(options: SnsSmsChannelOptions) {
    this.client = options.client;
    // The attributes are the same for every message: build them once.
    this.attributes = {
      'AWS.SNS.SMS.SMSType': stringAttribute(options.smsType ?? 'Promotional'),
      ...(options.senderId ? { 'AWS.SNS.SMS.SenderID': stringAttribute(options.senderId) } : {}),
      ...(options.originationNumber ? { 'AWS.MM.SMS.OriginationNumber': stringAttribute(options.originationNumber) } : {}),
      ...(options.maxPrice ? { 'AWS.SNS.SMS.MaxPrice': stringAttribute(options.maxPrice) } : {}),
    };
  }

  async send(message: OutboundMessage): Promise<SendReceipt> {
    if (message.channel !== 'sms') throw new ChannelError(`the SMS channel cannot send a ${message.channel} message`, false);
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.client.send(new PublishCommand(this.publishInput(message))));
    } catch (error) {
      throw toChannelError('SNS Publish', error, SNS_RETRYABLE);
    }
    // SNS always answers a MessageId; were it missing, the message still went out, and recording
    // it as sent is better than a retry that would send it twice.
    return { messageId: messageId ?? 'sns-unknown' };
  }

  /** The Publish request for a message. */
  publishInput(message: OutboundMessage): PublishCommandInput {
    return { PhoneNumber: message.to, Message: message.text, MessageAttributes: { ...this.attributes } };
  }
}
