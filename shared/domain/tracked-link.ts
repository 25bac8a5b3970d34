import { createCipheriv, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Tracked links: the `{link}` of a text becomes `<base>/r/<token>`, one per touch. Following it
 * records the click on that touch and leads to the offer.
 *
 * The token names the customer and the touch, and must carry nothing personal: a customer id is
 * often a phone number, and a touch id starts with a journey id that is an unkeyed hash of the
 * churn's event id (which upstream systems sometimes build from a phone number). So the token is
 * encrypted, not only signed: deterministic authenticated encryption in the SIV manner. A
 * synthetic IV, the first 12 bytes of HMAC-SHA256 over the plaintext under one derived key, is
 * both the signature and the AES-256-CTR counter block under another. The same touch always gets
 * the same link; a forged, altered or cut token fails the HMAC check; nothing in it can be read
 * without the key.
 *
 * Token: base64url(iv ‖ ciphertext), plaintext = journey id (6 bytes, from its 12 hex digits) ‖
 * touch suffix length (1 byte) ‖ touch suffix ‖ customer id, all UTF-8. A touch id of any other
 * shape is carried whole (journey part empty). For a 10-character customer id: 12 + 6 + 1 + 1 +
 * 10 = 30 bytes, 40 characters.
 */

export interface LinkClaim {
  customerId: string;
  touchId: string;
}

/** Where links point and what signs them: the public API's base URL and the derived link key. */
export interface TrackedLinks {
  /** The public base URL, without `/r`: `https://go.example.com` or the API's URL. */
  baseUrl: string;
  key: string;
}

/** The placeholder a text marks its tracked link with. */
export const LINK_PLACEHOLDER = '{link}';

/**
 * What a `{link}` counts as when a policy's SMS lengths are checked, before any deployment is
 * known: a link on a short domain (`https://go.example.com/r/` and a 40-character token). A longer
 * base URL makes longer texts, and the message is priced by its real parts when sent.
 */
export const NOMINAL_LINK_LENGTH = 64;

const IV_BYTES = 12;
const JOURNEY_TOUCH = /^([0-9a-f]{12})-(.{1,64})$/s;
/** Customer ids are at most 128 characters of up to 4 bytes: a longer token is not one of ours. */
const MAX_TOKEN_LENGTH = 1_024;

function subKey(key: string, purpose: 'mac' | 'enc'): Buffer {
  if (key.length === 0) throw new Error('the link key must not be empty');
  return createHmac('sha256', key).update(`winback/tracked-link/v1/${purpose}`).digest();
}

function crypt(key: string, iv: Buffer, data: Buffer): Buffer {
  const counter = Buffer.concat([iv, Buffer.alloc(16 - IV_BYTES)]);
  const cipher = createCipheriv('aes-256-ctr', subKey(key, 'enc'), counter);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

const syntheticIv = (key: string, plaintext: Buffer) =>
  createHmac('sha256', subKey(key, 'mac')).update(plaintext).digest().subarray(0, IV_BYTES);

function encode(claim: LinkClaim): Buffer {
  const match = JOURNEY_TOUCH.exec(claim.touchId);
  const journey = match ? Buffer.from(match[1]!, 'hex') : Buffer.alloc(0);
  const suffix = Buffer.from(match ? match[2]! : claim.touchId, 'utf8');
  if (suffix.length > 255) throw new Error('a touch id is at most 255 bytes');
  return Buffer.concat([
    Buffer.from([journey.length]),
    journey,
    Buffer.from([suffix.length]),
    suffix,
    Buffer.from(claim.customerId, 'utf8'),
  ]);
}

function decode(plaintext: Buffer): LinkClaim | undefined {
  const journeyLength = plaintext[0];
  if (journeyLength !== 0 && journeyLength !== 6) return undefined;
  const suffixLength = plaintext[1 + journeyLength];
  if (suffixLength === undefined) return undefined;
  const suffixStart = 2 + journeyLength;
  const suffix = plaintext.subarray(suffixStart, suffixStart + suffixLength).toString('utf8');
  const customerId = plaintext.subarray(suffixStart + suffixLength).toString('utf8');
  if (customerId.length === 0 || suffix.length === 0) return undefined;
  const touchId = journeyLength === 0 ? suffix : `${plaintext.subarray(1, 7).toString('hex')}-${suffix}`;
  return { customerId, touchId };
}

/** The token of a touch's link. Deterministic: the same touch always gets the same token. */
export function signLinkToken(claim: LinkClaim, key: string): string {
  const plaintext = encode(claim);
  const iv = syntheticIv(key, plaintext);
  return Buffer.concat([iv, crypt(key, iv, plaintext)]).toString('base64url');
}

/**
 * The customer and touch a token names, or undefined when it is malformed, forged, altered or
 * cut. The synthetic IV is compared in constant time.
 */
export function openLinkToken(token: string, key: string): LinkClaim | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  // One accepted spelling per token: base64url decoding ignores stray trailing bits.
  if (bytes.toString('base64url') !== token || bytes.length <= IV_BYTES + 2) return undefined;
  const iv = bytes.subarray(0, IV_BYTES);
  const plaintext = crypt(key, iv, bytes.subarray(IV_BYTES));
  if (!timingSafeEqual(iv, syntheticIv(key, plaintext))) return undefined;
  return decode(plaintext);
}

/** The link of a touch: `<baseUrl>/r/<token>`. */
export function trackedLink(links: TrackedLinks, claim: LinkClaim): string {
  return `${links.baseUrl.replace(/\/+$/, '')}/r/${signLinkToken(claim, links.key)}`;
}

/**
 * A text with its `{link}` filled: the touch's tracked link, or, where this runtime has no
 * public URL to link to, the offer's own URL (untracked) or nothing.
 */
export function fillLink(text: string, link: string | undefined): string {
  if (!text.includes(LINK_PLACEHOLDER)) return text;
  if (link !== undefined) return text.replaceAll(LINK_PLACEHOLDER, link);
  return text.replaceAll(` ${LINK_PLACEHOLDER}`, '').replaceAll(LINK_PLACEHOLDER, '');
}
