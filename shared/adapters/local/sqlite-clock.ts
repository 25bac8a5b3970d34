import type { Clock } from '#shared/ports/clock';
import type { SqliteDatabase } from './sqlite-database.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS virtual_clock (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  now_ms INTEGER NOT NULL,
  started_from TEXT
);
`;

/** A database written before the clock kept its start gains the column, empty (NULL: not known). */
function addStartedFrom(database: SqliteDatabase): void {
  const columns = database.prepare('PRAGMA table_info(virtual_clock)').all() as Array<{ name: string }>;
  if (!columns.some((column) => column.name === 'started_from')) database.exec('ALTER TABLE virtual_clock ADD COLUMN started_from TEXT');
}

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
  /**
   * What the clock was first started from, as recorded when the database was new (`startedFrom`
   * of the first run); undefined when not recorded (a database from before this was kept).
   */
  readonly startedFrom: string | undefined;

  /**
   * @param startMs the instant of a new clock (ignored when the database holds one)
   * @param startedFrom what `startMs` came from, recorded with a new clock, e.g. an ISO start time
   */
  constructor(database: SqliteDatabase, startMs: number, startedFrom?: string) {
    database.exec(SCHEMA);
    addStartedFrom(database);
    this.save = database.prepare(
      'INSERT INTO virtual_clock (id, now_ms) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET now_ms = excluded.now_ms',
    );
    const saved = database.prepare('SELECT now_ms, started_from FROM virtual_clock WHERE id = 1').get() as
      | { now_ms: number; started_from: string | null }
      | undefined;
    this.resumed = saved !== undefined;
    this.current = saved?.now_ms ?? startMs;
    this.startedFrom = saved ? (saved.started_from ?? undefined) : startedFrom;
    if (!this.resumed)
      database.prepare('INSERT INTO virtual_clock (id, now_ms, started_from) VALUES (1, ?, ?)').run(this.current, startedFrom ?? null);
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
