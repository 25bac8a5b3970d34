import type { TouchChannel } from '#shared/domain/journey/record';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import type { MessagePrice } from '#shared/domain/pricing';

export interface SendReceipt {
  messageId: string;
}

/**
 * Sends one message on one channel (End User Messaging for SMS, SES for e-mail, a partner push
 * service, SNS for a retention team's task).
 * Throws `ChannelError` with `retryable` set when the failure may pass (throttling, 5xx).
 */
export interface MessageChannel {
  /** `price` is what the engine priced the message at (the touch records it); an adapter may show it, never needs it. */
  send(message: OutboundMessage, price: MessagePrice): Promise<SendReceipt>;
  /**
   * The message sent for this touch, if the channel can tell: the local outbox can. End User
   * Messaging SMS, SES and SNS cannot be asked by Winback's touch id (their sends carry no
   * idempotency key of ours), so their adapters leave this out and a touch whose claim lapsed is
   * recorded `failed: outcome_unknown` rather than risk a second message.
   */
  findSent?(touchId: string): Promise<SendReceipt | undefined>;
}

export type MessageChannels = Partial<Record<TouchChannel, MessageChannel>>;

export class ChannelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /**
     * The message may have gone out: the answer to the send was lost (a timeout, a 5xx). Never
     * retryable; the touch is recorded failed with its outcome unknown, and counted so in the KPIs.
     */
    readonly outcomeUnknown = false,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}
