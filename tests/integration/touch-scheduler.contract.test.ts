import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '#shared/adapters/local/sqlite-database';
import { SqliteTimers } from '#shared/adapters/local/sqlite-timers';
import type { TimerSpec } from '#shared/domain/journey/timers';
import type { TouchScheduler } from '#shared/ports/touch-scheduler';
import { FakeScheduler } from '../support/fakes.ts';

/**
 * The `TouchScheduler` port's contract (EventBridge Scheduler's semantics), run against the
 * timers that stand in for Scheduler: the SQLite timers of the local runner, on a file and in
 * memory, and the fake every unit test of the engine relies on. (The EventBridge adapter itself
 * maps Scheduler's ConflictException and ResourceNotFoundException to these outcomes; its unit
 * tests check that.)
 */

interface SchedulerUnderTest {
  scheduler: TouchScheduler;
  /** The timers pending and due by `untilMs`, earliest first, ties by name. */
  pending(untilMs: number): TimerSpec[];
  close(): void;
}

const SCHEDULERS: Array<{ name: string; open: () => SchedulerUnderTest }> = [
  {
    name: 'SqliteTimers on a file',
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'winback-timers-contract-'));
      const database = openSqliteDatabase(join(dir, 'winback.db'));
      const timers = new SqliteTimers(database);
      const close = () => {
        database.close();
        rmSync(dir, { recursive: true, force: true });
      };
      return { scheduler: timers, pending: (untilMs) => timers.dueBy(untilMs), close };
    },
  },
  {
    name: 'SqliteTimers in memory',
    open: () => {
      const database = openSqliteDatabase(':memory:');
      const timers = new SqliteTimers(database);
      return { scheduler: timers, pending: (untilMs) => timers.dueBy(untilMs), close: () => database.close() };
    },
  },
  {
    name: 'FakeScheduler (unit tests)',
    open: () => {
      const fake = new FakeScheduler();
      return { scheduler: fake, pending: (untilMs) => fake.due(untilMs), close: () => {} };
    },
  },
];

const ALL = Number.MAX_SAFE_INTEGER;

function timer(name: string, dueAt: string, customerId = 'cust-1'): TimerSpec {
  return { name, dueAt, timezone: 'Europe/London', payload: { customerId, touchId: `${name}-touch`, timerName: name } };
}

describe.each(SCHEDULERS)('TouchScheduler contract: $name', ({ open }) => {
  let subject: SchedulerUnderTest;
  beforeEach(() => {
    subject = open();
  });
  afterEach(() => subject.close());

  it('keeps a scheduled timer as given, until it is cancelled', async () => {
    // Act
    await subject.scheduler.schedule(timer('wb-a', '2026-03-01T10:00:00.000Z'));
    const scheduled = subject.pending(ALL);
    await subject.scheduler.cancel('wb-a');

    // Assess
    expect(scheduled).toEqual([timer('wb-a', '2026-03-01T10:00:00.000Z')]);
    expect(subject.pending(ALL)).toEqual([]);
  });

  it('treats scheduling a name that exists as a success that changes nothing', async () => {
    // Prepare
    await subject.scheduler.schedule(timer('wb-a', '2026-03-01T10:00:00.000Z'));

    // Act
    await subject.scheduler.schedule(timer('wb-a', '2026-04-01T10:00:00.000Z', 'someone-else'));

    // Assess
    expect(subject.pending(ALL)).toEqual([timer('wb-a', '2026-03-01T10:00:00.000Z')]);
  });

  it('treats cancelling a missing timer, or one already cancelled, as a success', async () => {
    // Prepare
    await subject.scheduler.schedule(timer('wb-a', '2026-03-01T10:00:00.000Z'));
    await subject.scheduler.cancel('wb-a');

    // Act
    const again = subject.scheduler.cancel('wb-a');
    const never = subject.scheduler.cancel('wb-never-scheduled');

    // Assess
    await expect(again).resolves.toBeUndefined();
    await expect(never).resolves.toBeUndefined();
  });

  it('creates a cancelled name again when it is scheduled again', async () => {
    // Prepare
    await subject.scheduler.schedule(timer('wb-a', '2026-03-01T10:00:00.000Z'));
    await subject.scheduler.cancel('wb-a');

    // Act
    await subject.scheduler.schedule(timer('wb-a', '2026-03-05T10:00:00.000Z'));

    // Assess
    expect(subject.pending(ALL)).toEqual([timer('wb-a', '2026-03-05T10:00:00.000Z')]);
  });

  it('lists what is due by an instant, earliest first and ties by name, and nothing later', async () => {
    // Prepare
    await subject.scheduler.schedule(timer('wb-late', '2026-03-09T00:00:00.000Z'));
    await subject.scheduler.schedule(timer('wb-b', '2026-03-02T00:00:00.000Z'));
    await subject.scheduler.schedule(timer('wb-a', '2026-03-02T00:00:00.000Z'));
    await subject.scheduler.schedule(timer('wb-first', '2026-03-01T00:00:00.000Z'));

    // Act
    const due = subject.pending(Date.parse('2026-03-02T00:00:00.000Z'));

    // Assess
    expect(due.map((t) => t.name)).toEqual(['wb-first', 'wb-a', 'wb-b']);
  });
});
