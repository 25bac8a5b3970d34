import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { Channel } from './channels.ts';

/**
 * Unsubscribe tokens: the opaque part of an opt-out link (`List-Unsubscribe`, the link in an
 * e-mail footer). The token says which customer opts out of which channel, and is signed so
 * nobody can opt out someone else by editing a link.
 *
 * Format: `<payload>.<signature>`, both base64url; the payload is a small JSON object and the
 * signature an HMAC-SHA256 of it under a secret key. There is no expiry on purpose: an opt-out
 * link in a mail read a year later must still work (and must keep working by law in most
 * places). Rotating the key invalidates old links, so keep old keys verifiable if you rotate.
 */

export interface UnsubscribeClaim {
  customerId: string;
  channel: Channel;
}

/**
 * Binds the signature to this use, so an HMAC made with the same key for something else (e.g.
 * pseudonymous ids) can never pass as an unsubscribe token.
 */
const CONTEXT = 'winback/unsubscribe/v1\u001f';
/** Customer ids are at most 128 characters; a longer token is not one of ours. */
const MAX_TOKEN_LENGTH = 1_024;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const Payload = z.object({ c: z.string().min(1), ch: Channel });

function signature(payload: string, key: string | Uint8Array): string {
  if (key.length === 0) throw new Error('the unsubscribe key must not be empty');
  return createHmac('sha256', key).update(CONTEXT).update(payload).digest('base64url');
}

/** A token for an opt-out link of `customerId` on `channel`. Deterministic: same input, same token. */
export function signUnsubscribeToken(claim: UnsubscribeClaim, key: string | Uint8Array): string {
  const payload = Buffer.from(JSON.stringify({ c: claim.customerId, ch: claim.channel }), 'utf8').toString('base64url');
  return `${payload}.${signature(payload, key)}`;
}

/**
 * The claim a token carries, or undefined when the token is malformed, was not signed with
 * `key`, or was altered. The signature is compared in constant time, so response timing does
 * not reveal how much of a forged signature was right.
 */
export function verifyUnsubscribeToken(token: string, key: string | Uint8Array): UnsubscribeClaim | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return undefined;
  const [payload = '', given = ''] = token.split('.');
  // Compare the canonical encodings, not decoded bytes: base64url decoding is lenient, and a
  // token must have exactly one accepted spelling.
  const expected = Buffer.from(signature(payload, key), 'utf8');
  const actual = Buffer.from(given, 'utf8');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = Payload.safeParse(decoded);
  return parsed.success ? { customerId: parsed.data.c, channel: parsed.data.ch } : undefined;
}
