import { SendEmailCommand, type MessageTag, type SendEmailCommandInput, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { ChannelError, type MessageChannel, type SendReceipt } from '#shared/ports/message-channel';
import { toChannelError } from './clients.ts';

/** Options of {@link SesEmailChannel}. */
export interface SesEmailChannelOptions {
  /** Created once per process with `createSesClient()` (`message-clients.ts`). */
  readonly client: SESv2Client;
  /** A verified identity, e.g. `Winback Mobile <offers@mail.example.com>`. */
  readonly fromAddress: string;
  /**
   * The configuration set whose event destination feeds delivery, bounce, complaint, open and
   * click events back to the ingest endpoint (as `message.engaged`).
   */
  readonly configurationSetName: string;
  /**
   * The one-click opt-out URL for a message (HTTPS, as RFC 8058 requires), typically the
   * unsubscribe endpoint with a `signUnsubscribeToken` token.
   */
  readonly unsubscribeUrl: (message: OutboundMessage) => string;
  /** Where replies go, if not to `fromAddress`. */
  readonly replyTo?: string;
}

/** Names of the SES message tags the adapter sets; engagement events carry them back. */
export const EMAIL_TAGS = {
  /** The touch id as is (engine touch ids are `[0-9a-f-]`, tag-safe). */
  touchId: 'touchId',
  /** The customer id, base64url-encoded ({@link encodeCustomerTag}). */
  customerId: 'customerId',
} as const;

/** SES tag values allow only `[A-Za-z0-9_\-.@]`, at most 256 characters. */
const TAG_VALUE = /^[A-Za-z0-9_.@-]{1,256}$/;

/**
 * A customer id as an SES tag value. Customer ids may hold any printable character (`+`,
 * spaces, `:`), which SES refuses in tags, so they are base64url-encoded: its alphabet is
 * tag-safe and it decodes back exactly, unlike a hash. Undefined when the encoding is too long
 * for a tag: an ASCII id of up to 192 characters fits, but a 128-character id of multi-byte
 * characters may not.
 */
export function encodeCustomerTag(customerId: string): string | undefined {
  const value = Buffer.from(customerId, 'utf8').toString('base64url');
  return TAG_VALUE.test(value) ? value : undefined;
}

/** The customer id back from an SES engagement event's tag value. */
export function decodeCustomerTag(value: string): string {
  return Buffer.from(value, 'base64url').toString('utf8');
}

/**
 * SES names that mean "refused, nothing sent, later": a sending quota reached (`LimitExceeded`,
 * frees up as the 24-hour window rolls), and sending paused for the account or configuration set
 * (an operator resumes it; until then the send is retried by Lambda and finally dead-lettered,
 * where it can be re-driven). Throttles (`TooManyRequests`) are refusals for every service (see
 * `classifySendFailure`). Permanent, like any other 4xx: `MessageRejected`,
 * `MailFromDomainNotVerified`, `AccountSuspended`, `NotFound`, `BadRequest`. A 5xx is an unknown
 * outcome: SendEmail has no idempotency token, and the mail may have gone out.
 */
const SES_REFUSALS = new Set(['LimitExceededException', 'SendingPausedException']);

/**
 * {@link MessageChannel} for e-mail through SES v2 `SendEmail` (simple content: SES builds the
 * MIME message).
 *
 * Every mail carries:
 * - `List-Unsubscribe` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058):
 *   large mailbox providers require one-click unsubscribe from bulk senders, and a marketing
 *   mail without it is likelier to be filtered as spam;
 * - the configuration set, so delivery and engagement events are published;
 * - tags with the touch id and the encoded customer id, which SES copies into every event of
 *   that mail, so an engagement event finds its customer and touch without a lookup table.
 */
export class SesEmailChannel implements MessageChannel {
  private readonly client: SESv2Client;
  private readonly fromAddress: string;
  private readonly configurationSetName: string;
  private readonly unsubscribeUrl: (message: OutboundMessage) => string;
  private readonly replyTo: string | undefined;

  constructor(options: SesEmailChannelOptions) {
    this.client = options.client;
    this.fromAddress = options.fromAddress;
    this.configurationSetName = options.configurationSetName;
    this.unsubscribeUrl = options.unsubscribeUrl;
    this.replyTo = options.replyTo;
  }

  async send(message: OutboundMessage): Promise<SendReceipt> {
    if (message.channel !== 'email') throw new ChannelError(`the e-mail channel cannot send a ${message.channel} message`, false);
    if (message.subject === undefined) throw new ChannelError('an e-mail message needs a subject', false);
    // Built before the try: a bad unsubscribe URL is a configuration error, not an SES answer. It
    // is thrown as a plain Error, which the engine retries and the scheduler finally
    // dead-letters, so the touches can be redriven once the configuration is fixed.
    const input = this.sendInput(message);
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.client.send(new SendEmailCommand(input)));
    } catch (error) {
      throw toChannelError('SES SendEmail', error, SES_REFUSALS);
    }
    // SES always answers a MessageId; were it missing, the mail still went out, and recording it
    // as sent is better than a retry that would send it twice.
    return { messageId: messageId ?? 'ses-unknown' };
  }

  /** The SendEmail request for a message. */
  sendInput(message: OutboundMessage): SendEmailCommandInput {
    const tags: MessageTag[] = [{ Name: EMAIL_TAGS.touchId, Value: message.touchId }];
    const customerTag = encodeCustomerTag(message.customerId);
    // Too long to tag (rare): the mail still goes, better than not at all, but its engagement
    // events cannot be matched back to the customer and are dropped by the engagement handler.
    if (customerTag !== undefined) tags.push({ Name: EMAIL_TAGS.customerId, Value: customerTag });
    return {
      FromEmailAddress: this.fromAddress,
      Destination: { ToAddresses: [message.to] },
      ...(this.replyTo !== undefined ? { ReplyToAddresses: [this.replyTo] } : {}),
      Content: {
        Simple: {
          // UTF-8 explicitly: without a charset SES assumes 7-bit ASCII, and offers are localised.
          Subject: { Data: message.subject ?? '', Charset: 'UTF-8' },
          Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
          Headers: [
            { Name: 'List-Unsubscribe', Value: `<${this.oneClickUrl(message)}>` },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ],
        },
      },
      ConfigurationSetName: this.configurationSetName,
      EmailTags: tags,
    };
  }

  /**
   * The unsubscribe URL, checked: RFC 8058 wants HTTPS, and parsing and re-serialising it
   * percent-encodes anything (`>`, line breaks) that could break out of the header value.
   */
  private oneClickUrl(message: OutboundMessage): string {
    const raw = this.unsubscribeUrl(message);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Error('unsubscribeUrl returned something that is not a URL');
    }
    if (url.protocol !== 'https:') throw new Error(`unsubscribeUrl must return an https: URL, got ${url.protocol}`);
    return url.href;
  }
}
