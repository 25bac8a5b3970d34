import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxMessage } from '#shared/adapters/local/outbox-channel';
import { parsePolicy } from '#shared/domain/policy';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { smsParts } from '#shared/domain/sms';
import { DAY_MS } from '#shared/domain/vocabulary';
import { churnInput } from '../fixtures/events.ts';
import { customerIdsIn } from '../support/fakes.ts';
import { startRunnerProcess, type RunnerProcess } from '../support/local-runner-process.ts';

/**
 * Reaching customers where they are, tried as a new user would: over HTTP against the real local
 * runner (outbox instead of the channels), with the default telecom port-out policy. The
 * scenarios share one runner and its virtual clock, which only moves forward; each churns its own
 * customers "now" and moves the clock past their first touch.
 */

const START = '2026-01-05T08:00:00.000Z'; // a Monday
const policy = parsePolicy(telecomPortOut);
const treated = customerIdsIn('treatment', 20, policy, 'channels');
let nextCustomer = 0;
/** A fresh customer id in the treatment arm, so their touches are really sent. */
const newCustomer = () => treated[nextCustomer++]!;

/** A Spanish SMS-only port-out, with overrides. */
function churn(customerId: string, occurredAt: string, overrides: Record<string, unknown> = {}) {
  return churnInput({
    eventId: `churn-${customerId}`,
    occurredAt,
    customerId,
    contacts: { phone: '+34600000042' },
    consents: { sms: true, email: false, push: false },
    timezone: 'Europe/Madrid',
    locale: 'es-ES',
    monthlyRevenue: 30,
    ...overrides,
  });
}

/** The secret the runner and the partner test server share. */
const PARTNER_SECRET = 'e2e-partner-push-secret-0123456789';

/** A request the partner test server received. */
interface PartnerRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The partner's side of partner push: a test server on this machine that records what it gets and answers 200 with an id. */
async function startPartner(): Promise<{ server: Server; url: string; received: PartnerRequest[] }> {
  const received: PartnerRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"id":"bank-msg-${received.length}"}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/winback/push`, received };
}

describe('reaching customers where they are, end to end over HTTP', () => {
  let dataDir: string;
  let runner: RunnerProcess;
  let partner: Awaited<ReturnType<typeof startPartner>>;
  let now = Date.parse(START);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-channels-'));
    partner = await startPartner();
    runner = await startRunnerProcess({
      WINBACK_DATA_DIR: dataDir,
      WINBACK_START_TIME: START,
      WINBACK_API_KEY: 'e2e-channels-key',
      WINBACK_PARTNER_PUSH_URL: partner.url,
      WINBACK_PARTNER_PUSH_SECRET: PARTNER_SECRET,
    });
  });
  afterAll(async () => {
    await runner?.stop();
    partner?.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function post(event: Record<string, unknown>): Promise<void> {
    const answer = await runner.call('POST', '/v1/events', event);
    expect(answer, JSON.stringify(answer.body)).toMatchObject({ status: 202, body: { status: 'accepted' } });
  }

  async function advanceTo(instantMs: number): Promise<void> {
    const answer = await runner.call('POST', '/local/clock', { advanceTo: new Date(instantMs).toISOString() });
    expect(answer.status).toBe(200);
    now = Date.parse(answer.body.now);
  }

  async function outboxFor(customerId: string): Promise<OutboxMessage[]> {
    const answer = await runner.call('GET', '/local/outbox');
    return answer.body.messages.filter((message: OutboxMessage) => message.customerId === customerId);
  }

  /** Churns each customer now, then moves the clock past their first touch (days 30–45). */
  async function churnAndRunFirstTouch(customers: Array<[string, Record<string, unknown>]>): Promise<void> {
    const churnedAt = now;
    for (const [customerId, overrides] of customers) await post(churn(customerId, new Date(churnedAt).toISOString(), overrides));
    await advanceTo(churnedAt + 46 * DAY_MS);
  }

  it('sends a Spanish customer the Spanish text, and a Russian one a Russian SMS billed in UCS-2 parts', async () => {
    // Prepare
    const spanish = newCustomer();
    const russian = newCustomer();

    // Act
    await churnAndRunFirstTouch([
      [spanish, {}],
      [russian, { locale: 'ru-RU', timezone: 'Europe/Moscow', contacts: { phone: '+79160000042' } }],
    ]);

    // Assess
    const [toSpanish] = await outboxFor(spanish);
    const link = `${runner.url}/r/[A-Za-z0-9_-]{40,}`;
    expect(toSpanish!.text).toMatch(
      new RegExp(
        `^Winback Mobile: hay antenas nuevas cerca de ti: tu cobertura es mejor\\. Volver es gratis\\. ${link} Baja: responde STOP$`,
      ),
    );
    const [toRussian] = await outboxFor(russian);
    expect(toRussian!.text).toMatch(
      new RegExp(`^Winback Mobile: рядом с вами новые вышки, связь стала лучше\\. Вернуть номер бесплатно\\. ${link} Отписаться: STOP$`),
    );
    // Cyrillic: UCS-2, split at 67 UTF-16 units a part once over 70: ⌈length / 67⌉ parts (3 here),
    // each priced at the default Russian rate, 0.3013 USD, in the policy's euros (0.86 per USD).
    const parts = Math.ceil(toRussian!.text.length / 67);
    expect(parts).toBe(3);
    expect(smsParts(toRussian!.text)).toBe(parts);
    expect(toRussian).toMatchObject({ parts, currency: 'EUR' });
    expect(toRussian!.cost).toBeCloseTo(parts * 0.3013 * 0.86, 6);
    const view = await runner.call('GET', `/v1/customers/${russian}`);
    expect(view.body.history).toContainEqual(expect.objectContaining({ decision: 'sent', language: 'ru' }));
  });

  it('records the click when the SMS link is followed (a preview does not count), and its page’s button asks for a call back', async () => {
    // Prepare
    const customerId = newCustomer();
    await churnAndRunFirstTouch([[customerId, {}]]);
    const [sms] = await outboxFor(customerId);
    const url = /(http:\/\/\S+\/r\/[A-Za-z0-9_-]+)/.exec(sms!.text)![1]!;
    const browser = { 'user-agent': 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36' };

    // Act: a chat app's preview first, then the customer, with no API key.
    const preview = await fetch(url, { headers: { 'user-agent': 'facebookexternalhit/1.1' } });
    const afterPreview = await runner.call('GET', `/v1/customers/${customerId}`);
    const page = await fetch(url, { headers: browser });
    const pageHtml = await page.text();
    const callBack = await fetch(url, { method: 'POST', headers: browser });

    // Assess
    expect(preview.status).toBe(200);
    expect(afterPreview.body.journey.touches[0].engagement).toEqual({});
    expect(page.status).toBe(200);
    expect(pageHtml).toContain('<h1>Tu cobertura ha mejorado</h1>');
    expect(pageHtml).toContain('<button type="submit">Llamadme</button>');
    const view = await runner.call('GET', `/v1/customers/${customerId}`);
    expect(view.body.journey.touches[0]).toMatchObject({ touchId: sms!.touchId, engagement: { clicked: expect.any(String) } });
    expect(callBack.status).toBe(200);
    expect(await callBack.text()).toContain('Gracias: te llamaremos pronto.');
    const tasks = await runner.call('GET', '/v1/tasks?team=sales');
    expect(tasks.body.tasks).toContainEqual(expect.objectContaining({ customerId, team: 'sales', origin: 'call_back', status: 'open' }));
    const forged = await fetch(`${url.slice(0, -5)}AAAAA`, { headers: browser });
    expect(forged.status).toBe(400);
  });

  it('sends a WhatsApp touch as its approved template, in the customer’s language, with the tracked link as a parameter', async () => {
    // Prepare: WhatsApp consent only (not SMS), a German customer.
    const customerId = newCustomer();

    // Act
    await churnAndRunFirstTouch([
      [
        customerId,
        { locale: 'de-DE', timezone: 'Europe/Berlin', contacts: { phone: '+4915112345678' }, consents: { sms: false, whatsapp: true } },
      ],
    ]);

    // Assess
    const [message] = await outboxFor(customerId);
    expect(message).toMatchObject({
      channel: 'whatsapp',
      to: '+4915112345678',
      template: {
        name: 'winback_fix_coverage',
        language: 'de',
        parameters: ['Winback Mobile', expect.stringMatching(new RegExp(`^${runner.url}/r/[\\w-]{30,}$`))],
      },
      parts: 1,
      currency: 'EUR',
    });
    expect(message!.text).toMatch(/^Winback Mobile: Neue Masten in Ihrer Nähe/);
    // Priced per message at the default German WhatsApp rate, 0.1415 USD, in the policy's euros.
    expect(message!.cost).toBeCloseTo(0.1415 * 0.86, 6);
  });

  it('POSTs a push touch to the partner, correctly signed, and the partner’s signed receipt marks the touch delivered', async () => {
    // Prepare: push consent and the partner's id for the app user, nothing else.
    const customerId = newCustomer();

    // Act
    await churnAndRunFirstTouch([[customerId, { contacts: { pushToken: 'bank-user-981' }, consents: { sms: false, push: true } }]]);

    // Assess: the partner got one signed request, verified here with node:crypto alone.
    const mine = partner.received.filter((request) => JSON.parse(request.body).customer.id === customerId);
    expect(mine).toHaveLength(1);
    const [request] = mine as [PartnerRequest];
    expect(request.path).toBe('/winback/push');
    const timestamp = String(request.headers['x-winback-timestamp']);
    expect(Math.abs(Number(timestamp) * 1000 - Date.now())).toBeLessThan(60_000);
    const expected = createHmac('sha256', PARTNER_SECRET).update(`${timestamp}.${request.body}`).digest('hex');
    expect(request.headers['x-winback-signature']).toBe(`v1=${expected}`);
    const body = JSON.parse(request.body);
    expect(request.headers['idempotency-key']).toBe(body.touchId);
    expect(body).toEqual({
      touchId: expect.any(String),
      customer: { id: customerId, pushToken: 'bank-user-981' },
      language: 'es',
      title: 'Tu cobertura ha mejorado',
      text: expect.stringMatching(new RegExp(`^Winback Mobile: hay antenas nuevas cerca de ti.+ ${runner.url}/r/[\\w-]{40,}$`)),
      offer: { id: 'fix-coverage', angle: 'fix' },
      link: expect.stringMatching(new RegExp(`^${runner.url}/r/[\\w-]{40,}$`)),
    });
    const [line] = await outboxFor(customerId);
    expect(line).toMatchObject({ channel: 'push', to: 'bank-user-981', touchId: body.touchId });

    // Act: the partner reports the delivery, signed with the same secret, with no API key.
    const receipt = JSON.stringify({ touchId: body.touchId, customerId, event: 'delivered' });
    const signedAt = String(Math.floor(Date.now() / 1000));
    const headers = {
      'content-type': 'application/json',
      'x-winback-timestamp': signedAt,
      'x-winback-signature': `v1=${createHmac('sha256', PARTNER_SECRET).update(`${signedAt}.${receipt}`).digest('hex')}`,
    };
    const accepted = await fetch(`${runner.url}/v1/push/receipts`, { method: 'POST', headers, body: receipt });
    const forged = await fetch(`${runner.url}/v1/push/receipts`, {
      method: 'POST',
      headers: { ...headers, 'x-winback-signature': `v1=${'0'.repeat(64)}` },
      body: receipt,
    });

    // Assess
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({ touchId: body.touchId, event: 'delivered', status: 'accepted' });
    expect(forged.status).toBe(401);
    const view = await runner.call('GET', `/v1/customers/${customerId}`);
    expect(view.body.journey.touches[0]).toMatchObject({
      touchId: body.touchId,
      channel: 'push',
      status: 'sent',
      engagement: { delivered: expect.any(String) },
    });
  });
});
