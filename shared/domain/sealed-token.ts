import { createCipheriv, createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Sealed tokens: the one scheme for the opaque part of the links Winback puts in messages (the
 * unsubscribe link, a touch's tracked link, WhatsApp's callback data). A token must be
 * authenticated, so nobody can act for someone else by editing a link, and encrypted, so the link
 * (kept in mail archives, forwarded, logged by proxies, shown in a chat preview) shows no customer
 * id, which is often a phone number.
 *
 * AES-256-GCM under a key derived from the token's key for its `context`, with the context as
 * additional data, so a token of one use never opens as one of another. The 12-byte nonce is an
 * HMAC-SHA256 of the plaintext under a second derived key (a synthetic IV, as in AES-SIV): the
 * same claim always gives the same token, a link can be rebuilt, and a nonce repeats only with
 * its plaintext, which reveals no more than that two links are the same link. Opening checks the
 * GCM tag and that the nonce is the one sealing would have chosen: one token per claim.
 */

/** The nonce's length, in bytes. */
export const NONCE_BYTES = 12;
/** The GCM tag's length, in bytes. */
export const TAG_BYTES = 16;

/** A sealed plaintext: the nonce, the ciphertext (as long as the plaintext) and the tag. */
export interface Sealed {
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** Keys already derived, per token key (text) and context: a process seals with a handful. */
const derived = new Map<string, { encryption: Buffer; nonce: Buffer }>();
const MAX_DERIVED = 64;

/** The keys of one context, each derived from the token key for one use (remembered for a text key). */
function contextKeys(key: string | Uint8Array, context: string): { encryption: Buffer; nonce: Buffer } {
  // Remembered under a digest of the key, so the cache holds no secret text of its own.
  const cacheKey = typeof key === 'string' ? `${context}\u001f${createHash('sha256').update(key).digest('base64')}` : undefined;
  const known = cacheKey === undefined ? undefined : derived.get(cacheKey);
  if (known) return known;
  const derive = (use: string) => createHmac('sha256', key).update(`${context}/${use}`).digest();
  const keys = { encryption: derive('encryption'), nonce: derive('nonce') };
  if (cacheKey !== undefined && derived.size < MAX_DERIVED) derived.set(cacheKey, keys);
  return keys;
}

const syntheticNonce = (nonceKey: Buffer, plaintext: Buffer) =>
  createHmac('sha256', nonceKey).update(plaintext).digest().subarray(0, NONCE_BYTES);

/** Seals `plaintext` for `context` (`winback/unsubscribe/v2`, `winback/tracked-link/v2`). Deterministic. */
export function seal(plaintext: Buffer, key: string | Uint8Array, context: string): Sealed {
  if (key.length === 0) throw new Error('the token key must not be empty');
  const keys = contextKeys(key, context);
  const nonce = syntheticNonce(keys.nonce, plaintext);
  const cipher = createCipheriv('aes-256-gcm', keys.encryption, nonce, { authTagLength: TAG_BYTES }).setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, ciphertext, tag: cipher.getAuthTag() };
}

/**
 * The plaintext of a sealed token, or undefined when it was not sealed with `key` for `context`,
 * was altered or cut. GCM checks the tag in constant time, and the nonce is compared in constant
 * time, so response timing does not reveal how much of a forged token was right.
 */
export function unseal(sealed: Sealed, key: string | Uint8Array, context: string): Buffer | undefined {
  if (key.length === 0) throw new Error('the token key must not be empty');
  if (sealed.nonce.length !== NONCE_BYTES || sealed.tag.length !== TAG_BYTES || sealed.ciphertext.length === 0) return undefined;
  const keys = contextKeys(key, context);
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.encryption, sealed.nonce, { authTagLength: TAG_BYTES }).setAAD(
      Buffer.from(context, 'utf8'),
    );
    decipher.setAuthTag(sealed.tag);
    const plaintext = Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    return timingSafeEqual(syntheticNonce(keys.nonce, plaintext), sealed.nonce) ? plaintext : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bytes of a base64url text, only when the text is their canonical spelling: decoding is lenient
 * (it ignores stray trailing bits and characters outside the alphabet), and a token must have
 * exactly one accepted spelling.
 */
export function canonicalBytes(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
