import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxMessage } from '#shared/adapters/local/outbox-channel';
import type { CustomerRecord, Touch, TouchStatus } from '#shared/domain/journey/record';
import { mulberry32 } from '../../scripts/seeded-random.ts';
import { startRunnerProcess, type RunnerProcess } from '../support/local-runner-process.ts';

/**
 * `kill -9` during a clock advance loses nothing, leaves nothing stuck and sends nothing twice: the
 * local runner (SQLite store, timers and clock in one database) is killed with its whole process
 * group at a random point while it fires timers, restarted, and moved on; five times. Afterwards
 * every touch ended exactly once: sent (exactly one message in the outbox), withheld, skipped,
 * cancelled, or failed with a reason in the touch and in the decision log — or is planned in the
 * future with its timer in the database. None is left `sending`: a touch killed between its claim
 * and the record of its outcome is resolved when its claim's lease expires (its lease timer is in
 * the same database), sent if the outbox holds its message, else `failed: outcome_unknown` with no
 * message. The erased customers leave neither their ids nor their event ids in the database. Set
 * CRASH_SEED to replay a run.
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
    for (const eventId of ERASED.map((_, i) => `crash-evt-erased-${i}`))
      expect(bytes, `${eventId} left in winback.db`).not.toContain(eventId);
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
  for (const record of records) {
    for (const touch of record.journeys.flatMap((journey) => journey.touches)) {
      const problem = touchProblem(touch, perTouch.get(touch.touchId) ?? 0, record, { nowMs, timers });
      if (problem) problems.push(`${touch.touchId}: ${problem}`);
    }
  }
  expect(problems, `seed ${SEED}`).toEqual([]);
  expect(nowMs).toBe(END_MS);
  expect(records.length).toBe(85);
  expect(messages.length).toBeGreaterThan(100);
}

/** What is wrong with one touch at the end of the run, if anything. */
function touchProblem(
  touch: Touch,
  sent: number,
  record: CustomerRecord,
  state: { nowMs: number; timers: Map<string, number> },
): string | undefined {
  if (sent > 1) return `${sent} messages`;
  if (touch.status === 'sent') return sent === 1 ? undefined : `sent, ${sent} messages`;
  if (sent !== 0) return `${touch.status} with a message out`;
  if (touch.status === 'planned') {
    const dueMs = Date.parse(touch.dueAt);
    if (dueMs <= state.nowMs) return `planned at ${touch.dueAt}, in the past`;
    return state.timers.get(touch.timerName) === dueMs ? undefined : 'planned with no timer behind it';
  }
  if (!DONE.includes(touch.status)) return `left ${touch.status}`;
  if (touch.status !== 'failed') return undefined;
  if (!touch.reason) return 'failed without a reason';
  const logged = record.history.some((h) => h.touchId === touch.touchId && h.decision === 'failed' && h.reason === touch.reason);
  return logged ? undefined : `failed (${touch.reason}) without a line in the decision log`;
}
