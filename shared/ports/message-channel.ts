import type { TouchChannel } from '#shared/domain/journey/record';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';

export interface SendReceipt {
  messageId: string;
  /** What the message cost, in the policy currency, when the channel knows. */
  cost?: number;
}

/**
 * Sends one message on one channel (End User Messaging for SMS, SES for e-mail, a partner push
 * service, SNS for a retention team's task).
 * Throws `ChannelError` with `retryable` set when the failure may pass (throttling, 5xx).
 */
export interface MessageChannel {
  send(message: OutboundMessage): Promise<SendReceipt>;
}

export type MessageChannels = Partial<Record<TouchChannel, MessageChannel>>;

export class ChannelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}
