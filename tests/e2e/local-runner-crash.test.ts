import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxMessage } from '#shared/adapters/local/outbox-channel';
import type { CustomerRecord, TouchStatus } from '#shared/domain/journey/record';
import { mulberry32 } from '../../scripts/seeded-random.ts';
import { startRunnerProcess, type RunnerProcess } from '../support/local-runner-process.ts';

/**
 * `kill -9` during a clock advance loses nothing and sends nothing twice: the local runner (SQLite
 * store, timers and clock in one database) is killed with its whole process group at a random
 * point while it fires timers, restarted, and moved on; three times. Afterwards every touch is
 * done (sent, withheld, skipped, cancelled, failed), or planned in the future with its timer in
 * the database; the outbox holds at most one message per touch, and one for every touch recorded
 * sent. A touch killed between its claim and the record of its send stays `sending` (the engine
 * sends at most once: a second firing of its timer does nothing), so there are at most as many of
 * those as kills. Set CRASH_SEED to replay a run.
 */

const DAY = 86_400_000;
const START = '2026-01-05T08:00:00.000Z';
const END_MS = Date.parse(START) + 130 * DAY;
const KILLS = 5;
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const DONE: readonly TouchStatus[] = ['sent', 'withheld', 'skipped', 'cancelled', 'failed'];
const ERASED = ['crash-erased-0', 'crash-erased-1'];

/** Port-outs (SMS, two touches), cancellations (e-mail, four touches), partner accounts (retention tasks). */
function churns(): Array<Record<string, unknown>> {
  const base = { type: 'customer.churned', occurredAt: START, timezone: 'Europe/Madrid', locale: 'es-ES', tenureMonths: 18 };
  const portOuts = Array.from({ length: 40 }, (_, i) => ({
    ...base,
    eventId: `crash-evt-po-${i}`,
    customerId: `crash-po-${i}`,
    churnKind: 'port_out',
    exitReason: 'coverage',
    contacts: { phone: `+346000${String(i).padStart(5, '0')}`, email: `po${i}@example.com` },
    consents: { sms: true, email: i % 2 === 0 },
    monthlyRevenue: 30,
  }));
  const cancellations = Array.from({ length: 40 }, (_, i) => ({
    ...base,
    eventId: `crash-evt-sub-${i}`,
    customerId: `crash-sub-${i}`,
    churnKind: 'cancellation',
    contacts: { email: `sub${i}@example.com` },
    consents: { email: true },
    monthlyRevenue: 12,
  }));
  const partners = Array.from({ length: 5 }, (_, i) => ({
    ...base,
    eventId: `crash-evt-partner-${i}`,
    customerId: `crash-partner-${i}`,
    churnKind: 'port_out',
    contacts: { phone: `+346100${String(i).padStart(5, '0')}`, name: 'Lucía Pérez' },
    consents: { sms: true },
    monthlyRevenue: 180,
    tenureMonths: 48,
    accountType: 'partner',
  }));
  const erased = ERASED.map((customerId, i) => ({ ...portOuts[i]!, eventId: `crash-evt-erased-${i}`, customerId }));
  return [...portOuts, ...cancellations, ...partners, ...erased];
}

describe('local runner killed with kill -9 while firing timers', () => {
  let dataDir: string;
  let runner: RunnerProcess;
  const random = mulberry32(SEED);
  const start = () => startRunnerProcess({ WINBACK_DATA_DIR: dataDir, WINBACK_START_TIME: START }, { ownProcessGroup: true });
  const outbox = (): OutboxMessage[] => {
    const file = join(dataDir, 'outbox.jsonl');
    if (!existsSync(file)) return [];
    // Only whole lines: the runner may be writing the last one while the test polls.
    const text = readFileSync(file, 'utf8');
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as OutboxMessage);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-crash-'));
    runner = await start();
  });
  afterAll(async () => {
    await runner?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs two clock moves asked for at once one after the other', async () => {
    // Act: no customer yet, so no timer to fire on the way.
    const answers = await Promise.all([
      runner.call('POST', '/local/clock', { advanceDays: 0.25 }),
      runner.call('POST', '/local/clock', { advanceDays: 0.25 }),
    ]);

    // Assess
    const nows = answers.map((answer) => answer.body.now).sort();
    expect(nows).toEqual([new Date(Date.parse(START) + 0.25 * DAY).toISOString(), new Date(Date.parse(START) + 0.5 * DAY).toISOString()]);
  });

  it(`loses no timer and sends nothing twice across ${KILLS} kills at random points (seed ${SEED})`, async () => {
    // Prepare: the churns, two erased at once (their timers cancelled), nothing fired yet.
    const posted = await runner.call('POST', '/v1/events', { events: churns() });
    expect(posted.body.accepted, JSON.stringify(posted.body)).toBe(87);
    for (const customerId of ERASED) expect((await runner.call('DELETE', `/v1/customers/${customerId}`)).status).toBe(200);

    // Act: advance to day 130; kill the runner once a random number more messages are out; restart; again.
    for (let kill = 0; kill < KILLS; kill++) {
      const killAt = outbox().length + 3 + Math.floor(random() * 25);
      const advance = runner.call('POST', '/local/clock', { advanceTo: new Date(END_MS).toISOString() }).then(
        () => 'completed',
        () => 'interrupted',
      );
      while (outbox().length < killAt) await new Promise((resolve) => setTimeout(resolve, 2));
      // Then anywhere within the next few timers, not just after a message went out.
      await new Promise((resolve) => setTimeout(resolve, random() * 10));
      await runner.kill();
      expect(await advance, `kill ${kill + 1} came after the advance ended (seed ${SEED})`).toBe('interrupted');
      runner = await start();
    }
    const final = await runner.call('POST', '/local/clock', { advanceTo: new Date(END_MS).toISOString() });
    await runner.stop();

    // Assess
    expect(final.status).toBe(200);
    expectEveryTouchAccountedFor(dataDir, outbox());
    const bytes = readFileSync(join(dataDir, 'winback.db')).toString('latin1');
    for (const customerId of ERASED) expect(bytes, `${customerId} left in winback.db`).not.toContain(customerId);
  });
});

/** Reads the stopped runner's database and checks every touch against the timers and the outbox. */
function expectEveryTouchAccountedFor(dataDir: string, messages: OutboxMessage[]): void {
  const db = new Database(join(dataDir, 'winback.db'), { readonly: true });
  const nowMs = (db.prepare('SELECT now_ms FROM virtual_clock').get() as { now_ms: number }).now_ms;
  const timers = new Map(
    (db.prepare('SELECT name, due_at_ms FROM timers').all() as Array<{ name: string; due_at_ms: number }>).map((t) => [
      t.name,
      t.due_at_ms,
    ]),
  );
  const records = (db.prepare('SELECT record FROM customers').all() as Array<{ record: string }>).map(
    (row) => JSON.parse(row.record) as CustomerRecord,
  );
  db.close();

  const perTouch = new Map<string, number>();
  for (const message of messages) perTouch.set(message.touchId, (perTouch.get(message.touchId) ?? 0) + 1);
  const problems: string[] = [];
  let sending = 0;
  for (const touch of records.flatMap((record) => record.journeys.flatMap((journey) => journey.touches))) {
    const sent = perTouch.get(touch.touchId) ?? 0;
    if (sent > 1) problems.push(`${touch.touchId}: ${sent} messages`);
    if (touch.status === 'sent' && sent !== 1) problems.push(`${touch.touchId}: sent, ${sent} messages`);
    if (touch.status === 'sending') sending += 1;
    else if (touch.status === 'planned') {
      const dueMs = Date.parse(touch.dueAt);
      if (dueMs <= nowMs) problems.push(`${touch.touchId}: planned at ${touch.dueAt}, in the past`);
      if (timers.get(touch.timerName) !== dueMs) problems.push(`${touch.touchId}: planned with no timer behind it`);
    } else if (!DONE.includes(touch.status)) problems.push(`${touch.touchId}: ${touch.status}`);
  }
  expect(problems, `seed ${SEED}`).toEqual([]);
  expect(sending, `touches left sending (seed ${SEED})`).toBeLessThanOrEqual(KILLS);
  expect(nowMs).toBe(END_MS);
  expect(records.length).toBe(85);
  expect(messages.length).toBeGreaterThan(100);
}
