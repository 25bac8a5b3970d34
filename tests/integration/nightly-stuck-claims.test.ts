import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Touch } from '#shared/domain/journey/record';
import { CLAIM_LEASE_MS } from '#shared/domain/journey/timers';
import { pseudonymize } from '#shared/domain/hash';
import { ingestEvent } from '#shared/engine/ingest-event';
import { runNightlyJob, type NightlyDeps } from '#shared/engine/nightly-job';
import type { SendReceipt } from '#shared/ports/message-channel';
import { churnEvent } from '../fixtures/events.ts';
import { customerIdIn, FakeChannel, makeDeps, type TestDeps } from '../support/fakes.ts';
import { nightlyDepsOf } from '../support/nightly-deps.ts';
import { day, iso, recordOf } from '../unit/engine/helpers.ts';

/**
 * The nightly job's sweep of claims stuck in `sending`: those with nothing left to resolve them
 * (claimed by a version without leases, or whose lease timer was lost) end as their lease timer
 * would have ended them, and the night's facts already show it.
 */

/** An SMS channel that can tell what it sent, as the local outbox can (SMS and SES in AWS cannot). */
class ReceiptsChannel extends FakeChannel {
  async findSent(touchId: string): Promise<SendReceipt | undefined> {
    const index = this.sent.findIndex((message) => message.touchId === touchId);
    return index < 0 ? undefined : { messageId: `sms-${index + 1}` };
  }
}

const NIGHT = '2026-02-10';

let lakeRoot: string;
let deps: TestDeps & { channels: { sms: ReceiptsChannel } };
let nightly: NightlyDeps;

beforeEach(() => {
  lakeRoot = mkdtempSync(join(tmpdir(), 'winback-stuck-claims-'));
  const base = makeDeps();
  deps = { ...base, channels: { ...base.channels, sms: new ReceiptsChannel('sms') } };
  nightly = nightlyDepsOf(deps, lakeRoot, { scanSegments: 2, exportAudience: false, engine: deps });
});
afterEach(() => rmSync(lakeRoot, { recursive: true, force: true }));

/** Churns the customer at day 0 (two SMS touches planned, days 30–45 and 60–90). */
async function churned(tag: string): Promise<string> {
  const customerId = customerIdIn('treatment', undefined, `stuck-${tag}`);
  await ingestEvent(deps, churnEvent({ customerId, eventId: `stuck-churn-${tag}`, consents: { sms: true, email: false, push: false } }));
  return customerId;
}

/** Stores the customer's first touch as a claim its sender never finished: `changes` say which kind. */
async function claimLeftBehind(customerId: string, changes: Partial<Touch>): Promise<Touch> {
  const record = await recordOf(deps, customerId);
  const touch = record.journeys[0]!.touches[0]!;
  Object.assign(touch, { status: 'sending', attempts: 1, ...changes });
  await deps.store.save(record);
  return touch;
}

const firstTouch = async (customerId: string) => (await recordOf(deps, customerId)).journeys[0]!.touches[0]!;

/** The night's `journey_facts` rows as written, read back with DuckDB. */
async function factsOfNight(night: string): Promise<Array<Record<string, unknown>>> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const result = await connection.runAndReadAll(`SELECT * FROM read_parquet('${lakeRoot}/journey_facts/dt=${night}/*.parquet')`);
  const rows = result.getRowObjectsJson() as Array<Record<string, unknown>>;
  connection.closeSync();
  return rows;
}

describe('the nightly job resolves the claims it finds stuck in "sending"', () => {
  it('records a legacy claim failed (outcome unknown), one the channel shows sent as sent, and leaves a held lease alone', async () => {
    // Prepare: four customers; the clock at day 40, past touch 1's due time (day 30–45).
    const legacy = await churned('legacy');
    const delivered = await churned('delivered');
    const lostTimer = await churned('lost-timer');
    const held = await churned('held');
    deps.clock.set(day(40));
    // Claimed by version 0.1 (no lease), the sender killed before anything went out.
    await claimLeftBehind(legacy, { lease: undefined, dueAt: iso(day(39)) });
    // Claimed by version 0.1, killed after the message went out (the channel holds it).
    const deliveredTouch = await claimLeftBehind(delivered, { lease: undefined, dueAt: iso(day(39)) });
    await deps.channels.sms.send(
      {
        channel: 'sms',
        to: '+447700900001',
        customerId: delivered,
        touchId: deliveredTouch.touchId,
        text: 'hi',
        variant: 'A',
        locale: 'en',
        timezone: 'UTC',
      },
      { cost: 0.05, parts: 1, currency: 'EUR' },
    );
    // A lease that passed 5 minutes ago, its timer lost; and one that still holds for 5 minutes.
    await claimLeftBehind(lostTimer, { lease: { until: iso(day(40) - 5 * 60_000), timerName: 'lost-lease-timer', cost: 0.05 } });
    await claimLeftBehind(held, { lease: { until: iso(day(40) + 5 * 60_000), timerName: 'held-lease-timer' } });
    const sentBefore = deps.channels.sms.sent.length;

    // Act
    const summary = await runNightlyJob(nightly, NIGHT);

    // Assess
    expect(summary.stuckClaims).toEqual({ sent: 1, outcomeUnknown: 2, unresolved: 0 });
    for (const id of [legacy, lostTimer]) {
      const record = await recordOf(deps, id);
      const touch = record.journeys[0]!.touches[0]!;
      expect(touch).toMatchObject({ status: 'failed', reason: 'outcome_unknown', outcomeUnknown: true });
      expect(touch.lease).toBeUndefined();
      expect(record.history.at(-1)).toMatchObject({ decision: 'failed', reason: 'outcome_unknown', touchId: touch.touchId });
    }
    expect(await firstTouch(delivered)).toMatchObject({ status: 'sent', messageId: 'sms-1' });
    expect(await firstTouch(held)).toMatchObject({ status: 'sending', lease: { timerName: 'held-lease-timer' } });
    // Nothing was sent by the sweep; the lapsed lease's timer was cancelled (a no-op: it was lost).
    expect(deps.channels.sms.sent).toHaveLength(sentBefore);
    expect(deps.scheduler.cancelCalls).toContain('lost-lease-timer');
  });

  it("writes the night's facts after the sweep: the resolved touch is counted failed, outcome unknown", async () => {
    // Prepare
    const legacy = await churned('facts');
    deps.clock.set(day(40));
    await claimLeftBehind(legacy, { lease: undefined, dueAt: iso(day(30)) });

    // Act
    await runNightlyJob(nightly, NIGHT);

    // Assess
    const [fact] = await factsOfNight(NIGHT);
    expect(fact).toMatchObject({
      customer_hash: pseudonymize(legacy, deps.idHashKey),
      touches_sent: 0,
      touches_failed: 1,
      touches_outcome_unknown: 1,
    });
  });

  it('changes nothing more when run again', async () => {
    // Prepare
    const legacy = await churned('twice');
    const delivered = await churned('twice-sent');
    deps.clock.set(day(40));
    await claimLeftBehind(legacy, { lease: undefined, dueAt: iso(day(39)) });
    const touch = await claimLeftBehind(delivered, { lease: undefined, dueAt: iso(day(39)) });
    await deps.channels.sms.send(
      {
        channel: 'sms',
        to: '+447700900002',
        customerId: delivered,
        touchId: touch.touchId,
        text: 'hi',
        variant: 'A',
        locale: 'en',
        timezone: 'UTC',
      },
      { cost: 0.05, parts: 1, currency: 'EUR' },
    );
    await runNightlyJob(nightly, NIGHT);
    const after = await Promise.all([legacy, delivered].map((id) => recordOf(deps, id)));
    deps.clock.set(day(41));

    // Act
    const again = await runNightlyJob(nightly, '2026-02-11');

    // Assess: nothing left to resolve, both records exactly as the first run left them.
    expect(again.stuckClaims).toEqual({ sent: 0, outcomeUnknown: 0, unresolved: 0 });
    expect(await Promise.all([legacy, delivered].map((id) => recordOf(deps, id)))).toEqual(after);
  });

  it('leaves a legacy claim alone while its touch was due less than a lease ago: its sender may still be at it', async () => {
    // Prepare
    const recent = await churned('recent');
    deps.clock.set(day(40));
    await claimLeftBehind(recent, { lease: undefined, dueAt: iso(day(40) - CLAIM_LEASE_MS + 60_000) });

    // Act
    const summary = await runNightlyJob(nightly, NIGHT);

    // Assess
    expect(summary.stuckClaims).toEqual({ sent: 0, outcomeUnknown: 0, unresolved: 0 });
    expect((await firstTouch(recent)).status).toBe('sending');
  });

  it('does not sweep without the engine', async () => {
    const legacy = await churned('no-engine');
    deps.clock.set(day(40));
    await claimLeftBehind(legacy, { lease: undefined, dueAt: iso(day(30)) });

    const summary = await runNightlyJob({ ...nightly, engine: undefined }, NIGHT);

    expect(summary.stuckClaims).toBeUndefined();
    expect((await firstTouch(legacy)).status).toBe('sending');
  });
});
