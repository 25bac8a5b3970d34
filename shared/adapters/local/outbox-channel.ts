import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { localIso } from '#shared/domain/local-time';
import type { MessagePrice } from '#shared/domain/pricing';
import type { TemplateMessage } from '#shared/domain/texts';
import type { Clock } from '#shared/ports/clock';
import type { MessageChannel, SendReceipt } from '#shared/ports/message-channel';

/** One message as the local runner's outbox shows it (`GET /local/outbox`). */
export interface OutboxMessage {
  channel: string;
  to: string;
  customerId: string;
  touchId: string;
  text: string;
  subject?: string;
  /** When it was sent, ISO 8601 with the customer's local offset. */
  sentAt: string;
  variant: string;
  /** What the message cost, priced when it was sent, in `currency` (its policy's). */
  cost: number;
  /** Billed units: SMS parts (GSM-7 or UCS-2), 1 for any other message. */
  parts: number;
  currency: string;
  /**
   * E-mail only: the one-click unsubscribe link the message carries, as SES sends it in its
   * `List-Unsubscribe` header (the runner's own `/v1/unsubscribe`), so the opt-out can be tried.
   */
  unsubscribeUrl?: string;
  /** On WhatsApp: the approved template it went out as (name, WhatsApp language code, body parameters). */
  template?: TemplateMessage;
}

/** Options of {@link OutboxChannel}. */
export interface OutboxOptions {
  /** The unsubscribe link of an e-mail message; without it, e-mails carry none. */
  unsubscribeUrl?: (message: OutboundMessage) => string;
}

/**
 * Stands in for the message channels locally (SMS, SES, WhatsApp, SNS): every message is kept in order and appended to
 * `outbox.jsonl`, so an operator can read what would have gone out, and a restart keeps it.
 */
export class OutboxChannel implements MessageChannel {
  private readonly messages: OutboxMessage[] = [];

  constructor(
    private readonly file: string,
    private readonly clock: Clock,
    private readonly options: OutboxOptions = {},
  ) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) if (line.trim()) this.messages.push(JSON.parse(line) as OutboxMessage);
    }
  }

  async send(message: OutboundMessage, price: MessagePrice): Promise<SendReceipt> {
    const entry: OutboxMessage = {
      channel: message.channel,
      to: message.to,
      customerId: message.customerId,
      touchId: message.touchId,
      text: message.text,
      ...(message.subject !== undefined ? { subject: message.subject } : {}),
      sentAt: localIso(this.clock.now(), message.timezone),
      variant: message.variant,
      cost: price.cost,
      parts: price.parts,
      currency: price.currency,
      ...(message.channel === 'email' && this.options.unsubscribeUrl ? { unsubscribeUrl: this.options.unsubscribeUrl(message) } : {}),
      ...(message.template !== undefined ? { template: message.template } : {}),
    };
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
    this.messages.push(entry);
    return { messageId: `local-${this.messages.length}` };
  }

  /** The message sent for this touch, if one was: a claim whose outcome was lost resolves to sent. */
  async findSent(touchId: string): Promise<SendReceipt | undefined> {
    const index = this.messages.findLastIndex((message) => message.touchId === touchId);
    return index < 0 ? undefined : { messageId: `local-${index + 1}` };
  }

  list(): readonly OutboxMessage[] {
    return this.messages;
  }
}

/**
 * A channel that also writes to the outbox: locally, a message a real adapter sent (partner push,
 * POSTed for real to the partner's endpoint) is kept in the outbox too, once it went out. The
 * outbox answers `findSent`, so a lapsed claim resolves as everywhere locally.
 */
export class OutboxCopy implements MessageChannel {
  constructor(
    private readonly channel: MessageChannel,
    private readonly outbox: OutboxChannel,
  ) {}

  async send(message: OutboundMessage, price: MessagePrice): Promise<SendReceipt> {
    const receipt = await this.channel.send(message, price);
    await this.outbox.send(message, price);
    return receipt;
  }

  findSent(touchId: string): Promise<SendReceipt | undefined> {
    return this.outbox.findSent(touchId);
  }
}
