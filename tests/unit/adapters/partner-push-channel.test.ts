import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PartnerPushChannel } from '#shared/adapters/aws/partner-push-channel';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import { partnerPushBody } from '#shared/domain/partner-push';
import { ChannelError } from '#shared/ports/message-channel';

const SECRET = 'partner-push-adapter-secret';
const NOW = Date.parse('2026-03-02T10:00:00Z');

const message: OutboundMessage = {
  channel: 'push',
  to: 'bank-user-981',
  customerId: 'c-42',
  touchId: 'a1b2c3d4e5f6-1',
  text: 'Winback Mobile: your coverage is better now. https://go.example.com/r/abc',
  subject: 'Coverage in your area has improved',
  variant: 'A',
  locale: 'en-GB',
  language: 'en',
  link: 'https://go.example.com/r/abc',
  offer: { id: 'fix-coverage', angle: 'fix' },
  timezone: 'Europe/London',
};

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A partner test server: records each request, answers as `answer` says (or never). */
async function partner(answer: (res: ServerResponse) => void): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/winback/push`, received, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

const channel = (endpoint: string, options: { sleeps?: number[]; requestTimeoutMs?: number } = {}) =>
  new PartnerPushChannel({
    endpoint,
    secret: SECRET,
    now: () => NOW,
    budget: { maxAttempts: 3, requestTimeoutMs: options.requestTimeoutMs ?? 5_000 },
    sleep: async (ms) => void options.sleeps?.push(ms),
    random: () => 0.5,
  });

async function failureOf(send: Promise<unknown>): Promise<ChannelError> {
  const error = await send.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ChannelError);
  return error as ChannelError;
}

describe('PartnerPushChannel', () => {
  it('POSTs the message as JSON, signed over "<timestamp>.<body>", with the touch id as idempotency key', async () => {
    // Prepare
    const { url, received } = await partner((res) => res.writeHead(202, { 'content-type': 'application/json' }).end('{"id":"push-77"}'));

    // Act
    const receipt = await channel(url).send(message);

    // Assess: what the partner got, verified as the partner would, with node:crypto alone.
    expect(receipt).toEqual({ messageId: 'push-77' });
    expect(received).toHaveLength(1);
    const [{ headers, body }] = received as [Received];
    expect(headers['content-type']).toBe('application/json');
    expect(headers['idempotency-key']).toBe('a1b2c3d4e5f6-1');
    expect(headers['x-winback-timestamp']).toBe(String(NOW / 1000));
    const hmac = createHmac('sha256', SECRET).update(`${headers['x-winback-timestamp']}.${body}`).digest('hex');
    expect(headers['x-winback-signature']).toBe(`v1=${hmac}`);
    expect(JSON.parse(body)).toEqual(partnerPushBody(message));
  });

  it('takes a 2xx without an id of the partner’s under an id of its own', async () => {
    const { url } = await partner((res) => res.writeHead(204).end());
    expect(await channel(url).send(message)).toEqual({ messageId: 'push-a1b2c3d4e5f6-1' });
  });

  it('fails a 4xx for good, with the partner’s reason, and leaves a 429 or 5xx to the send path’s retry', async () => {
    // Prepare
    const rejecting = await partner((res) =>
      res.writeHead(422, { 'content-type': 'application/json' }).end('{"error":{"message":"unknown app user\\nbank-user-981"}}'),
    );
    const busy = await partner((res) => res.writeHead(429).end());
    const down = await partner((res) => res.writeHead(503).end('<html>down</html>'));

    // Act
    const rejected = await failureOf(channel(rejecting.url).send(message));
    const throttled = await failureOf(channel(busy.url).send(message));
    const failed = await failureOf(channel(down.url).send(message));

    // Assess: one request each; the send path releases the claim and retries the retryable ones.
    expect(rejected).toMatchObject({
      retryable: false,
      outcomeUnknown: false,
      message: 'partner push rejected: HTTP 422: unknown app user bank-user-981',
    });
    expect(throttled).toMatchObject({ retryable: true, message: 'partner push failed: HTTP 429' });
    expect(failed).toMatchObject({ retryable: true, message: 'partner push failed: HTTP 503' });
    expect([rejecting, busy, down].map((p) => p.received.length)).toEqual([1, 1, 1]);
  });

  it('tries again when nothing was sent (the connection refused), waiting as after a throttle, then leaves it to the send path', async () => {
    // Prepare: a port nothing listens on.
    const { url, server } = await partner(() => {});
    server.close();
    const sleeps: number[] = [];

    // Act
    const error = await failureOf(channel(url, { sleeps }).send(message));

    // Assess: 3 attempts, half of 1 s and 2 s waited between them (random 0.5).
    expect(error).toMatchObject({ retryable: true, message: 'partner push failed: nothing sent (ECONNREFUSED)' });
    expect(sleeps).toEqual([500, 1_000]);
  });

  it('never retries a request that went out unanswered: its outcome is unknown', async () => {
    // Prepare: a partner that takes the request and never answers.
    const { url, received } = await partner(() => {});
    const sleeps: number[] = [];

    // Act
    const error = await failureOf(channel(url, { sleeps, requestTimeoutMs: 300 }).send(message));

    // Assess
    expect(error).toMatchObject({
      retryable: false,
      outcomeUnknown: true,
      message: 'partner push outcome unknown: no answer after the request was sent (ETIMEDOUT)',
    });
    expect(received).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });
});
