import {
  SendTextMessageCommand,
  type PinpointSMSVoiceV2Client,
  type SendTextMessageCommandInput,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { ChannelError, type MessageChannel, type SendReceipt } from '#shared/ports/message-channel';
import { toChannelError } from './clients.ts';
import { encodeCustomerTag } from './ses-email-channel.ts';

/** Options of {@link EumSmsChannel}. */
export interface EumSmsChannelOptions {
  /** Created once per process with `createSmsClient()` (`message-clients.ts`). */
  readonly client: PinpointSMSVoiceV2Client;
  /**
   * The End User Messaging SMS configuration set whose event destination sends delivery receipts
   * back to the engagement function (as `message.engaged`).
   */
  readonly configurationSetName: string;
  /**
   * `PROMOTIONAL` is what a win-back message is: marketing, not a one-time code. Carriers in some
   * countries filter promotional traffic at night or for opted-out numbers, which is wanted here.
   * @default 'PROMOTIONAL'
   */
  readonly messageType?: 'PROMOTIONAL' | 'TRANSACTIONAL';
  /**
   * The phone number, sender id or pool (id or ARN) to send from. Unset, the service picks one of
   * the account's identities for the destination country (or the configuration set's default
   * sender id). Replies (STOP) reach Winback only through a two-way number.
   */
  readonly originationIdentity?: string;
}

/** Keys of the `Context` map the adapter sets; End User Messaging echoes it in every event of the message. */
export const SMS_CONTEXT = {
  /** The touch id as is. */
  touchId: 'touchId',
  /** The customer id, base64url-encoded (`encodeCustomerTag`), as in the SES tags. */
  customer: 'customer',
} as const;

/**
 * Error names of End User Messaging SMS that mean "refused, nothing sent, later": a service quota
 * reached (the monthly spend limit or a rate): the quota frees up or an operator raises it, and
 * until then the send is retried by Lambda and finally dead-lettered, where it can be re-driven
 * (throttles are refusals for every service, see `classifySendFailure`). Permanent, like any
 * other 4xx: `ConflictException` (e.g. the destination opted out), `ValidationException` (e.g. an
 * invalid number), `AccessDeniedException`, `ResourceNotFoundException`. An
 * `InternalServerException` (5xx) is an unknown outcome: the text may have gone out.
 */
const SMS_REFUSALS = new Set(['ServiceQuotaExceededException']);

/**
 * {@link MessageChannel} for SMS through AWS End User Messaging SMS `SendTextMessage`: one message,
 * one call. Chosen over SNS `Publish` because it takes a configuration set (whose event
 * destination streams delivery receipts) and a `Context` map that every event of the message
 * carries back, so a receipt finds its customer and touch without a lookup table.
 *
 * Errors become {@link ChannelError}s: retryable when the service refused (throttling, quotas, a
 * connection that never opened); permanent for an invalid or opted-out number and for missing
 * permissions, which a retry would not change; permanent too, marked `outcome unknown`, after a
 * 5xx or a timeout, when the text may have gone out and a retry could send it twice (no
 * idempotency token exists for SendTextMessage). Their messages never carry the phone number.
 */
export class EumSmsChannel implements MessageChannel {
  private readonly client: PinpointSMSVoiceV2Client;
  private readonly configurationSetName: string;
  private readonly messageType: 'PROMOTIONAL' | 'TRANSACTIONAL';
  private readonly originationIdentity: string | undefined;

  constructor(options: EumSmsChannelOptions) {
    this.client = options.client;
    this.configurationSetName = options.configurationSetName;
    this.messageType = options.messageType ?? 'PROMOTIONAL';
    this.originationIdentity = options.originationIdentity || undefined;
  }

  async send(message: OutboundMessage): Promise<SendReceipt> {
    if (message.channel !== 'sms') throw new ChannelError(`the SMS channel cannot send a ${message.channel} message`, false);
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.client.send(new SendTextMessageCommand(this.sendInput(message))));
    } catch (error) {
      throw toChannelError('SMS SendTextMessage', error, SMS_REFUSALS);
    }
    // The service always answers a MessageId; were it missing, the message still went out, and
    // recording it as sent is better than a retry that would send it twice.
    return { messageId: messageId ?? 'sms-unknown' };
  }

  /** The SendTextMessage request for a message. */
  sendInput(message: OutboundMessage): SendTextMessageCommandInput {
    const context: Record<string, string> = { [SMS_CONTEXT.touchId]: message.touchId };
    const customer = encodeCustomerTag(message.customerId);
    // Too long to encode (rare): the message still goes, but its receipts cannot be matched back
    // to the customer and are dropped by the engagement handler.
    if (customer !== undefined) context[SMS_CONTEXT.customer] = customer;
    return {
      DestinationPhoneNumber: message.to,
      MessageBody: message.text,
      MessageType: this.messageType,
      ...(this.originationIdentity !== undefined ? { OriginationIdentity: this.originationIdentity } : {}),
      ConfigurationSetName: this.configurationSetName,
      Context: context,
    };
  }
}
