import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { checkSignature, partnerPushBody, partnerPushSignature, SIGNATURE_TOLERANCE_MS, signedHeaders } from '#shared/domain/partner-push';

const SECRET = 'partner-push-test-secret';
const NOW = Date.parse('2026-03-02T10:00:00Z');

const message: OutboundMessage = {
  channel: 'push',
  to: 'bank-user-981',
  customerId: 'c-42',
  touchId: 'a1b2c3d4e5f6-1',
  text: 'Winback Mobile: tu cobertura es mejor. https://go.example.com/r/abc',
  subject: 'Tu cobertura ha mejorado',
  variant: 'A',
  locale: 'es-ES',
  language: 'es',
  link: 'https://go.example.com/r/abc',
  offer: { id: 'fix-coverage', angle: 'fix' },
  timezone: 'Europe/Madrid',
};

describe('partner push signatures', () => {
  it('are v1= and the hex HMAC-SHA256 of "<timestamp>.<body>", as the partner recomputes it', () => {
    const body = '{"touchId":"a1b2c3d4e5f6-1"}';
    const headers = signedHeaders(SECRET, body, NOW + 999);
    expect(headers['x-winback-timestamp']).toBe(String(NOW / 1000));
    const expected = createHmac('sha256', SECRET)
      .update(`${NOW / 1000}.${body}`)
      .digest('hex');
    expect(headers['x-winback-signature']).toBe(`v1=${expected}`);
  });

  it('are checked against the body, the secret and a clock 5 minutes either way', () => {
    const body = '{"touchId":"t","event":"delivered"}';
    const timestamp = String(NOW / 1000);
    const signature = partnerPushSignature(SECRET, timestamp, body);
    expect(checkSignature(SECRET, { timestamp, signature, body }, NOW)).toBe('ok');
    expect(checkSignature(SECRET, { timestamp, signature, body }, NOW + SIGNATURE_TOLERANCE_MS)).toBe('ok');
    // Several values (a rotation): any one will do.
    expect(checkSignature(SECRET, { timestamp, signature: `v1=00ff, ${signature}`, body }, NOW)).toBe('ok');
    expect(checkSignature(SECRET, { timestamp, signature, body }, NOW + SIGNATURE_TOLERANCE_MS + 1000)).toBe('stale');
    expect(checkSignature(SECRET, { timestamp: `${timestamp}.5`, signature, body }, NOW)).toBe('stale');
    expect(checkSignature(SECRET, { timestamp, signature, body: `${body} ` }, NOW)).toBe('mismatch');
    expect(checkSignature('another-secret-entirely', { timestamp, signature, body }, NOW)).toBe('mismatch');
    expect(checkSignature(SECRET, { timestamp, signature: signature.toUpperCase(), body }, NOW)).toBe('mismatch');
    expect(checkSignature(SECRET, { timestamp: undefined, signature, body }, NOW)).toBe('missing');
    expect(checkSignature(SECRET, { timestamp, signature: '', body }, NOW)).toBe('missing');
  });
});

describe('the partner push body', () => {
  it('names the touch, the customer as the partner knows them, the text, the offer and the link: nothing else of the customer', () => {
    expect(partnerPushBody(message)).toEqual({
      touchId: 'a1b2c3d4e5f6-1',
      customer: { id: 'c-42', pushToken: 'bank-user-981' },
      language: 'es',
      title: 'Tu cobertura ha mejorado',
      text: 'Winback Mobile: tu cobertura es mejor. https://go.example.com/r/abc',
      offer: { id: 'fix-coverage', angle: 'fix' },
      link: 'https://go.example.com/r/abc',
    });
    const { link: _link, ...withoutLink } = message;
    expect(partnerPushBody(withoutLink)).not.toHaveProperty('link');
    expect(() => partnerPushBody({ ...message, channel: 'sms' })).toThrow('only a push message');
  });
});
