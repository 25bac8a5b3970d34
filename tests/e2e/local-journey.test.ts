import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '#shared/domain/policy';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { DAY_MS } from '#shared/domain/vocabulary';
import { smsParts } from '#shared/domain/sms';
import { deriveKey } from '#shared/domain/keys';
import { signUnsubscribeToken } from '#shared/domain/unsubscribe';
import { churnInput } from '../fixtures/events.ts';
import { customerIdsIn } from '../support/fakes.ts';
import { startRunnerProcess, type RunnerProcess } from '../support/local-runner-process.ts';

const START = '2026-01-05T08:00:00.000Z'; // a Monday
const ZONE = 'Europe/Madrid';
const policy = parsePolicy(telecomPortOut);

/** Customer ids in the treatment arm, so their touches are really sent. */
const [stays, returns, batched] = customerIdsIn('treatment', 3, policy, 'e2e-customer') as [string, string, string];

/** A Spanish SMS-only port-out at the start. */
function churn(customerId: string, eventId: string) {
  return churnInput({
    eventId,
    occurredAt: START,
    customerId,
    contacts: { phone: '+34600000001' },
    consents: { sms: true, email: false, push: false },
    timezone: ZONE,
    locale: 'es-ES',
    monthlyRevenue: 30,
  });
}

describe('local runner, end to end over HTTP', () => {
  let dataDir: string;
  let runner: RunnerProcess;
  const env = () => ({ WINBACK_DATA_DIR: dataDir, WINBACK_START_TIME: START, WINBACK_API_KEY: 'e2e-test-key-123' });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-e2e-'));
    runner = await startRunnerProcess(env());
  });
  afterAll(async () => {
    await runner?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses every route without the API key, or with a wrong one', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/healthz'],
      ['POST', '/v1/events', churn(stays, 'unauth-1')],
      ['GET', `/v1/customers/${stays}`],
      ['DELETE', `/v1/customers/${stays}`],
      ['POST', '/local/clock', { advanceDays: 1 }],
      ['GET', '/local/outbox'],
      ['GET', '/no/such/route'],
    ];
    for (const [method, path, body] of routes) {
      expect((await runner.call(method, path, body, { apiKey: null })).status, `${method} ${path}`).toBe(401);
      expect((await runner.call(method, path, body, { apiKey: 'wrong-key-000' })).status, `${method} ${path}`).toBe(401);
    }
    expect((await runner.call('GET', '/healthz')).status).toBe(200);
  });

  it('runs a port-out journey: two SMS for one customer, one for the customer who returned at day 50', async () => {
    // Prepare: the same churn posted five times, another customer, and a batch with one bad event.
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await runner.call('POST', '/v1/events', churn(stays, 'churn-stays')));
    expect(answers.map((a) => a.status)).toEqual([202, 200, 200, 200, 200]);
    expect(answers.map((a) => a.body.status)).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect((await runner.call('POST', '/v1/events', churn(returns, 'churn-returns'))).status).toBe(202);

    const batch = await runner.call('POST', '/v1/events', {
      events: [
        churn(batched, 'churn-batched'),
        { ...churn('bad', 'churn-bad'), occurredAt: 'yesterday', contacts: { phone: '12' }, timezone: 'Mars/Base' },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body).toMatchObject({ accepted: 1, rejected: 1, duplicate: 0 });
    expect(batch.body.results[0]).toMatchObject({ index: 0, status: 'accepted', eventId: 'churn-batched' });
    expect(batch.body.results[1].status).toBe('rejected');
    expect(batch.body.results[1].errors.map((e: { path: string }) => e.path).sort()).toEqual(['contacts.phone', 'occurredAt', 'timezone']);

    // Act: day 50, the second customer returns; then on to day 130.
    const day50 = await runner.call('POST', '/local/clock', { advanceDays: 50 });
    expect(day50.status).toBe(200);
    expect(day50.body.fired).toBe(3);
    const returned = await runner.call('POST', '/v1/events', {
      eventId: 'return-1',
      type: 'customer.returned',
      occurredAt: day50.body.now,
      customerId: returns,
      revenue: 30,
    });
    expect(returned.status).toBe(202);
    const day130 = await runner.call('POST', '/local/clock', { advanceTo: new Date(Date.parse(START) + 130 * DAY_MS).toISOString() });
    expect(day130.body).toEqual({ now: '2026-05-15T08:00:00.000Z', fired: 2 });

    // Assess: exactly two SMS for the customer who stayed away, in the right windows.
    const { body: outbox } = await runner.call('GET', '/local/outbox');
    const toStays = outbox.messages.filter((m: { customerId: string }) => m.customerId === stays);
    expect(toStays).toHaveLength(2);
    const days = toStays.map((m: { sentAt: string }) => Math.floor((Date.parse(m.sentAt) - Date.parse(START)) / DAY_MS));
    expect(days[0]).toBeGreaterThanOrEqual(30);
    expect(days[0]).toBeLessThanOrEqual(45);
    expect(days[1]).toBeGreaterThanOrEqual(60);
    expect(days[1]).toBeLessThanOrEqual(90);
    for (const message of toStays) {
      expect(message.channel).toBe('sms');
      expect(message.to).toBe('+34600000001');
      const local = DateTime.fromISO(message.sentAt, { zone: ZONE });
      expect(local.hour).toBeGreaterThanOrEqual(10);
      expect(local.hour).toBeLessThan(19);
      expect(message.sentAt).toMatch(/[+-]\d\d:\d\d$/);
      // Priced at send by the default table: smsParts(text) parts × 0.0718 USD (Spain) × 0.86 EUR per USD.
      expect(message).toMatchObject({ parts: smsParts(message.text), currency: 'EUR' });
      expect(message.cost).toBe(Math.round(message.parts * 0.0718 * 0.86 * 1e6) / 1e6);
    }
    // Spanish text, footer and tracked link in GSM-7, over 160 characters: 2 parts each.
    expect(toStays.map((m: { parts: number }) => m.parts)).toEqual([2, 2]);
    expect(toStays[0].cost).toBe(0.123496);
    expect(toStays[0].text).not.toEqual(toStays[1].text);
    // A Spanish customer (es-ES) reads the Spanish text that answers their exit reason.
    expect(toStays[0].text).toMatch(/cobertura/i);

    // The returned customer got only the first touch; the view explains the rest.
    expect(outbox.messages.filter((m: { customerId: string }) => m.customerId === returns)).toHaveLength(1);
    const view = await runner.call('GET', `/v1/customers/${returns}`);
    expect(view.status).toBe(200);
    expect(view.body.status).toBe('won_back');
    expect(view.body.journey.touches.map((t: { status: string }) => t.status)).toEqual(['sent', 'cancelled']);
    expect(view.body.journey.touches[1].reason).toBe('customer_returned');
    expect(JSON.stringify(view.body)).not.toContain('+34600000001');
  });

  it('loses nothing across a restart', async () => {
    // Prepare
    const before = await runner.call('GET', '/local/outbox');
    await runner.stop();

    // Act
    runner = await startRunnerProcess(env());

    // Assess
    expect((await runner.call('GET', '/local/outbox')).body).toEqual(before.body);
    const view = (await runner.call('GET', `/v1/customers/${stays}`)).body;
    expect(view.journey.touches.map((t: { status: string }) => t.status)).toEqual(['sent', 'sent']);
    expect(view.status).toBe('ended');
    expect((await runner.call('POST', '/v1/events', churn(stays, 'churn-stays'))).body.status).toBe('duplicate');
    expect((await runner.call('POST', '/local/clock', { advanceDays: 1 })).body.now).toBe('2026-05-16T08:00:00.000Z');
  });

  it('erases a customer: the view is gone, a replayed churn does not bring them back', async () => {
    // Act
    const erased = await runner.call('DELETE', `/v1/customers/${batched}`);

    // Assess
    expect(erased).toEqual({ status: 200, body: { customerId: batched, status: 'erased' } });
    expect((await runner.call('GET', `/v1/customers/${batched}`)).status).toBe(404);
    expect((await runner.call('POST', '/v1/events', churn(batched, 'churn-batched'))).body.status).toBe('duplicate');
    expect((await runner.call('DELETE', `/v1/customers/${batched}`)).status).toBe(200);
  });

  it('takes a one-click unsubscribe with the signed link alone, and refuses a forged one', async () => {
    // Prepare: the runner derives its unsubscribe key from WINBACK_MASTER_KEY (default here).
    const key = deriveKey('winback-local-master-key', 'unsubscribe-link');
    const token = signUnsubscribeToken({ customerId: stays, channel: 'sms' }, key);

    // Act
    const unsubscribed = await runner.call('POST', `/v1/unsubscribe?token=${encodeURIComponent(token)}`, undefined, { apiKey: null });
    const forged = await runner.call(
      'POST',
      `/v1/unsubscribe?token=${encodeURIComponent(signUnsubscribeToken({ customerId: stays, channel: 'sms' }, 'not-the-key'))}`,
      undefined,
      { apiKey: null },
    );

    // Assess
    expect(unsubscribed.status).toBe(200);
    expect(forged.status).toBe(400);
    expect((await runner.call('GET', `/v1/customers/${stays}`)).body.channels.sms).toEqual({ reachable: true, consent: false });
  });

  it('answers bad requests with a 4xx that names the problem', async () => {
    const invalidJson = await runner.call('POST', '/v1/events', '{"eventId":');
    expect(invalidJson.status).toBe(400);
    expect(invalidJson.body.error.code).toBe('invalid_request');
    const tooMany = await runner.call('POST', '/v1/events', { events: Array.from({ length: 501 }, () => ({})) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0].path).toBe('events');
    const tooLarge = await runner.call('POST', '/v1/events', { pad: 'x'.repeat(1_100_000) });
    expect(tooLarge.status).toBe(413);
    const badClock = await runner.call('POST', '/local/clock', { advanceDays: -1 });
    expect(badClock.status).toBe(400);
    expect((await runner.call('GET', '/v1/customers/nobody')).status).toBe(404);
  });
});
