import type { Clock } from '#shared/ports/clock';
import type { SqliteDatabase } from './sqlite-database.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS virtual_clock (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  now_ms INTEGER NOT NULL
);
`;

/**
 * The local runner's virtual clock: it only moves when told to (`POST /local/clock`), and its
 * instant is a row of the embedded database, next to the timers it fires, so a restart resumes at
 * the same instant instead of jumping back to "now", and a clock move commits like any other write.
 */
export class SqliteClock implements Clock {
  private current: number;
  private readonly save;
  /** Whether the instant came from the database (a previous run) rather than from `startMs`. */
  readonly resumed: boolean;

  constructor(database: SqliteDatabase, startMs: number) {
    database.exec(SCHEMA);
    this.save = database.prepare(
      'INSERT INTO virtual_clock (id, now_ms) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET now_ms = excluded.now_ms',
    );
    const saved = database.prepare('SELECT now_ms FROM virtual_clock WHERE id = 1').get() as { now_ms: number } | undefined;
    this.resumed = saved !== undefined;
    this.current = saved?.now_ms ?? startMs;
    if (!this.resumed) this.save.run(this.current);
  }

  now(): number {
    return this.current;
  }

  /** Moves the clock forward (never back: timers already fired cannot un-fire). */
  set(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`not an instant: ${ms}`);
    if (ms < this.current) throw new RangeError('the virtual clock only moves forward');
    if (ms === this.current) return;
    this.save.run(ms);
    this.current = ms;
  }
}
