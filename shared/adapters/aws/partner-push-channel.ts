import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { PARTNER_PUSH_HEADERS, partnerPushBody, signedHeaders } from '#shared/domain/partner-push';
import { ChannelError, type MessageChannel, type SendReceipt } from '#shared/ports/message-channel';
import { type CallBudget, CONNECTION_TIMEOUT_MS, MESSAGE_CALL } from './clients.ts';
import { type PostResult, postOnce } from './partner-post.ts';

export interface PartnerPushOptions {
  /** The partner's endpoint (`partnerPush.endpoint` in the settings). */
  readonly endpoint: string;
  /** The signing secret shared with the partner (from Secrets Manager in AWS). */
  readonly secret: string;
  /**
   * Attempts and the timeout of each.
   * @default MESSAGE_CALL, the budget of the other message sends (3 attempts of 5 s)
   */
  readonly budget?: CallBudget;
  /** @default CONNECTION_TIMEOUT_MS */
  readonly connectionTimeoutMs?: number;
  /** The wall clock the signature's timestamp is read from: the partner checks it against its own. @default Date.now */
  readonly now?: () => number;
  /** Waits between attempts; tests pass one that does not wait. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The `push` channel through a partner's app: each message POSTed as JSON to the partner's HTTPS
 * endpoint ({@link partnerPushBody}), signed (`X-Winback-Timestamp`, `X-Winback-Signature`), with
 * the touch id as `Idempotency-Key`.
 *
 * What an attempt's end means (at most one message per touch, as for SMS and e-mail):
 * - 2xx: sent; the message id is the partner's `id` if its answer has one;
 * - 429 or 5xx: the partner did not take it: retryable, by the send path (release, Lambda's retry);
 *   the idempotency key lets the partner drop a copy it did take;
 * - another status (4xx, a redirect): rejected, with the partner's reason: the touch fails;
 * - nothing written (DNS, connection refused or not opened in time): tried again here, waiting
 *   as the SDK does after a throttle, then retryable;
 * - written, no answer in time: outcome unknown, never retried (the touch fails with its outcome
 *   unknown, counted so in the KPIs, as a lapsed claim is).
 */
export class PartnerPushChannel implements MessageChannel {
  private readonly url: URL;
  private readonly budget: CallBudget;

  constructor(private readonly options: PartnerPushOptions) {
    this.url = new URL(options.endpoint);
    this.budget = options.budget ?? MESSAGE_CALL;
  }

  async send(message: OutboundMessage): Promise<SendReceipt> {
    const body = JSON.stringify(partnerPushBody(message));
    const timeouts = {
      connectionTimeoutMs: this.options.connectionTimeoutMs ?? CONNECTION_TIMEOUT_MS,
      requestTimeoutMs: this.budget.requestTimeoutMs,
    };
    for (let attempt = 1; ; attempt++) {
      // Signed per attempt: a retry goes out with a fresh timestamp.
      const headers = { [PARTNER_PUSH_HEADERS.idempotencyKey]: message.touchId, ...signedHeaders(this.options.secret, body, this.now()) };
      const result = await postOnce(this.url, headers, body, timeouts);
      if (result.kind !== 'unsent' || attempt >= this.budget.maxAttempts) return receiptOf(result, message.touchId);
      const capMs = Math.min(1_000 * 2 ** (attempt - 1), 20_000);
      await (this.options.sleep ?? wait)(Math.floor((this.options.random ?? Math.random)() * capMs));
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** The receipt of a POST's result, or the {@link ChannelError} it makes. */
function receiptOf(result: PostResult, touchId: string): SendReceipt {
  if (result.kind === 'unsent') throw new ChannelError(`partner push failed: nothing sent (${result.reason})`, true);
  if (result.kind === 'unknown')
    throw new ChannelError(`partner push outcome unknown: no answer after the request was sent (${result.reason})`, false, true);
  const { status, body } = result;
  if (status >= 200 && status < 300) return { messageId: partnerMessageId(body) ?? `push-${touchId}` };
  if (status === 429 || status >= 500) throw new ChannelError(`partner push failed: HTTP ${status}`, true);
  throw new ChannelError(`partner push rejected: HTTP ${status}${reasonOf(body)}`, false);
}

/** The partner's id for the message: `id` of a JSON answer, when it is a short plain string. */
function partnerMessageId(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' && /^[\w.:-]{1,128}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The partner's reason for a rejection, for the decision log: `error.message`, `error` or
 * `message` of a JSON answer, else its text; one line of printable characters, at most 200.
 */
function reasonOf(body: string): string {
  let reason = body;
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    const error = parsed.error as { message?: unknown } | string | undefined;
    const candidate = typeof error === 'string' ? error : (error?.message ?? parsed.message);
    if (typeof candidate === 'string') reason = candidate;
  } catch {
    // Not JSON: the text itself.
  }
  const line = reason
    .replace(/[^\P{C}]+/gu, ' ')
    .trim()
    .slice(0, 200);
  return line ? `: ${line}` : '';
}
