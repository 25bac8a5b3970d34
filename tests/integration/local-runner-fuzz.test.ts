import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/aws/dynamodb-customer-store';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import { deriveKey } from '#shared/domain/keys';
import { signUnsubscribeToken } from '#shared/domain/unsubscribe';
import type { Route } from '#shared/http/http-types';
import { MAX_BODY_BYTES } from '#shared/http/router';
import { readLocalConfig, TABLE_NAME } from '../../bin/local-config.ts';
import { startLocalRunner, type LocalRunner } from '../../bin/local-runner.ts';
import { churnInput } from '../fixtures/events.ts';
import {
  concretePath,
  deepNesting,
  expectClientError,
  expectIssuesName,
  fuzz,
  mutantOf,
  oddText,
  toJsonText,
} from '../support/hostile-input.ts';

/**
 * The local runner over real HTTP: every route it serves (taken from the runner itself, so a
 * route added later is covered), `/local/*` included, refuses requests without the right key;
 * malformed requests (odd targets, bad percent-encoding, unknown methods, bodies over 1 MiB or not
 * UTF-8, hostile JSON for the local routes) get a 4xx. "Nothing changed" is checked on everything
 * the runner keeps: the virtual clock, every file under its data folder, and every DynamoDB item.
 */

const API_KEY = 'fuzz-local-key-0123';
const MASTER_KEY = 'fuzz-local-master-key';
const CUSTOMER = 'fuzz-local-customer';
const TOKEN = signUnsubscribeToken({ customerId: CUSTOMER, channel: 'email' }, deriveKey(MASTER_KEY, 'unsubscribe-link'));

/** A valid body for each local JSON route: the fields mutants break. Routes without one get the generic checks only. */
const EXAMPLE_BODIES: Record<string, Array<Record<string, unknown>>> = {
  'POST /local/clock': [{ advanceDays: 1 }, { advanceTo: '2027-01-01T00:00:00Z' }],
  'POST /local/jobs/nightly': [{ date: '2026-01-05' }],
};

interface Answer {
  status: number;
  contentType: string | undefined;
  text: string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

describe('local runner: hostile requests over HTTP', () => {
  let dataDir: string;
  let runner: LocalRunner;
  let dynamo: DynamoDBClient;
  let port: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-fuzz-'));
    const dynamoPort = await freePort();
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    runner = await startLocalRunner(
      readLocalConfig({
        PORT: '0',
        WINBACK_DATA_DIR: dataDir,
        WINBACK_API_KEY: API_KEY,
        WINBACK_MASTER_KEY: MASTER_KEY,
        WINBACK_START_TIME: '2026-01-05T08:00:00Z',
        // The fingerprint below reads every DynamoDB item: this runner keeps its customers there.
        WINBACK_STORE: 'dynamodb-local',
        WINBACK_DYNAMODB_PORT: String(dynamoPort),
      }),
    );
    port = Number(new URL(runner.url).port);
    dynamo = localDynamoClient(`http://127.0.0.1:${dynamoPort}`);
    expect(
      (
        await send('POST', '/v1/events', {
          body: JSON.stringify({ ...churnInput(), customerId: CUSTOMER, eventId: 'fuzz-local-seed', consents: { sms: true, email: true } }),
        })
      ).status,
    ).toBe(202);
  });

  afterAll(async () => {
    dynamo?.destroy();
    await runner?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** One request as given: any method token, target, header (name case kept) and body bytes. */
  function send(
    method: string,
    target: string,
    options: { headers?: OutgoingHttpHeaders; body?: string | Buffer; apiKey?: string | null } = {},
  ): Promise<Answer> {
    const key = options.apiKey === undefined ? API_KEY : options.apiKey;
    // Content-Length frames a body even on GET, where node would otherwise send it unframed.
    const length = options.body === undefined ? {} : { 'content-length': Buffer.byteLength(options.body) };
    const headers = { ...(key === null ? {} : { 'x-api-key': key }), ...length, ...options.headers };
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers['content-type'],
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      // The runner answers 413 without reading a body over the limit: the rest may meet a closed socket.
      outgoing.on('error', (error: NodeJS.ErrnoException) =>
        error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error),
      );
      outgoing.end(options.body);
    });
  }

  const asResponse = (answer: Answer) => ({ statusCode: answer.status, body: answer.text });

  /** The clock, every file but DynamoDB Local's own, and every item of the table. */
  async function fingerprint(): Promise<string> {
    const files = readdirSync(dataDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && !relative(dataDir, entry.parentPath).startsWith('dynamodb'))
      .map((entry) => join(entry.parentPath, entry.name))
      .sort()
      .map((file) => `${relative(dataDir, file)}:${createHash('sha256').update(readFileSync(file)).digest('hex')}`);
    const items: string[] = [];
    for await (const page of paginateScan({ client: createDocumentClient(dynamo) }, { TableName: TABLE_NAME, ConsistentRead: true }))
      items.push(...(page.Items ?? []).map((item) => JSON.stringify(item)));
    return JSON.stringify({ now: runner.clock.now(), files, items: items.sort() });
  }

  async function expectNothingChangedBy(requests: () => Promise<void>): Promise<void> {
    const before = await fingerprint();
    await requests();
    expect(await fingerprint()).toBe(before);
  }

  const routes = (): readonly Route[] => runner.routes;
  const signature = (route: Route) => `${route.method} ${route.path}`;

  it('serves the v1, unsubscribe and /local/* routes, so the checks below walk all of them', () => {
    expect(routes().map(signature)).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'POST /v1/events',
        'GET /v1/customers/{customerId}',
        'DELETE /v1/customers/{customerId}',
        'POST /v1/unsubscribe',
        'POST /local/clock',
        'GET /local/outbox',
        'POST /local/jobs/nightly',
      ]),
    );
  });

  describe('the API key', () => {
    /** Wrong keys a client can put on the wire (header values are Latin-1, surrounding spaces are trimmed). */
    const WRONG_KEYS: Array<string | null> = [
      null,
      '',
      API_KEY.toUpperCase(),
      `${API_KEY}x`,
      API_KEY.slice(0, -1),
      `${API_KEY}\u00A0`,
      `\u00A0${API_KEY}`,
      `${API_KEY},${API_KEY}`,
      'Bearer x',
      'x'.repeat(4_000),
    ];
    const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'];

    it('every route, every method, any wrong key: 401, and nothing changed', async () => {
      const paths = [...new Set(routes().map((route) => route.path)), '/v1/nope', '/local/nope', '//', '/'];
      await expectNothingChangedBy(async () => {
        for (const path of paths) {
          for (const method of METHODS) {
            // A self-authenticated route's own method checks its token, not the key (below).
            if (routes().some((route) => route.path === path && route.selfAuthenticated && route.method === method)) continue;
            for (const apiKey of WRONG_KEYS) {
              const answer = await send(method, `${concretePath({ path }, CUSTOMER)}?token=${TOKEN}`, {
                apiKey,
                body: JSON.stringify({ advanceDays: 3_000, date: '2026-01-05', ...churnInput() }),
              });
              expect(answer.status, `${method} ${path} with ${JSON.stringify(apiKey)}`).toBe(401);
              expectClientError(asResponse(answer), 401);
            }
          }
        }
      });
    });

    it('two x-api-key headers, even one of them right, are no key: 401', async () => {
      await expectNothingChangedBy(async () => {
        const answer = await send('POST', '/local/clock', {
          apiKey: null,
          headers: { 'x-api-key': [API_KEY, 'other'] },
          body: '{"advanceDays": 1}',
        });
        expectClientError(asResponse(answer), 401);
      });
    });

    it('the header name is case-insensitive, and spaces around the value are no part of it (RFC 9110 §5.5), as for any HTTP header', async () => {
      expect((await send('GET', '/healthz', { apiKey: null, headers: { 'X-API-KEY': API_KEY } })).status).toBe(200);
      expect((await send('GET', '/healthz', { apiKey: ` ${API_KEY}\t` })).status).toBe(200);
    });

    it('a forged, altered or missing unsubscribe link is a 400 naming the token on GET and POST, with or without the key', async () => {
      const forged = [
        undefined,
        '',
        TOKEN.slice(0, -1),
        `${TOKEN.slice(0, -1)}A`,
        signUnsubscribeToken({ customerId: CUSTOMER, channel: 'email' }, 'rotated-away-key'),
        '%ED%A0%80',
        '..%2F..',
      ];
      await expectNothingChangedBy(async () => {
        for (const token of forged) {
          for (const method of ['GET', 'POST']) {
            for (const apiKey of [API_KEY, null]) {
              const answer = await send(method, token === undefined ? '/v1/unsubscribe' : `/v1/unsubscribe?token=${token}`, {
                apiKey,
                ...(method === 'POST' ? { body: 'List-Unsubscribe=One-Click' } : {}),
              });
              expect(expectClientError(asResponse(answer), 400).error.details.map((detail) => detail.path)).toEqual(['token']);
            }
          }
        }
      });
    });
  });

  describe('malformed requests, with the key', () => {
    it('odd targets (//, bad percent-encoding, absolute form, *) answer a 4xx; "//" answered 500 before', async () => {
      const targets = [
        '//',
        '//v1/events',
        '///healthz',
        '/v1/customers/%',
        '/v1/customers/%zz',
        '/v1/customers/%ED%A0%80',
        '/v1/customers/%00',
        '*',
        '/local/clock/../outbox',
        `/v1/customers/${'a'.repeat(8_000)}`,
      ];
      await expectNothingChangedBy(async () => {
        for (const target of targets) {
          for (const method of ['GET', 'POST', 'DELETE']) {
            const answer = await send(method, target, { body: '{}' });
            expect(answer.status, `${method} ${target}: ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
            expect(answer.status, `${method} ${target}: ${answer.text.slice(0, 200)}`).toBeLessThan(500);
          }
        }
      });
      expect((await send('GET', 'http://evil.example/healthz')).status).toBe(200);
      expectClientError(asResponse(await send('GET', '//')), 404);
    });

    it('methods no route has answer a 4xx (405 from the router, 400 from the HTTP parser for tokens it does not know)', async () => {
      await expectNothingChangedBy(async () => {
        for (const route of routes()) {
          for (const method of ['PUT', 'PATCH', 'PROPFIND', 'FOO', 'M-SEARCH', 'TRACE']) {
            const answer = await send(method, `${concretePath(route, CUSTOMER)}?token=${TOKEN}`);
            expect(answer.status, `${method} ${route.path}`).toBeGreaterThanOrEqual(400);
            expect(answer.status, `${method} ${route.path}`).toBeLessThan(500);
          }
        }
      });
    });

    it('every route refuses a body over 1 MiB with a 413 naming the body, and one that is not UTF-8 with a 400', async () => {
      const tooLarge = Buffer.alloc(MAX_BODY_BYTES + 1, 'x');
      const notUtf8 = Buffer.concat([Buffer.from('{"advanceDays":1,"x":"'), Buffer.from([0xed, 0xa0, 0x80, 0xff]), Buffer.from('"}')]);
      await expectNothingChangedBy(async () => {
        for (const route of routes()) {
          const target = `${concretePath(route, CUSTOMER)}?token=${TOKEN}`;
          const large = expectClientError(asResponse(await send(route.method, target, { body: tooLarge })), 413);
          expect(large.error.details.map((detail) => detail.path)).toEqual(['(body)']);
          const garbled = expectClientError(asResponse(await send(route.method, target, { body: notUtf8 })), 400);
          expect(garbled.error.details).toEqual([{ path: '(body)', code: 'invalid_encoding', message: expect.any(String) }]);
        }
      });
    });
  });

  describe('hostile bodies for the /local/* routes', () => {
    const localPosts = () => routes().filter((route) => route.path.startsWith('/local/') && route.method === 'POST');

    it('has an example body for each local POST route, so each is mutated below', () => {
      expect(localPosts().map(signature).sort()).toEqual(Object.keys(EXAMPLE_BODIES).sort());
    });

    it('property: an example body with fields made wrong is a 400 naming exactly those fields; the clock, outbox, lake and store stay as they were', async () => {
      const mutant = fc.constantFrom(...Object.entries(EXAMPLE_BODIES)).chain(([signatureOf, examples]) =>
        fc
          .constantFrom(...examples)
          .chain(mutantOf)
          .map((m) => ({ path: signatureOf.split(' ')[1]!, ...m })),
      );
      const before = await fingerprint();
      await fc.assert(
        fc.asyncProperty(mutant, async ({ path, body, broken }) => {
          const answer = await send('POST', path, { headers: { 'content-type': 'application/json' }, body: toJsonText(body) });
          expectIssuesName(expectClientError(asResponse(answer), 400).error.details, broken);
        }),
        fuzz(80),
      );
      expect(await fingerprint()).toBe(before);
    });

    it('property: anything but a valid JSON object (scalars, broken JSON, deep nesting, conflicting or out-of-range fields), of any content type, is a 400 on every local POST route; nothing changes', async () => {
      const notAnObject = fc.oneof(
        fc.constantFrom(
          '',
          '{',
          '[1,]',
          'advanceDays=1',
          '{"advanceDays": 1, "advanceTo": "2027-01-01T00:00:00Z"}',
          '{"advanceDays": 1e999}',
          '{"advanceDays": -1}',
          '{"date": "2026-02-30"}',
          '{}',
        ),
        fc
          .jsonValue()
          .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
          .map((value) => JSON.stringify(value)),
        fc.constantFrom(1_000, 100_000).map((depth) => toJsonText(deepNesting(depth, 'array'))),
        oddText,
      );
      const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml');
      const before = await fingerprint();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...localPosts()), notAnObject, contentType, async (route, body, type) => {
          const answer = await send('POST', route.path, { headers: { 'content-type': type }, body });
          expect(expectClientError(asResponse(answer), 400).error.details.length).toBeGreaterThan(0);
        }),
        fuzz(60),
      );
      expect(await fingerprint()).toBe(before);
    });
  });
});
