import { mkdtempSync, rmSync } from 'node:fs';
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

describe('reaching customers where they are, end to end over HTTP', () => {
  let dataDir: string;
  let runner: RunnerProcess;
  let now = Date.parse(START);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-channels-'));
    runner = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir, WINBACK_START_TIME: START, WINBACK_API_KEY: 'e2e-channels-key' });
  });
  afterAll(async () => {
    await runner?.stop();
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
});
