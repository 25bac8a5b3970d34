import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromApiGatewayEvent } from '#shared/http/api-gateway';
import { apiKeyAuthorizer } from '#shared/http/api-key';
import { fromNodeRequest, splitTarget } from '#shared/http/node-request';
import { createRouter } from '#shared/http/router';
import { decodeUtf8Body } from '#shared/http/utf8-body';
import { unsubscribeRoutes } from '#shared/http/unsubscribe-routes';
import { v1Routes } from '#shared/http/v1-routes';
import { makeDeps } from '../../support/fakes.ts';
import { expectClientError, fuzz, METHODS, oddText } from '../../support/hostile-input.ts';

/**
 * The two transports in front of the router: API Gateway's proxy events (in AWS) and node:http
 * requests (the local runner). Whatever arrives, they hand the router a request it can answer
 * with a 4xx, never throw, and never change a body's text without saying so.
 */

const API_KEY = 'fuzz-api-key-0123';

/** An API Gateway REST proxy event with only what the mapping reads set. */
function apiGatewayEvent(
  fields: Pick<APIGatewayProxyEvent, 'httpMethod' | 'path' | 'body' | 'isBase64Encoded'> & Partial<APIGatewayProxyEvent>,
): APIGatewayProxyEvent {
  return {
    resource: '/{proxy+}',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
    ...fields,
  };
}

/** Bytes: valid UTF-8 text, or anything at all (mostly not UTF-8), or text with one byte broken. */
const bodyBytes = fc.oneof(
  fc.string({ unit: 'binary' }).map((text) => new Uint8Array(Buffer.from(text, 'utf8'))),
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  fc.tuple(fc.string({ unit: 'binary', minLength: 1 }), fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xed, 0xf5, 0xff)).map(([text, byte]) => {
    const bytes = Buffer.from(text, 'utf8');
    bytes[bytes.length - 1] = byte;
    return new Uint8Array(bytes);
  }),
);

/** What a strict decoder must answer: the text when the bytes survive a round trip (a leading BOM aside). */
function expectedText(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes).toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text.replace(/^\uFEFF/, '') : undefined;
}

describe('decodeUtf8Body', () => {
  it('property: gives the text of UTF-8 bytes exactly, and marks anything else instead of putting U+FFFD in', () => {
    fc.assert(
      fc.property(bodyBytes, (bytes) => {
        const text = expectedText(bytes);
        expect(decodeUtf8Body(bytes)).toEqual(text === undefined ? { bodyNotUtf8: true } : { body: text });
      }),
      fuzz(1_000),
    );
  });

  it('regression: a lone surrogate encoded in UTF-8 (CESU-8, ED A0 80) is not UTF-8; it used to become U+FFFD silently', () => {
    expect(decodeUtf8Body(new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]))).toEqual({ bodyNotUtf8: true });
  });
});

describe('splitTarget (node:http request targets)', () => {
  it('regression: "//" made `new URL` throw, which the local runner answered with a 500; "//v1/events" was read as host v1, path /events', () => {
    expect(splitTarget('//')).toEqual({ path: '//', query: {} });
    expect(splitTarget('//v1/events?x=1')).toEqual({ path: '//v1/events', query: { x: '1' } });
    expect(splitTarget('//a b')).toEqual({ path: '//a b', query: {} });
  });

  it('takes a proxy’s absolute-form target, an asterisk, and a bare query apart too', () => {
    expect(splitTarget('http://evil.example:80/healthz?token=a')).toEqual({ path: '/healthz', query: { token: 'a' } });
    expect(splitTarget('*')).toEqual({ path: '*', query: {} });
    expect(splitTarget('?token=a&token=b')).toEqual({ path: '/', query: { token: 'b' } });
  });

  it('property: any target splits without throwing; an origin-form path comes back as sent, still percent-encoded', () => {
    const segment = fc.oneof(
      fc.webSegment(),
      oddText.map((text) => text.replace(/[/?#]/g, '')),
      fc.constantFrom('%', '%zz', '%ED%A0%80', '..', '.', '__proto__'),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), fc.option(fc.string(), { nil: undefined }), fc.string(), (segments, query, junk) => {
        const path = `/${segments.join('/')}`;
        expect(splitTarget(query === undefined ? path : `${path}?${query}`).path).toBe(path);
        expect(() => splitTarget(junk)).not.toThrow();
      }),
      fuzz(1_000),
    );
  });

  it('keeps a `__proto__` query name as its own entry, polluting nothing', () => {
    const { query } = splitTarget('/v1/unsubscribe?__proto__=x&constructor=y');
    expect(Object.entries(query)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
  });
});

describe('fromNodeRequest', () => {
  const incoming = (chunks: Uint8Array[], url = '/v1/events') =>
    Object.assign(Readable.from(chunks.map((chunk) => Buffer.from(chunk))), {
      url,
      method: 'POST',
      headers: { 'x-api-key': API_KEY },
    }) as unknown as IncomingMessage;

  it('property: a body cut in chunks anywhere, even inside a character, is read as the same text; over the limit it is marked, not buffered', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.integer({ min: 0, max: 400 }),
        async (text, cuts, limit) => {
          const bytes = Buffer.from(text, 'utf8');
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((start, i) => new Uint8Array(bytes.subarray(start, [...points, bytes.length][i])));
          const request = await fromNodeRequest(incoming(chunks), limit);
          expect(request).toEqual(
            bytes.length > limit
              ? { method: 'POST', path: '/v1/events', headers: { 'x-api-key': API_KEY }, query: {}, bodyTooLarge: true }
              : { method: 'POST', path: '/v1/events', headers: { 'x-api-key': API_KEY }, query: {}, body: text.replace(/^\uFEFF/, '') },
          );
        },
      ),
      fuzz(300),
    );
  });
});

describe('API Gateway events through the router', () => {
  const deps = makeDeps();
  // API Gateway checks the key before the function runs; the authorizer stands in for it here.
  const handle = createRouter({
    routes: [...v1Routes(deps), ...unsubscribeRoutes(deps, 'fuzz-unsubscribe-key')],
    authorize: apiKeyAuthorizer(API_KEY),
    logger: deps.logger,
  });

  it('property: the API key header is found whatever its case', () => {
    const casings = fc
      .array(fc.boolean(), { minLength: 9, maxLength: 9 })
      .map((upper) => [...'x-api-key'].map((char, i) => (upper[i] ? char.toUpperCase() : char)).join(''));
    fc.assert(
      fc.property(casings, (name) => {
        expect(
          fromApiGatewayEvent(
            apiGatewayEvent({ httpMethod: 'GET', path: '/healthz', body: null, isBase64Encoded: false, headers: { [name]: API_KEY } }),
          ).headers['x-api-key'],
        ).toBe(API_KEY);
      }),
      fuzz(100),
    );
  });

  it('property: any method, path, headers, query and base64 or text body is answered below 500, a bad encoding with a 400 naming the body', async () => {
    const event = fc.record({
      httpMethod: fc.oneof(fc.constantFrom(...METHODS), fc.string()),
      path: fc.oneof(
        fc.constantFrom('/healthz', '/v1/events', '/v1/customers/%ED%A0%80', '/v1/unsubscribe', '//'),
        fc.webPath(),
        oddText.map((text) => `/${text}`),
      ),
      headers: fc.oneof(
        fc.constant(null),
        fc.dictionary(
          fc.oneof(fc.constantFrom('X-Api-Key', 'x-api-key', 'Content-Type'), fc.string()),
          fc.oneof(oddText, fc.constant(API_KEY)),
          { maxKeys: 4 },
        ),
      ),
      queryStringParameters: fc.oneof(fc.constant(null), fc.dictionary(fc.string(), oddText, { maxKeys: 3 })),
      encoded: fc.oneof(
        fc.record({ isBase64Encoded: fc.constant(true), bytes: bodyBytes }),
        fc.record({ isBase64Encoded: fc.constant(false), text: fc.oneof(fc.constant(null), fc.json(), oddText) }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(event, async ({ encoded, headers, ...fields }) => {
        const body = encoded.isBase64Encoded ? Buffer.from(encoded.bytes).toString('base64') : encoded.text;
        const request = fromApiGatewayEvent(
          apiGatewayEvent({
            ...fields,
            headers: headers as APIGatewayProxyEvent['headers'],
            body,
            isBase64Encoded: encoded.isBase64Encoded,
          }),
        );
        const response = await handle(request);
        expect(response.statusCode, response.body.slice(0, 300)).toBeLessThan(500);
        if (response.statusCode >= 400) expectClientError(response);
        if (request.bodyNotUtf8 && response.statusCode === 400) expect(JSON.parse(response.body).error.details[0].path).toBe('(body)');
      }),
      fuzz(500),
    );
  });

  it('regression: a base64 body that is not UTF-8 was decoded with U+FFFD in place, changing an event id silently; now a 400', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"eventId":"evt-'),
      Buffer.from([0xff]),
      Buffer.from('","type":"customer.returned","occurredAt":"2026-02-24T14:10:00Z","customerId":"c-1"}'),
    ]);
    const response = await handle(
      fromApiGatewayEvent(
        apiGatewayEvent({
          httpMethod: 'POST',
          path: '/v1/events',
          headers: { 'X-API-Key': API_KEY },
          body: bytes.toString('base64'),
          isBase64Encoded: true,
        }),
      ),
    );
    expect(expectClientError(response, 400).error.details).toEqual([
      { path: '(body)', code: 'invalid_encoding', message: expect.any(String) },
    ]);
    expect(await deps.store.get('c-1')).toBeUndefined();
  });
});
