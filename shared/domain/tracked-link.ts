import { canonicalBytes, NONCE_BYTES, seal, TAG_BYTES, unseal } from './sealed-token.ts';

/**
 * Tracked links: the `{link}` of a text becomes `<base>/r/<token>`, one per touch. Following it
 * records the click on that touch and leads to the offer.
 *
 * The token names the customer and the touch, and must carry nothing personal: a customer id is
 * often a phone number. So it is a sealed token, as the unsubscribe link's is (sealed-token.ts:
 * AES-256-GCM with a synthetic nonce, context `winback/tracked-link/v2`, under the deployment's
 * `tracked-link` key): the same touch always gets the same link; a forged, altered or cut token
 * does not open; nothing in it can be read without the key.
 *
 * Token: base64url(nonce ‖ ciphertext ‖ tag), the plaintext packed to keep SMS short: journey id
 * (6 bytes, from its 12 hex digits) ‖ touch suffix length (1 byte) ‖ touch suffix ‖ customer id,
 * all UTF-8, after a byte giving the journey id's length (a touch id of any other shape is carried
 * whole, journey part empty). For a 10-character customer id: 12 + (1 + 6 + 1 + 1 + 10) + 16 = 47
 * bytes, 63 characters.
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
 * known: a link on a short domain (`https://go.example.com/r/`, 25 characters) with the token of a
 * 10-character customer id (63 characters). A longer base URL or customer id makes longer texts,
 * and the message is priced by its real parts when sent.
 */
export const NOMINAL_LINK_LENGTH = 88;

/** Binds the token to its use: a token sealed for another (an unsubscribe link) never opens here. */
const CONTEXT = 'winback/tracked-link/v2';
const JOURNEY_TOUCH = /^([0-9a-f]{12})-(.{1,64})$/s;
/** Customer ids are at most 128 characters of up to 4 bytes: a longer token is not one of ours. */
const MAX_TOKEN_LENGTH = 1_024;

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
  if (key.length === 0) throw new Error('the link key must not be empty');
  const { nonce, ciphertext, tag } = seal(encode(claim), key, CONTEXT);
  return Buffer.concat([nonce, ciphertext, tag]).toString('base64url');
}

/** The customer and touch a token names, or undefined when it is malformed, forged, altered or cut. */
export function openLinkToken(token: string, key: string): LinkClaim | undefined {
  if (key.length === 0) throw new Error('the link key must not be empty');
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const bytes = canonicalBytes(token);
  if (!bytes || bytes.length <= NONCE_BYTES + TAG_BYTES + 2) return undefined;
  const plaintext = unseal(
    { nonce: bytes.subarray(0, NONCE_BYTES), ciphertext: bytes.subarray(NONCE_BYTES, -TAG_BYTES), tag: bytes.subarray(-TAG_BYTES) },
    key,
    CONTEXT,
  );
  return plaintext && decode(plaintext);
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
