import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { Channel } from './channels.ts';
import { canonicalBytes, NONCE_BYTES, seal, TAG_BYTES, unseal } from './sealed-token.ts';

/**
 * Unsubscribe tokens: the opaque part of an opt-out link (`List-Unsubscribe`, the link in an
 * e-mail footer). The token says which customer opts out of which channel, authenticated so
 * nobody can opt out someone else by editing a link, and encrypted so the link (kept in mail
 * archives, forwarded, logged by proxies) shows no customer id, which is often a phone number.
 *
 * Format (v2, what {@link signUnsubscribeToken} writes): `v2<sealed>.<tag>`, both base64url.
 * `sealed` is the 12-byte nonce and the ciphertext of a small JSON object, `tag` the GCM tag: a
 * sealed token (sealed-token.ts, context `winback/unsubscribe/v2`), as tracked links are. The
 * same claim always gives the same token, so a link can be rebuilt.
 *
 * Tokens of v1 (`<payload>.<signature>`: the JSON in readable base64url, signed with an
 * HMAC-SHA256) went out in mails before v2 and are still verified: an opt-out link must keep
 * working however old the mail. There is no expiry on purpose, by law in most places. Rotating
 * the key invalidates old links, so keep old keys verifiable if you rotate.
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
const V2 = 'v2';
/** Binds the v2 ciphertext to its use, as `CONTEXT` binds the v1 signature. */
const V2_CONTEXT = 'winback/unsubscribe/v2';

const Payload = z.object({ c: z.string().min(1), ch: Channel });

function signature(payload: string, key: string | Uint8Array): string {
  if (key.length === 0) throw new Error('the unsubscribe key must not be empty');
  return createHmac('sha256', key).update(CONTEXT).update(payload).digest('base64url');
}

/**
 * A token for an opt-out link of `customerId` on `channel` (v2: encrypted, no readable personal
 * data). Deterministic: same input, same token.
 */
export function signUnsubscribeToken(claim: UnsubscribeClaim, key: string | Uint8Array): string {
  if (key.length === 0) throw new Error('the unsubscribe key must not be empty');
  const plaintext = Buffer.from(JSON.stringify({ c: claim.customerId, ch: claim.channel }), 'utf8');
  const { nonce, ciphertext, tag } = seal(plaintext, key, V2_CONTEXT);
  return `${V2}${Buffer.concat([nonce, ciphertext]).toString('base64url')}.${tag.toString('base64url')}`;
}

/**
 * The claim a token carries, or undefined when the token is malformed, was not made with `key`,
 * or was altered. v2 tokens are decrypted (GCM checks the tag in constant time), v1 tokens
 * verified by their signature, compared in constant time, so response timing does not reveal how
 * much of a forged token was right.
 */
export function verifyUnsubscribeToken(token: string, key: string | Uint8Array): UnsubscribeClaim | undefined {
  if (key.length === 0) throw new Error('the unsubscribe key must not be empty');
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return undefined;
  const [first = '', second = ''] = token.split('.');
  const json = first.startsWith(V2) ? openV2(first.slice(V2.length), second, key) : openV1(first, second, key);
  if (json === undefined) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(json);
  } catch {
    return undefined;
  }
  const parsed = Payload.safeParse(decoded);
  return parsed.success ? { customerId: parsed.data.c, channel: parsed.data.ch } : undefined;
}

/** The plaintext of a v2 token, or undefined when it does not open under `key`. */
function openV2(sealedText: string, tagText: string, key: string | Uint8Array): string | undefined {
  const sealed = canonicalBytes(sealedText);
  const tag = canonicalBytes(tagText);
  if (!sealed || !tag || sealed.length <= NONCE_BYTES || tag.length !== TAG_BYTES) return undefined;
  const plaintext = unseal({ nonce: sealed.subarray(0, NONCE_BYTES), ciphertext: sealed.subarray(NONCE_BYTES), tag }, key, V2_CONTEXT);
  return plaintext?.toString('utf8');
}

/** The JSON of a v1 token (signed, not encrypted), or undefined when its signature is not `key`'s. */
function openV1(payload: string, given: string, key: string | Uint8Array): string | undefined {
  // Compare the canonical encodings, not decoded bytes: base64url decoding is lenient, and a
  // token must have exactly one accepted spelling.
  const expected = Buffer.from(signature(payload, key), 'utf8');
  const actual = Buffer.from(given, 'utf8');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  return Buffer.from(payload, 'base64url').toString('utf8');
}
