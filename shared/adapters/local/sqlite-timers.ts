import type { TimerSpec } from '#shared/domain/journey/timers';
import type { TouchScheduler } from '#shared/ports/touch-scheduler';
import type { SqliteDatabase } from './sqlite-database.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS timers (
  name TEXT PRIMARY KEY,
  due_at_ms INTEGER NOT NULL,
  spec TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS timers_due ON timers (due_at_ms, name);
`;

interface TimerRow {
  due_at_ms: number;
  spec: string;
}

/**
 * One-shot timers for the local runner and the simulator, in the embedded SQLite database,
 * behaving like EventBridge Scheduler one-shot schedules with `ActionAfterCompletion: DELETE`:
 * deterministic names, creating an existing name is a no-op success, cancelling a missing one is
 * a success, a fired timer is gone.
 *
 * Crash-safe: a timer is deleted only after its handler completed (see {@link fireDue}), so a
 * process killed while handling one finds it still there on restart and fires it again. Firing
 * is therefore at least once, as with Scheduler; the engine's `fireTimer` is idempotent (a touch
 * already claimed, sent or rescheduled makes a second firing do nothing). Cancelling deletes the
 * row (the database deletes securely): an erased customer's timers leave nothing behind.
 */
export class SqliteTimers implements TouchScheduler {
  private readonly statements;

  constructor(database: SqliteDatabase) {
    database.exec(SCHEMA);
    this.statements = {
      insert: database.prepare('INSERT OR IGNORE INTO timers (name, due_at_ms, spec) VALUES (?, ?, ?)'),
      delete: database.prepare('DELETE FROM timers WHERE name = ?'),
      deleteFired: database.prepare('DELETE FROM timers WHERE name = ? AND due_at_ms = ?'),
      get: database.prepare('SELECT due_at_ms, spec FROM timers WHERE name = ?'),
      count: database.prepare('SELECT count(*) AS n FROM timers'),
      nextDue: database.prepare('SELECT due_at_ms, spec FROM timers WHERE due_at_ms <= ? ORDER BY due_at_ms, name LIMIT 1'),
      dueBy: database.prepare('SELECT due_at_ms, spec FROM timers WHERE due_at_ms <= ? ORDER BY due_at_ms, name'),
    };
  }

  async schedule(timer: TimerSpec): Promise<void> {
    const dueAtMs = Date.parse(timer.dueAt);
    if (Number.isNaN(dueAtMs)) throw new RangeError(`timer ${timer.name}: dueAt is not a date: ${timer.dueAt}`);
    this.statements.insert.run(timer.name, dueAtMs, JSON.stringify(timer));
  }

  async cancel(name: string): Promise<void> {
    this.statements.delete.run(name);
  }

  /** The pending timer of this name, if there is one. */
  get(name: string): TimerSpec | undefined {
    const row = this.statements.get.get(name) as TimerRow | undefined;
    return row ? (JSON.parse(row.spec) as TimerSpec) : undefined;
  }

  /** How many timers are pending. */
  get size(): number {
    return (this.statements.count.get() as { n: number }).n;
  }

  /** Timers due at or before `untilMs`, earliest first (ties by name, so the order is stable). */
  dueBy(untilMs: number): TimerSpec[] {
    return (this.statements.dueBy.all(untilMs) as TimerRow[]).map((row) => JSON.parse(row.spec) as TimerSpec);
  }

  /**
   * Fires every timer due by `untilMs`, one at a time, in due order (ties by name): `onDue(timer)`
   * handles it, and only once it has completed is the timer deleted. Timers created while firing
   * fire too if they fall due by `untilMs`; timers cancelled meanwhile do not. When `onDue` throws,
   * the timer stays and the error propagates: the next call fires it again. Returns how many fired.
   */
  async fireDue(untilMs: number, onDue: (timer: TimerSpec) => Promise<void>): Promise<number> {
    let fired = 0;
    for (;;) {
      const row = this.statements.nextDue.get(untilMs) as TimerRow | undefined;
      if (!row) return fired;
      const timer = JSON.parse(row.spec) as TimerSpec;
      await onDue(timer);
      // Only this timer as it was fired: a timer cancelled and created again meanwhile under the
      // same name, for another time, stays to fire at its own.
      this.statements.deleteFired.run(timer.name, row.due_at_ms);
      fired += 1;
    }
  }
}
