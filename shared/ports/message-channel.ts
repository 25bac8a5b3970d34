import type { OutboundMessage } from '#shared/domain/customer';
import type { Channel } from '#shared/domain/vocabulary';

export interface SendReceipt {
  messageId: string;
  /** What the message cost, in the policy currency, when the channel knows. */
  cost?: number;
}

/**
 * Sends one message on one channel (SNS for SMS, SES for e-mail, a partner push service).
 * Throws `ChannelError` with `retryable` set when the failure may pass (throttling, 5xx).
 */
export interface MessageChannel {
  send(message: OutboundMessage): Promise<SendReceipt>;
}

export type MessageChannels = Partial<Record<Channel, MessageChannel>>;

export class ChannelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}
