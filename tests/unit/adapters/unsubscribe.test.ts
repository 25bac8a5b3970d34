import { createCipheriv, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '#shared/domain/unsubscribe';

// Domain code, tested here next to the e-mail adapter that puts the tokens into links.

const KEY = 'unsubscribe-test-key';
const claim = { customerId: 'cust-0001', channel: 'email' } as const;

/** Flips one character of `text` at `index` to another character of the base64url alphabet. */
function flip(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A';
  return `${text.slice(0, index)}${replacement}${text.slice(index + 1)}`;
}

describe('unsubscribe tokens', () => {
  it('verifies a token it signed, giving back customer and channel', () => {
    // Act
    const token = signUnsubscribeToken(claim, KEY);

    // Assess
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyUnsubscribeToken(token, KEY)).toEqual(claim);
  });

  it('is deterministic and URL-safe, so it can go into a link as is', () => {
    // Act
    const first = signUnsubscribeToken({ customerId: '+44 7700 900123/ü', channel: 'sms' }, KEY);
    const second = signUnsubscribeToken({ customerId: '+44 7700 900123/ü', channel: 'sms' }, KEY);

    // Assess
    expect(first).toBe(second);
    expect(encodeURIComponent(first)).toBe(first);
  });

  it('round-trips any customer id and channel', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 128, unit: 'grapheme' }),
        fc.constantFrom('sms', 'email', 'push' as const),
        (customerId, channel) => {
          // Act
          const token = signUnsubscribeToken({ customerId, channel }, KEY);

          // Assess
          expect(verifyUnsubscribeToken(token, KEY)).toEqual({ customerId, channel });
        },
      ),
    );
  });

  it('refuses a token signed with another key', () => {
    // Prepare
    const token = signUnsubscribeToken(claim, 'another-key');

    // Act & Assess
    expect(verifyUnsubscribeToken(token, KEY)).toBeUndefined();
  });

  it('refuses a token whose payload was changed to another customer', () => {
    // Prepare
    const [, signature] = signUnsubscribeToken(claim, KEY).split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ c: 'cust-0002', ch: 'email' })).toString('base64url');

    // Act & Assess
    expect(verifyUnsubscribeToken(`${forgedPayload}.${signature}`, KEY)).toBeUndefined();
  });

  it('refuses a token with any single character changed', () => {
    // Prepare
    const token = signUnsubscribeToken(claim, KEY);

    // Act
    const verified = [...token].flatMap((char, index) => (char === '.' ? [] : [verifyUnsubscribeToken(flip(token, index), KEY)]));

    // Assess
    expect(verified.every((result) => result === undefined)).toBe(true);
  });

  it('refuses truncated, extended and malformed tokens', () => {
    // Prepare
    const token = signUnsubscribeToken(claim, KEY);
    const [payload, signature] = token.split('.') as [string, string];

    // Act & Assess
    expect(verifyUnsubscribeToken(token.slice(0, -1), KEY)).toBeUndefined();
    expect(verifyUnsubscribeToken(`${token}A`, KEY)).toBeUndefined();
    expect(verifyUnsubscribeToken(payload, KEY)).toBeUndefined();
    expect(verifyUnsubscribeToken(`${payload}.`, KEY)).toBeUndefined();
    expect(verifyUnsubscribeToken(`.${signature}`, KEY)).toBeUndefined();
    expect(verifyUnsubscribeToken(`${payload}.${signature}.x`, KEY)).toBeUndefined();
    expect(verifyUnsubscribeToken(`${payload}=.${signature}`, KEY)).toBeUndefined();
    expect(verifyUnsubscribeToken('', KEY)).toBeUndefined();
    expect(verifyUnsubscribeToken('x'.repeat(5_000), KEY)).toBeUndefined();
  });

  it('refuses a correctly signed payload that is not a claim', () => {
    // Prepare: tokens signed the way the module signs (same context string), over payloads a
    // signer of ours never writes. Only a bug could produce them; they must still not verify.
    const signRaw = (text: string) => {
      const payload = Buffer.from(text).toString('base64url');
      return `${payload}.${createHmac('sha256', KEY).update('winback/unsubscribe/v1\u001f').update(payload).digest('base64url')}`;
    };
    const genuine = signRaw(JSON.stringify({ c: 'cust-0001', ch: 'email' }));

    // Act & Assess
    expect(verifyUnsubscribeToken(genuine, KEY)).toEqual(claim);
    expect(verifyUnsubscribeToken(signRaw(JSON.stringify({ c: 'cust-0001', ch: 'fax' })), KEY)).toBeUndefined();
    expect(verifyUnsubscribeToken(signRaw(JSON.stringify({ c: '', ch: 'email' })), KEY)).toBeUndefined();
    expect(verifyUnsubscribeToken(signRaw(JSON.stringify({ ch: 'email' })), KEY)).toBeUndefined();
    expect(verifyUnsubscribeToken(signRaw('not json'), KEY)).toBeUndefined();
  });

  it('refuses to sign or verify with an empty key', () => {
    // Act & Assess
    expect(() => signUnsubscribeToken(claim, '')).toThrow(/must not be empty/);
    expect(() => verifyUnsubscribeToken(signUnsubscribeToken(claim, KEY), '')).toThrow(/must not be empty/);
  });

  it('carries no readable customer id: not in the token, nor in any base64url decoding of its parts', () => {
    // Prepare: a customer id that is an MSISDN, as in telecom.
    const msisdn = '+447700900123';

    // Act
    const token = signUnsubscribeToken({ customerId: msisdn, channel: 'sms' }, KEY);
    const decoded = token
      .replace(/^v2/, '')
      .split('.')
      .map((part) => Buffer.from(part, 'base64url').toString('latin1'));

    // Assess
    expect(token.startsWith('v2')).toBe(true);
    for (const text of [token, ...decoded]) {
      expect(text).not.toContain('7700900123');
      expect(text).not.toContain(Buffer.from(msisdn).toString('base64url').slice(0, 12));
    }
    expect(verifyUnsubscribeToken(token, KEY)).toEqual({ customerId: msisdn, channel: 'sms' });
  });

  it('still verifies a v1 link from an old mail (readable payload, HMAC signature)', () => {
    // Prepare: a v1 token as Winback wrote them before tokens were encrypted.
    const payload = Buffer.from(JSON.stringify({ c: 'cust-0001', ch: 'email' })).toString('base64url');
    const v1 = `${payload}.${createHmac('sha256', KEY).update('winback/unsubscribe/v1\u001f').update(payload).digest('base64url')}`;

    // Act & Assess
    expect(verifyUnsubscribeToken(v1, KEY)).toEqual(claim);
    expect(verifyUnsubscribeToken(v1, 'another-key')).toBeUndefined();
  });

  it('refuses a v2 token sealed with a nonce of its own choosing, so each claim has one token', () => {
    // Prepare: the same claim encrypted under the same key, with a nonce the module would not pick.
    const derive = (use: string) => createHmac('sha256', KEY).update(`winback/unsubscribe/v2/${use}`).digest();
    const nonce = Buffer.alloc(12, 7);
    const cipher = createCipheriv('aes-256-gcm', derive('encryption'), nonce, { authTagLength: 16 }).setAAD(
      Buffer.from('winback/unsubscribe/v2'),
    );
    const sealed = Buffer.concat([nonce, cipher.update(JSON.stringify({ c: 'cust-0001', ch: 'email' })), cipher.final()]);
    const token = `v2${sealed.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;

    // Act & Assess
    expect(verifyUnsubscribeToken(token, KEY)).toBeUndefined();
  });
});
