import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import type { OutboundMessage } from './journey/send-decision.ts';

/**
 * Partner push: the `push` channel goes out through a partner's app (the bank app of a telecom's
 * bank partnership). Winback POSTs each message as JSON to the partner's HTTPS endpoint; the
 * partner's app shows it to the user the partner knows by `customer.id`, and the partner posts
 * back what happened to it (`POST /v1/push/receipts`). Both directions are signed the same way,
 * with one shared secret (docs/api.md, "Partner push"):
 *
 *   X-Winback-Timestamp: <Unix seconds>
 *   X-Winback-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" under the secret>
 *
 * A receiver refuses a timestamp more than {@link SIGNATURE_TOLERANCE_MS} from its own clock, so
 * a captured request cannot be replayed later; the touch id (`Idempotency-Key`) makes a
 * replay within the tolerance harmless.
 */

/** The headers of a signed request, lower-cased as the HTTP layer gives them. */
export const PARTNER_PUSH_HEADERS = {
  idempotencyKey: 'idempotency-key',
  timestamp: 'x-winback-timestamp',
  signature: 'x-winback-signature',
} as const;

/** How far a signed request's timestamp may be from the receiver's clock. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/** The scheme of the signature: `v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>`. */
const SCHEME = 'v1=';

/** The signature header's value for a body sent at `timestamp` (Unix seconds, as text). */
export function partnerPushSignature(secret: string, timestamp: string, body: string): string {
  if (secret.length === 0) throw new Error('the partner push secret must not be empty');
  return `${SCHEME}${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The headers that sign `body`, sent at `nowMs`. */
export function signedHeaders(secret: string, body: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { [PARTNER_PUSH_HEADERS.timestamp]: timestamp, [PARTNER_PUSH_HEADERS.signature]: partnerPushSignature(secret, timestamp, body) };
}

/** Why a signed request was refused, or `ok`. */
export type SignatureCheck = 'ok' | 'missing' | 'stale' | 'mismatch';

/**
 * Checks a request's signature: the timestamp within the tolerance of `nowMs`, and one of the
 * header's comma-separated `v1=` values the HMAC of this body (several during a secret rotation),
 * compared in constant time.
 */
export function checkSignature(
  secret: string,
  request: { timestamp: string | undefined; signature: string | undefined; body: string },
  nowMs: number,
): SignatureCheck {
  const { timestamp, signature, body } = request;
  if (!timestamp || !signature) return 'missing';
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(Number(timestamp) * 1000 - nowMs) > SIGNATURE_TOLERANCE_MS) return 'stale';
  const expected = Buffer.from(partnerPushSignature(secret, timestamp, body), 'utf8');
  const given = signature.split(',').map((value) => Buffer.from(value.trim(), 'utf8'));
  return given.some((value) => value.length === expected.length && timingSafeEqual(value, expected)) ? 'ok' : 'mismatch';
}

/** What the partner gets for one message: documented field by field in docs/api.md. */
export interface PartnerPushBody {
  touchId: string;
  /** The customer as the partner knows them: the operator's customer id, and the push contact the churn gave. */
  customer: { id: string; pushToken: string };
  /** BCP 47 tag of the text. */
  language: string;
  /** The notification's title: the offer's subject. */
  title: string;
  /** The message, its `{link}` filled with the touch's tracked link. */
  text: string;
  offer: { id: string; angle: string };
  /** The touch's tracked link; absent where the text has none. */
  link?: string;
}

/**
 * The JSON body of a push message: what the partner's app needs to show it to the right user,
 * and nothing more (no phone number, e-mail address, name or account details).
 */
export function partnerPushBody(message: OutboundMessage): PartnerPushBody {
  if (message.channel !== 'push' || !message.offer) throw new Error('only a push message with its offer goes to the partner');
  return {
    touchId: message.touchId,
    customer: { id: message.customerId, pushToken: message.to },
    language: message.language ?? message.locale,
    title: message.subject ?? '',
    text: message.text,
    offer: message.offer,
    ...(message.link !== undefined ? { link: message.link } : {}),
  };
}

/** What a partner reports about a push message it was sent. */
export const PartnerPushReceipt = z.strictObject({
  /** The `touchId` of the message (its `Idempotency-Key`). */
  touchId: z.string().min(1).max(128),
  /** The `customer.id` of the message. */
  customerId: z.string().min(1).max(128),
  /** `delivered` to the device, `opened` by the user, or its link `clicked`. */
  event: z.enum(['delivered', 'opened', 'clicked']),
  /** When it happened (ISO 8601 with an offset); absent: when the receipt arrives. */
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});
export type PartnerPushReceipt = z.output<typeof PartnerPushReceipt>;
