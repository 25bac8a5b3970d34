import { describe, expect, it } from 'vitest';
import { seal, unseal } from '#shared/domain/sealed-token';
import { fillLink, openLinkToken, signLinkToken, trackedLink } from '#shared/domain/tracked-link';
import { signUnsubscribeToken } from '#shared/domain/unsubscribe';

const KEY = 'tracked-link-test-key';
const CLAIM = { customerId: '+447700900', touchId: '0123456789ab-1' };

describe('tracked link tokens', () => {
  it('open to the customer and touch they were made for, and are the same for the same touch', () => {
    const token = signLinkToken(CLAIM, KEY);
    expect(openLinkToken(token, KEY)).toEqual(CLAIM);
    expect(signLinkToken(CLAIM, KEY)).toBe(token);
    expect(signLinkToken({ ...CLAIM, touchId: '0123456789ab-2' }, KEY)).not.toBe(token);
    // Any touch id shape, and a customer id of any script, round-trip.
    for (const claim of [
      { customerId: 'Андрей-42', touchId: 'abcdef012345-f1' },
      { customerId: 'c', touchId: 'not-a-journey-touch' },
    ])
      expect(openLinkToken(signLinkToken(claim, KEY), KEY)).toEqual(claim);
  });

  it('is a sealed token, packed: 12 bytes of nonce, 6 of journey id, the touch suffix with its length, the customer id, 16 of tag', () => {
    // 12 + 1 + 6 + 1 + 1 + 10 + 16 = 47 bytes; base64url, unpadded: ceil(47 × 4 / 3) = 63 characters.
    const token = signLinkToken(CLAIM, KEY);
    expect(token).toHaveLength(63);
    // The same scheme as the unsubscribe link's, under the link context: it opens with `unseal`.
    const bytes = Buffer.from(token, 'base64url');
    const sealed = { nonce: bytes.subarray(0, 12), ciphertext: bytes.subarray(12, -16), tag: bytes.subarray(-16) };
    expect(unseal(sealed, KEY, 'winback/tracked-link/v2')?.subarray(-10).toString('utf8')).toBe(CLAIM.customerId);
    expect(unseal(sealed, KEY, 'winback/unsubscribe/v2')).toBeUndefined();
  });

  it('never opens a token sealed for another use with the same key', () => {
    const { nonce, ciphertext, tag } = seal(Buffer.from([0, 1, 0x31, ...Buffer.from(CLAIM.customerId)]), KEY, 'winback/unsubscribe/v2');
    expect(openLinkToken(Buffer.concat([nonce, ciphertext, tag]).toString('base64url'), KEY)).toBeUndefined();
    expect(openLinkToken(signUnsubscribeToken({ customerId: CLAIM.customerId, channel: 'sms' }, KEY), KEY)).toBeUndefined();
  });

  it('carries nothing personal: neither the customer id nor the touch id can be read from it', () => {
    const token = signLinkToken(CLAIM, KEY);
    const bytes = Buffer.from(token, 'base64url');
    expect(bytes.includes(Buffer.from('447700900'))).toBe(false);
    expect(bytes.includes(Buffer.from('0123456789ab', 'hex'))).toBe(false);
    expect(token).not.toContain(Buffer.from(CLAIM.customerId).toString('base64url').slice(0, 8));
  });

  it('refuses a forged, altered, cut or foreign token', () => {
    const token = signLinkToken(CLAIM, KEY);
    const flipped = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
    expect(openLinkToken(flipped, KEY)).toBeUndefined();
    expect(openLinkToken(token.slice(0, -3), KEY)).toBeUndefined();
    expect(openLinkToken(token, 'another-deployment-key')).toBeUndefined();
    expect(openLinkToken(`${token}.`, KEY)).toBeUndefined();
    expect(openLinkToken('', KEY)).toBeUndefined();
    expect(openLinkToken('A'.repeat(2000), KEY)).toBeUndefined();
  });

  it('builds the link under the base URL, and drops {link} where there is nothing to link to', () => {
    const link = trackedLink({ baseUrl: 'https://go.example.com/', key: KEY }, CLAIM);
    expect(link).toBe(`https://go.example.com/r/${signLinkToken(CLAIM, KEY)}`);
    expect(fillLink('Come back: {link}', link)).toBe(`Come back: ${link}`);
    expect(fillLink('Come back: {link}', undefined)).toBe('Come back:');
    expect(fillLink('No link here', link)).toBe('No link here');
  });
});
