import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxMessage } from '#shared/adapters/local/outbox-channel';
import { SqliteCustomerStore } from '#shared/adapters/local/sqlite-customer-store';
import { openSqliteDatabase } from '#shared/adapters/local/sqlite-database';
import { deriveKey } from '#shared/domain/keys';
import { readLocalConfig } from '../../bin/local-config.ts';
import { type LocalRunner, startLocalRunner } from '../../bin/local-runner.ts';
import { churnInput } from '../fixtures/events.ts';

/**
 * The local runner's nightly job (`POST /local/jobs/nightly`) resolves the claims left `sending`
 * by a runner that kept no leases (version 0.1): a message found in the outbox makes the touch
 * sent, else it is `failed: outcome_unknown`; a second night changes nothing more.
 */

const START = '2026-03-02T09:00:00.000Z';
const MASTER_KEY = 'stuck-claims-master-key';
const API_KEY = 'stuck-claims-api-key';

let dataDir: string;
let runner: LocalRunner | undefined;

const config = () =>
  readLocalConfig({
    PORT: '0',
    WINBACK_DATA_DIR: dataDir,
    WINBACK_API_KEY: API_KEY,
    WINBACK_MASTER_KEY: MASTER_KEY,
    WINBACK_START_TIME: START,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${runner!.url}${path}`, {
    method,
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

/**
 * With the runner stopped, leaves each customer's first touch as a 0.1 runner killed after its
 * claim left it: `sending`, no lease, due a day ago; for `delivered`, with its message in the outbox.
 */
async function leaveClaimsBehind(customers: { lost: string; delivered: string }): Promise<void> {
  const database = openSqliteDatabase(join(dataDir, 'winback.db'));
  const store = new SqliteCustomerStore({
    database,
    phoneHashKey: deriveKey(MASTER_KEY, 'phone-lookup'),
    eventHashKey: deriveKey(MASTER_KEY, 'event-receipt'),
  });
  try {
    for (const customerId of [customers.lost, customers.delivered]) {
      const record = (await store.get(customerId))!;
      const touch = record.journeys[0]!.touches[0]!;
      Object.assign(touch, { status: 'sending', attempts: 1, dueAt: new Date(Date.parse(START) - 86_400_000).toISOString() });
      delete touch.lease;
      await store.save(record);
      if (customerId !== customers.delivered) continue;
      const sent: OutboxMessage = {
        channel: 'sms',
        to: '+34600000001',
        customerId,
        touchId: touch.touchId,
        text: 'sent by the runner that was killed',
        sentAt: START,
        variant: 'A',
        cost: 0.05,
        parts: 1,
        currency: 'EUR',
      };
      appendFileSync(join(dataDir, 'outbox.jsonl'), `${JSON.stringify(sent)}\n`);
    }
  } finally {
    database.close();
  }
}

const firstTouch = async (customerId: string) => (await call('GET', `/v1/customers/${customerId}`)).body.journey.touches[0];

describe('local runner: the nightly job resolves claims left "sending"', () => {
  const customers = { lost: 'stuck-lost', delivered: 'stuck-delivered' };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-stuck-runner-'));
    runner = await startLocalRunner(config());
    for (const customerId of Object.values(customers)) {
      const churn = churnInput({ customerId, eventId: `churn-${customerId}`, occurredAt: START.replace('Z', '+00:00') });
      expect((await call('POST', '/v1/events', churn)).status).toBe(202);
    }
    await runner.close();
    await leaveClaimsBehind(customers);
    runner = await startLocalRunner(config());
  });
  afterAll(async () => {
    await runner?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records the one with its message in the outbox sent, the other failed with its outcome unknown, and sends nothing', async () => {
    // Prepare
    const outboxBefore = readFileSync(join(dataDir, 'outbox.jsonl'), 'utf8');

    // Act
    const night = await call('POST', '/local/jobs/nightly', { date: '2026-03-02' });

    // Assess
    expect(night.status).toBe(200);
    expect(night.body.stuckClaims).toEqual({ sent: 1, outcomeUnknown: 1, unresolved: 0 });
    expect(await firstTouch(customers.lost)).toMatchObject({ status: 'failed', reason: 'outcome_unknown' });
    expect(await firstTouch(customers.delivered)).toMatchObject({ status: 'sent' });
    const history = (await call('GET', `/v1/customers/${customers.lost}`)).body.history as Array<Record<string, unknown>>;
    expect(history.at(-1)).toMatchObject({ decision: 'failed', reason: 'outcome_unknown' });
    expect(readFileSync(join(dataDir, 'outbox.jsonl'), 'utf8')).toBe(outboxBefore);
  });

  it('changes nothing more on the next night', async () => {
    // Prepare
    const before = await Promise.all(Object.values(customers).map((id) => call('GET', `/v1/customers/${id}`)));

    // Act
    const night = await call('POST', '/local/jobs/nightly', { date: '2026-03-03' });

    // Assess
    expect(night.body.stuckClaims).toEqual({ sent: 0, outcomeUnknown: 0, unresolved: 0 });
    const after = await Promise.all(Object.values(customers).map((id) => call('GET', `/v1/customers/${id}`)));
    expect(after.map((r) => r.body)).toEqual(before.map((r) => r.body));
  });
});
