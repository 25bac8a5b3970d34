import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteClock } from '#shared/adapters/local/sqlite-clock';
import { openSqliteDatabase, type SqliteDatabase } from '#shared/adapters/local/sqlite-database';
import { SqliteTimers } from '#shared/adapters/local/sqlite-timers';
import { VirtualTime } from '#shared/adapters/local/virtual-time';
import type { TimerSpec } from '#shared/domain/journey/timers';

const DAY_MS = 86_400_000;
const START = Date.parse('2026-03-01T00:00:00.000Z');

function timer(name: string, dueAtMs: number, customerId = 'cust-1'): TimerSpec {
  return {
    name,
    dueAt: new Date(dueAtMs).toISOString(),
    timezone: 'UTC',
    payload: { customerId, touchId: `${name}-touch`, timerName: name },
  };
}

// The port's semantics (idempotent schedule and cancel) are in touch-scheduler.contract.test.ts;
// here, what the local runner needs beyond them: firing that survives a crash, and the clock.
describe('SqliteTimers, SqliteClock and VirtualTime', () => {
  let dir: string;
  let file: string;
  const databases: SqliteDatabase[] = [];
  /** A connection to the test's database file, as a (re)started runner opens it. */
  const reopen = () => {
    const database = openSqliteDatabase(file);
    databases.push(database);
    return { database, timers: new SqliteTimers(database), clock: new SqliteClock(database, START) };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'winback-sqlite-timers-'));
    file = join(dir, 'winback.db');
  });
  afterEach(() => {
    for (const database of databases.splice(0)) if (database.open) database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('SqliteTimers.fireDue', () => {
    it('deletes a timer only after its handler completed, in due order, firing timers created meanwhile', async () => {
      // Prepare
      const { timers } = reopen();
      await timers.schedule(timer('wb-2', START + 2 * DAY_MS));
      await timers.schedule(timer('wb-1', START + DAY_MS));
      await timers.schedule(timer('wb-later', START + 9 * DAY_MS));
      const seen: Array<{ name: string; storedWhileHandled: boolean }> = [];

      // Act
      const fired = await timers.fireDue(START + 3 * DAY_MS, async (t) => {
        seen.push({ name: t.name, storedWhileHandled: timers.get(t.name) !== undefined });
        if (t.name === 'wb-1') await timers.schedule(timer('wb-deferred', START + 2.5 * DAY_MS));
      });

      // Assess
      expect(fired).toBe(3);
      expect(seen).toEqual([
        { name: 'wb-1', storedWhileHandled: true },
        { name: 'wb-2', storedWhileHandled: true },
        { name: 'wb-deferred', storedWhileHandled: true },
      ]);
      expect(timers.dueBy(Number.MAX_SAFE_INTEGER).map((t) => t.name)).toEqual(['wb-later']);
    });

    it('keeps the timer whose handler did not complete, so a restarted process fires it again', async () => {
      // Prepare: the handler of wb-2 dies, as a process killed while handling it.
      const first = reopen();
      for (const name of ['wb-1', 'wb-2', 'wb-3']) await first.timers.schedule(timer(name, START + DAY_MS));
      const crash = first.timers.fireDue(START + DAY_MS, async (t) => {
        if (t.name === 'wb-2') throw new Error('killed');
      });
      await expect(crash).rejects.toThrow('killed');
      first.database.close();

      // Act
      const restarted = reopen();
      const firedAfterRestart: string[] = [];
      await restarted.timers.fireDue(START + DAY_MS, async (t) => void firedAfterRestart.push(t.name));

      // Assess
      expect(firedAfterRestart).toEqual(['wb-2', 'wb-3']);
      expect(restarted.timers.size).toBe(0);
    });

    it('skips a timer cancelled while another fired', async () => {
      // Prepare
      const { timers } = reopen();
      await timers.schedule(timer('wb-1', START + DAY_MS));
      await timers.schedule(timer('wb-2', START + 2 * DAY_MS));

      // Act
      const seen: string[] = [];
      await timers.fireDue(START + 3 * DAY_MS, async (t) => {
        seen.push(t.name);
        await timers.cancel('wb-2');
      });

      // Assess
      expect(seen).toEqual(['wb-1']);
    });

    it('deletes a cancelled timer from the file: its customer id is nowhere in it after close', async () => {
      // Prepare
      const { database, timers } = reopen();
      await timers.schedule(timer('wb-gone', START + DAY_MS, 'erased-customer-42'));
      await timers.schedule(timer('wb-kept', START + DAY_MS, 'kept-customer-7'));

      // Act
      await timers.cancel('wb-gone');
      database.close();

      // Assess
      expect(existsSync(`${file}-wal`)).toBe(false);
      const bytes = readFileSync(file).toString('latin1');
      expect(bytes).toContain('kept-customer-7');
      expect(bytes).not.toContain('erased-customer-42');
    });
  });

  describe('SqliteClock', () => {
    it('starts at the start instant, moves only forward, and resumes where it stood after a restart', () => {
      // Prepare
      const first = reopen();
      const freshStart = { resumed: first.clock.resumed, now: first.clock.now() };
      first.clock.set(START + DAY_MS);

      // Act
      expect(() => first.clock.set(START)).toThrow(RangeError);
      first.database.close();
      const restarted = openSqliteDatabase(file);
      databases.push(restarted);
      const clock = new SqliteClock(restarted, START + 99 * DAY_MS);

      // Assess
      expect(freshStart).toEqual({ resumed: false, now: START });
      expect({ resumed: clock.resumed, now: clock.now() }).toEqual({ resumed: true, now: START + DAY_MS });
    });
  });

  describe('VirtualTime', () => {
    /** Virtual time whose handler records each timer with the clock's instant when it fired. */
    function virtualTime() {
      const { timers, clock } = reopen();
      const fired: Array<{ name: string; at: number }> = [];
      const time = new VirtualTime(clock, timers, async (t) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        fired.push({ name: t.name, at: clock.now() });
      });
      return { timers, clock, fired, time };
    }

    it('runs two moves asked for at once one after the other: two "one day" moves make two days', async () => {
      // Prepare
      const { timers, clock, fired, time } = virtualTime();
      await timers.schedule(timer('wb-1', START + 0.5 * DAY_MS));
      await timers.schedule(timer('wb-2', START + 1.5 * DAY_MS));

      // Act
      const [first, second] = await Promise.all([time.advance((now) => now + DAY_MS), time.advance((now) => now + DAY_MS)]);

      // Assess
      expect(first).toEqual({ nowMs: START + DAY_MS, fired: 1 });
      expect(second).toEqual({ nowMs: START + 2 * DAY_MS, fired: 1 });
      expect(fired).toEqual([
        { name: 'wb-1', at: START + 0.5 * DAY_MS },
        { name: 'wb-2', at: START + 1.5 * DAY_MS },
      ]);
      expect(clock.now()).toBe(START + 2 * DAY_MS);
    });

    it('refuses a move back, and the moves queued after it still run', async () => {
      // Prepare
      const { clock, time } = virtualTime();

      // Act
      const results = await Promise.allSettled([
        time.advance(() => START + 2 * DAY_MS),
        time.advance(() => START + DAY_MS),
        time.advance((now) => now + DAY_MS),
      ]);

      // Assess
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(RangeError);
      expect(clock.now()).toBe(START + 3 * DAY_MS);
    });

    it('resumes after a crash: the timer being handled and those due before the clock fire on resume', async () => {
      // Prepare: the first run dies handling wb-2; the clock stands at wb-2's due time.
      const first = reopen();
      for (const [name, at] of [
        ['wb-1', 1],
        ['wb-2', 2],
        ['wb-3', 3],
      ] as const)
        await first.timers.schedule(timer(name, START + at * DAY_MS));
      const dying = new VirtualTime(first.clock, first.timers, async (t) => {
        if (t.name === 'wb-2') throw new Error('killed');
      });
      await expect(dying.advance(() => START + 5 * DAY_MS)).rejects.toThrow('killed');
      first.database.close();

      // Act
      const { timers, clock, fired, time } = virtualTime();
      const resumed = await time.resume();

      // Assess
      expect(resumed).toEqual({ nowMs: START + 2 * DAY_MS, fired: 1 });
      expect(fired).toEqual([{ name: 'wb-2', at: START + 2 * DAY_MS }]);
      expect(timers.dueBy(Number.MAX_SAFE_INTEGER).map((t) => t.name)).toEqual(['wb-3']);
      expect(clock.now()).toBe(START + 2 * DAY_MS);
    });
  });
});
