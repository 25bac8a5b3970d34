import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ATTRIBUTES, MAX_BATCH_EVENTS } from '#shared/domain/events';
import { signUnsubscribeToken } from '#shared/domain/unsubscribe';
import { ingestEvent } from '#shared/engine/ingest-event';
import { apiKeyAuthorizer } from '#shared/http/api-key';
import type { HttpRequest, Route } from '#shared/http/http-types';
import { createRouter, MAX_BODY_BYTES } from '#shared/http/router';
import { unsubscribeRoutes } from '#shared/http/unsubscribe-routes';
import { v1Routes } from '#shared/http/v1-routes';
import { churnEvent } from '../../fixtures/events.ts';
import { makeDeps, type TestDeps } from '../../support/fakes.ts';
import {
  concretePath,
  deepNesting,
  encodeSegment,
  expectClientError,
  fuzz,
  METHODS,
  nearMissKeys,
  oddText,
  OVERLONG,
  toJsonText,
  wrongKey,
} from '../../support/hostile-input.ts';

/**
 * Hostile requests against the router with every route of the API (v1 and unsubscribe), taken
 * from the route tables themselves: a route added there is fuzzed and auth-checked here without
 * editing this file. The engine runs on in-memory fakes; each case starts from a world holding
 * one churned customer (record, timers), and must leave it exactly as it was.
 *
 * Seeds and runs: see `fuzz()`; a failure prints the seed and the counterexample.
 */

const API_KEY = 'fuzz-api-key-0123';
const UNSUBSCRIBE_KEY = 'fuzz-unsubscribe-key';
const CUSTOMER = 'fuzz-customer-1';
const TOKEN = signUnsubscribeToken({ customerId: CUSTOMER, channel: 'email' }, UNSUBSCRIBE_KEY);

interface World {
  deps: TestDeps;
  routes: Route[];
  handle: (request: HttpRequest) => ReturnType<ReturnType<typeof createRouter>>;
}

async function world(): Promise<World> {
  const deps = makeDeps();
  await ingestEvent(deps, churnEvent({ customerId: CUSTOMER }));
  const routes = [...v1Routes(deps), ...unsubscribeRoutes(deps, UNSUBSCRIBE_KEY)];
  return { deps, routes, handle: createRouter({ routes, authorize: apiKeyAuthorizer(API_KEY), logger: deps.logger }) };
}

/** Everything a request could change: records, erased facts, timers, scheduler calls, messages, clock. */
async function fingerprint({ deps }: World): Promise<string> {
  const stored: unknown[] = [];
  for await (const item of deps.store.scan(0, 1)) stored.push(item);
  return JSON.stringify({
    stored,
    erased: [...deps.store.erasedFacts],
    timers: [...deps.scheduler.timers],
    calls: [deps.scheduler.scheduleCalls.length, deps.scheduler.cancelCalls.length],
    sent: Object.values(deps.channels).map((channel) => channel.sent),
    now: deps.clock.now(),
  });
}

/** Sends `request` and checks the world is as it was before. */
async function unchangedBy(w: World, request: HttpRequest) {
  const before = await fingerprint(w);
  const response = await w.handle(request);
  expect(await fingerprint(w), `${request.method} ${request.path} answered ${response.statusCode} and changed something`).toBe(before);
  return response;
}

const ROUTES = (await world()).routes;
/** Every path of the table × every method, but those a self-authenticated route answers (its token is checked instead). */
const KEYED_TARGETS = [...new Set(ROUTES.map((route) => route.path))]
  .flatMap((path) => METHODS.map((method) => ({ path, method })))
  .filter(
    ({ path, method }) => !ROUTES.some((route) => route.path === path && route.selfAuthenticated && route.method === method.toUpperCase()),
  );

/** Bodies: none, valid JSON, broken JSON, deep nesting, odd text, overlong. */
const anyBody: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant(JSON.stringify(churnEvent({ customerId: CUSTOMER, eventId: 'fuzz-event' }))),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string(),
  oddText,
  fc.constantFrom(toJsonText(deepNesting(10_000, 'array')), toJsonText(deepNesting(10_000, 'object')), JSON.stringify(OVERLONG)),
);

describe('authentication of every route', () => {
  it('lists at least the v1 and unsubscribe routes, so the matrix below is not empty', () => {
    expect(ROUTES.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'POST /v1/events',
        'GET /v1/customers/{customerId}',
        'DELETE /v1/customers/{customerId}',
        'GET /v1/unsubscribe',
        'POST /v1/unsubscribe',
      ]),
    );
  });

  it.each(KEYED_TARGETS.map((target) => [`${target.method} ${target.path}`, target] as const))(
    '%s: 401 with no key, an empty one, or one off by case, a space, a character',
    async (_name, { path, method }) => {
      const w = await world();
      for (const key of [undefined, ...nearMissKeys(API_KEY)]) {
        const headers = key === undefined ? {} : { 'x-api-key': key };
        const response = await unchangedBy(w, {
          method,
          path: concretePath({ path }, CUSTOMER),
          headers,
          query: { token: TOKEN },
          body: JSON.stringify(churnEvent({ customerId: CUSTOMER, eventId: 'unauthorized' })),
        });
        expectClientError(response, 401);
      }
    },
  );

  it('every route answers its own method with the right key (so the 401s above are the key’s doing)', async () => {
    for (const route of ROUTES) {
      const w = await world();
      const response = await w.handle({
        method: route.method,
        path: concretePath(route, CUSTOMER),
        headers: { 'x-api-key': API_KEY },
        query: { token: TOKEN },
      });
      expect(response.statusCode, `${route.method} ${route.path}`).not.toBe(401);
      expect(response.statusCode).toBeLessThan(500);
    }
  });

  it('property: any wrong key, any method, any path, any body: 401 and nothing changed', async () => {
    const paths = fc.oneof(
      fc.constantFrom(...KEYED_TARGETS).map(({ path, method }) => ({ method, path: concretePath({ path }, CUSTOMER) })),
      fc.record({
        method: fc.constantFrom(...METHODS),
        path: fc.oneof(
          fc.constantFrom('/', '/v1', '/v1/customers/', '/local/clock', '/v1/tasks', '//', '/%'),
          oddText.map((text) => `/${text}`),
        ),
      }),
    );
    const w = await world();
    await fc.assert(
      fc.asyncProperty(paths, fc.option(wrongKey(API_KEY), { nil: undefined }), anyBody, async ({ method, path }, key, body) => {
        const response = await unchangedBy(w, { method, path, headers: key === undefined ? {} : { 'x-api-key': key }, body });
        expectClientError(response, 401);
      }),
      fuzz(400),
    );
  });
});

describe('methods and paths', () => {
  it('an unknown method on any route is a 405 naming the allowed ones, with the key', async () => {
    const w = await world();
    for (const route of ROUTES) {
      const allowed = ROUTES.filter((other) => other.path === route.path).map((other) => other.method);
      for (const method of METHODS.filter((m) => !allowed.includes(m.toUpperCase() as Route['method']))) {
        const response = await unchangedBy(w, {
          method,
          path: concretePath(route, CUSTOMER),
          headers: { 'x-api-key': API_KEY },
          query: { token: TOKEN },
        });
        expectClientError(response, 405);
        expect(response.headers.allow?.split(', ').sort()).toEqual([...allowed].sort());
      }
    }
  });

  it('property: a path parameter of any text, bad percent-encoding included, is a 4xx naming it (or a miss) and changes nothing', async () => {
    const paramRoutes = ROUTES.filter((route) => route.path.includes('{'));
    expect(paramRoutes.length).toBeGreaterThan(0);
    const badEncodings = fc.constantFrom('%', '%zz', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%FF', '%00', '%2500', 'a%', '%%');
    // Raw text in the path as a client might send it; the router decodes parameters itself.
    const rawParam = fc
      .oneof(
        badEncodings,
        oddText.map(encodeSegment),
        fc.string({ minLength: 1 }).map((text) => text.replaceAll('/', '%2F')),
      )
      .filter((param) => param !== '' && decodedOrRaw(param) !== CUSTOMER);
    const w = await world();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paramRoutes), rawParam, async (route, param) => {
        const response = await unchangedBy(w, {
          method: route.method,
          path: route.path.replace(/\{\w+\}/g, param),
          headers: { 'x-api-key': API_KEY },
        });
        expect(response.statusCode, response.body).toBeLessThan(500);
        if (response.statusCode !== 400) return;
        const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
        const { error } = expectClientError(response);
        expect(error.details.length).toBeGreaterThan(0);
        for (const detail of error.details) expect(names).toContain(detail.path);
      }),
      fuzz(300),
    );
  });
});

describe('bodies', () => {
  it('every route, its body ignored or not, refuses a body over 1 MiB with a 413 naming the body, and changes nothing', async () => {
    // Lone surrogates count as the 3 bytes of U+FFFD, so this one is over the limit by one byte.
    const justOver = `"${'\uD800'.repeat((MAX_BODY_BYTES - 1) / 3)}"`;
    for (const body of ['x'.repeat(MAX_BODY_BYTES + 1), '€'.repeat(Math.ceil(MAX_BODY_BYTES / 3) + 1), justOver, undefined]) {
      for (const route of ROUTES) {
        const w = await world();
        const request = {
          method: route.method,
          path: concretePath(route, CUSTOMER),
          headers: { 'x-api-key': API_KEY },
          query: { token: TOKEN },
        };
        const response = await unchangedBy(w, body === undefined ? { ...request, bodyTooLarge: true } : { ...request, body });
        const { error } = expectClientError(response, 413);
        expect(error.details).toEqual([expect.objectContaining({ path: '(body)' })]);
      }
    }
  });

  it('regression: the one-click unsubscribe POST (whose body is not parsed) took a 2 MB body with a valid link and opted out', async () => {
    const w = await world();
    const response = await unchangedBy(w, {
      method: 'POST',
      path: '/v1/unsubscribe',
      headers: {},
      query: { token: TOKEN },
      body: `List-Unsubscribe=One-Click&${'x'.repeat(2_000_000)}`,
    });
    expectClientError(response, 413);
  });

  it('every route refuses a body whose bytes were not UTF-8 with a 400 naming the body', async () => {
    for (const route of ROUTES) {
      const w = await world();
      const response = await unchangedBy(w, {
        method: route.method,
        path: concretePath(route, CUSTOMER),
        headers: { 'x-api-key': API_KEY },
        query: { token: TOKEN },
        bodyNotUtf8: true,
      });
      const { error } = expectClientError(response, 400);
      expect(error.details).toEqual([{ path: '(body)', code: 'invalid_encoding', message: expect.any(String) }]);
    }
  });

  it('property: a JSON route given anything but a JSON object (broken JSON, scalars, arrays, deep nesting), of any content type, answers 4xx and changes nothing', async () => {
    const jsonPosts = ROUTES.filter((route) => route.method === 'POST' && !route.rawBody);
    const notAnObject = fc.oneof(
      fc.string().filter((text) => text.trim() !== '' && !isJsonObject(text)),
      fc
        .jsonValue()
        .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
        .map((value) => JSON.stringify(value)),
      fc.constantFrom(100, 10_000, 100_000).map((depth) => toJsonText(deepNesting(depth, 'array'))),
      fc.constantFrom('{', '{"events":', '\uFEFF{}', "{'a':1}", '{"a":1,}', 'NaN', '[1,]', '"\\ud800"', 'null', '{"__proto__":'),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      '',
      '\u0000',
    );
    const w = await world();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...jsonPosts), notAnObject, contentType, async (route, body, type) => {
        const response = await unchangedBy(w, {
          method: 'POST',
          path: concretePath(route, CUSTOMER),
          headers: { 'x-api-key': API_KEY, 'content-type': type },
          body,
        });
        const { error } = expectClientError(response, 400);
        expect(error.details.length).toBeGreaterThan(0);
      }),
      fuzz(300),
    );
  });
});

describe('the size of an answer', () => {
  /** A synchronous Lambda answers at most 6 MB: a bigger error body would become API Gateway's 502. */
  const LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;

  /** An event whose every field is wrong, with `attributes` entries under names of `nameLength` characters. */
  const allWrong = (nameLength: number, attributes: number) => {
    const names = Array.from({ length: attributes }, (_, i) => String(i).padStart(nameLength, 'k'));
    const fields = [
      'eventId',
      'occurredAt',
      'customerId',
      'churnKind',
      'exitReason',
      'contacts',
      'consents',
      'timezone',
      'locale',
      'monthlyRevenue',
      'tenureMonths',
      'priorChurns',
      'accountType',
      'market',
    ];
    return `{"type":"customer.churned",${fields.map((field) => `"${field}":[]`).join(',')},"attributes":{${names.map((name) => `"${name}":[]`).join(',')}}}`;
  };
  /** As many copies of `item` as a batch holds and 1 MiB carries. */
  const fullBatch = (item: string) =>
    `{"events":[${Array(Math.min(MAX_BATCH_EVENTS, Math.floor(MAX_BODY_BYTES / (item.length + 1)) - 1))
      .fill(item)
      .join(',')}]}`;

  it('the most issues a body under 1 MiB can carry still make an answer a Lambda can return', async () => {
    const w = await world();
    for (const body of [
      fullBatch(allWrong(1, MAX_ATTRIBUTES)),
      fullBatch(allWrong(64, MAX_ATTRIBUTES)),
      fullBatch(allWrong(65, MAX_ATTRIBUTES)),
    ]) {
      const response = await unchangedBy(w, { method: 'POST', path: '/v1/events', headers: { 'x-api-key': API_KEY }, body });
      expect(response.statusCode).toBe(200);
      expect(Buffer.byteLength(response.body)).toBeLessThan(LAMBDA_RESPONSE_LIMIT);
    }
  });

  it('regression: 80,000 wrong attributes in one event made 80,000 issues (megabytes, seconds); now one names attributes', async () => {
    const w = await world();
    const response = await unchangedBy(w, {
      method: 'POST',
      path: '/v1/events',
      headers: { 'x-api-key': API_KEY },
      body: allWrong(1, 80_000),
    });
    const { error } = expectClientError(response, 400);
    expect(error.details.filter((detail) => detail.path.startsWith('attributes'))).toEqual([
      { path: 'attributes', code: 'custom', message: `must hold at most ${MAX_ATTRIBUTES} attributes` },
    ]);
  });
});

describe('unsubscribe links', () => {
  const forgedTokens = fc.oneof(
    oddText,
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom(
      '',
      '.',
      '..',
      'a.b',
      `${TOKEN}.`,
      `.${TOKEN}`,
      TOKEN.replace('.', ''),
      `${TOKEN}=`,
      TOKEN.replace(/-/g, '+'),
      'x'.repeat(5_000),
      `${TOKEN}${'A'.repeat(2_000)}`,
    ),
    // One character of the real token changed, dropped or added.
    fc
      .tuple(fc.nat(TOKEN.length - 1), fc.constantFrom('A', '_', '-', '.', '=', '%', ''))
      .map(([at, char]) => `${TOKEN.slice(0, at)}${char}${TOKEN.slice(at + 1)}`),
    fc.nat(TOKEN.length - 1).map((at) => TOKEN.slice(0, at)),
    // Well-formed and signed, but with another key (a rotated one, the only way a link expires).
    fc
      .constantFrom('sms', 'email', 'push')
      .map((channel) => signUnsubscribeToken({ customerId: CUSTOMER, channel: channel as 'sms' }, 'rotated-away-key')),
    // Someone else's payload under this customer's signature.
    fc
      .constantFrom('sms', 'push')
      .map(
        (channel) =>
          `${signUnsubscribeToken({ customerId: 'someone-else', channel: channel as 'sms' }, UNSUBSCRIBE_KEY).split('.')[0]}.${TOKEN.split('.')[1]}`,
      ),
  );

  it('property: a missing, forged, altered, cut or re-signed link is a 400 naming the token, on GET and POST, key or not; nothing changes', async () => {
    const tokenRoutes = ROUTES.filter((route) => route.selfAuthenticated);
    expect(tokenRoutes.length).toBeGreaterThan(0);
    const w = await world();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...tokenRoutes),
        fc.option(
          forgedTokens.filter((token) => token !== TOKEN),
          { nil: undefined },
        ),
        fc.boolean(),
        async (route, token, withKey) => {
          const response = await unchangedBy(w, {
            method: route.method,
            path: route.path,
            headers: withKey ? { 'x-api-key': API_KEY } : {},
            query: token === undefined ? {} : { token },
            ...(route.method === 'POST' ? { body: 'List-Unsubscribe=One-Click' } : {}),
          });
          const { error } = expectClientError(response, 400);
          expect(error.details.map((detail) => detail.path)).toEqual(['token']);
        },
      ),
      fuzz(300),
    );
  });
});

describe('anything at all', () => {
  it('property: any method, path, headers, query and body never gets a 5xx, and a 4xx changes nothing', async () => {
    const w = await world();
    const path = fc.oneof(
      fc.constantFrom(...ROUTES).map((route) => concretePath(route, CUSTOMER)),
      fc.constantFrom(...ROUTES).chain((route) => oddText.map((text) => concretePath(route, text))),
      fc.webPath(),
      oddText.map((text) => `/${text}`),
    );
    const headers = fc.dictionary(
      fc.oneof(fc.constantFrom('x-api-key', 'content-type', 'content-length', '__proto__', 'constructor'), fc.string()),
      oddText,
      { maxKeys: 4 },
    );
    const request = fc.record({
      method: fc.oneof(fc.constantFrom(...METHODS), fc.string()),
      path,
      headers: fc
        .tuple(headers, fc.constantFrom(API_KEY, undefined))
        .map(([h, key]) => (key === undefined ? h : { ...h, 'x-api-key': key })),
      query: fc.dictionary(fc.oneof(fc.constant('token'), fc.string()), fc.oneof(oddText, fc.constant(TOKEN)), { maxKeys: 3 }),
      body: anyBody,
    });
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const before = await fingerprint(w);
        const response = await w.handle(req);
        expect(response.statusCode, `${req.method} ${req.path}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
        if (response.statusCode >= 400) {
          expectClientError(response);
          expect(await fingerprint(w)).toBe(before);
        }
      }),
      fuzz(500),
    );
  });

  it('a `__proto__` or `constructor.prototype` key anywhere in a body, on any route, pollutes no prototype', async () => {
    const poison = '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}';
    const event = JSON.stringify(churnEvent({ customerId: 'fuzz-proto', eventId: 'fuzz-proto' })).slice(1, -1);
    const bodies = [
      poison,
      `{${event}, "attributes": ${poison}}`,
      `{${event}, "contacts": ${poison}}`,
      `{"events": [${poison}, {${event}, "__proto__": {"polluted": "yes"}}]}`,
    ];
    for (const route of ROUTES) {
      for (const body of bodies) {
        const w = await world();
        const response = await w.handle({
          method: route.method,
          path: concretePath(route, CUSTOMER),
          headers: { 'x-api-key': API_KEY },
          query: { token: TOKEN },
          body,
        });
        expect(response.statusCode).toBeLessThan(500);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});

/** The parameter as the router will see it, or as is when it is not valid percent-encoding. */
function decodedOrRaw(param: string): string {
  try {
    return decodeURIComponent(param);
  } catch {
    return param;
  }
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
