import {
  SendWhatsAppMessageCommand,
  type SendWhatsAppMessageCommandInput,
  type SocialMessagingClient,
} from '@aws-sdk/client-socialmessaging';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { signLinkToken } from '#shared/domain/tracked-link';
import { ChannelError, type MessageChannel, type SendReceipt } from '#shared/ports/message-channel';
import { toChannelError } from './clients.ts';

/** The Meta Graph API version the message object is written for. */
export const META_API_VERSION = 'v20.0';

/** Options of {@link WhatsAppChannel}. */
export interface WhatsAppChannelOptions {
  /** Created once per process with `createSocialMessagingClient()` (`message-clients.ts`). */
  readonly client: SocialMessagingClient;
  /** The End User Messaging Social phone number id to send from (`phone-number-id-…`). */
  readonly originationPhoneNumberId: string;
  /**
   * Seals the `biz_opaque_callback_data` that Meta echoes in each status of the message, so a
   * receipt finds its customer and touch without a lookup table and shows Meta nothing personal:
   * the tracked-link key (the token is the touch's link token).
   */
  readonly callbackKey: string;
}

/**
 * Error names of End User Messaging Social that mean "refused, nothing sent, later": a quota or
 * rate reached (throttles are refusals for every service, see `classifySendFailure`). Permanent,
 * like any other 4xx: `ValidationException`, `InvalidParametersException` (e.g. a template or
 * language Meta has not approved), `AccessDeniedException`, `AccessDeniedByMetaException`,
 * `ResourceNotFoundException`. A 5xx or a `DependencyException` (Meta answered badly) is an
 * unknown outcome: the message may be out.
 */
const WHATSAPP_REFUSALS = new Set(['LimitExceededException', 'ThrottledRequestException']);

/**
 * {@link MessageChannel} for WhatsApp through AWS End User Messaging Social `SendWhatsAppMessage`:
 * business-initiated messages must be templates Meta approved, so each message is the offer's
 * template (`message.template`) in the customer's language, its body variables filled with the
 * offer's parameters (the brand, the tracked link). Receipts (sent, delivered, read, failed)
 * reach the engagement function through the WhatsApp Business Account's event destination (an SNS
 * topic), carrying the sealed callback data set here.
 */
export class WhatsAppChannel implements MessageChannel {
  constructor(private readonly options: WhatsAppChannelOptions) {}

  async send(message: OutboundMessage): Promise<SendReceipt> {
    if (message.channel !== 'whatsapp') throw new ChannelError(`the WhatsApp channel cannot send a ${message.channel} message`, false);
    if (!message.template) throw new ChannelError('a WhatsApp message needs an approved template', false);
    let messageId: string | undefined;
    try {
      ({ messageId } = await this.options.client.send(new SendWhatsAppMessageCommand(this.sendInput(message))));
    } catch (error) {
      throw toChannelError('WhatsApp SendWhatsAppMessage', error, WHATSAPP_REFUSALS);
    }
    // The service always answers a messageId; were it missing, the message still went out.
    return { messageId: messageId ?? 'whatsapp-unknown' };
  }

  /** The SendWhatsAppMessage request for a message: a WhatsApp Cloud API message object, as UTF-8 JSON. */
  sendInput(message: OutboundMessage): SendWhatsAppMessageCommandInput {
    const template = message.template!;
    const body = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: message.to,
      type: 'template',
      template: {
        name: template.name,
        language: { policy: 'deterministic', code: template.language },
        components: [{ type: 'body', parameters: template.parameters.map((text) => ({ type: 'text', text })) }],
      },
      biz_opaque_callback_data: signLinkToken({ customerId: message.customerId, touchId: message.touchId }, this.options.callbackKey),
    };
    return {
      originationPhoneNumberId: this.options.originationPhoneNumberId,
      message: new TextEncoder().encode(JSON.stringify(body)),
      metaApiVersion: META_API_VERSION,
    };
  }
}
