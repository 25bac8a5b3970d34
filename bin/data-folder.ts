import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandError } from './cli.ts';

/**
 * The local runner's data folder (`WINBACK_DATA_DIR`): one runner at a time may write to it,
 * which a lock file with the runner's process id guarantees; and `npm start -- --reset` empties
 * it of what the runner wrote, and of nothing else.
 */

/** The lock file, in the data folder: `{"pid": n, "startedAt": "<ISO>"}` of the runner holding it. */
export const LOCK_FILE = 'runner.lock';

/**
 * Everything a runner writes in its data folder: what `--reset` removes. Only these names, so a
 * data folder set by mistake to a folder holding other files loses none of them.
 */
export const DATA_FOLDER_ENTRIES = [
  'winback.db',
  'winback.db-wal',
  'winback.db-shm',
  'winback.db-journal',
  'outbox.jsonl',
  'dead-letters.jsonl',
  'lake',
  'dynamodb',
  // An older runner's clock and timers beside DynamoDB Local, and what became of them once imported.
  'clock.json',
  'clock.json.imported',
  'timers.jsonl',
  'timers.jsonl.imported',
] as const;

/** A data folder held by this process until `release()`. */
export interface DataFolderLock {
  readonly file: string;
  /** Removes the lock file, if it is still this process's. */
  release(): void;
}

interface LockHolder {
  pid: number;
  startedAt?: string;
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return Number.isInteger(holder.pid) && holder.pid! > 0 ? (holder as LockHolder) : undefined;
  } catch {
    // Gone meanwhile, or half-written by a runner killed while writing it: not a live holder.
    return undefined;
  }
}

/** Whether a process with this id runs (one of another user counts: it exists). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException).code;

/**
 * Takes the data folder for this process. A lock held by a running process refuses with one line
 * saying what to do; a lock left by a process that no longer runs (killed, crashed) is taken
 * over. Taking over renames the stale file aside first, and checks it moved the file it judged
 * stale: of two runners taking over at once, one wins and the other is refused.
 */
export function lockDataFolder(dataDir: string): DataFolderLock {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() });
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(file, mine, { flag: 'wx' });
      return { file, release: () => releaseLock(file, mine) };
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    if (holder && isRunning(holder.pid)) {
      throw new CommandError(
        `The data folder ${dataDir}/ is in use by another Winback runner (pid ${holder.pid}): stop that one, or start this one with another WINBACK_DATA_DIR. (If no runner is running, delete ${file}.)`,
      );
    }
    takeOverStale(file, holder);
  }
  throw new CommandError(`Could not take ${file}: other runners keep taking it; start one runner at a time.`);
}

/** Moves a stale lock aside; puts it back if another runner replaced it meanwhile. */
function takeOverStale(file: string, judged: LockHolder | undefined): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return; // someone else moved it: try again
    throw error;
  }
  const moved = readHolder(aside);
  if (moved?.pid !== judged?.pid && moved && isRunning(moved.pid)) {
    // A live runner's fresh lock: give it back (it is the rightful holder) and try again.
    try {
      writeFileSync(file, readFileSync(aside), { flag: 'wx' });
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw error;
    }
  }
  rmSync(aside, { force: true });
}

function releaseLock(file: string, mine: string): void {
  try {
    if (readFileSync(file, 'utf8') === mine) rmSync(file);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error;
  }
}

/** Removes what a runner wrote in the data folder (`DATA_FOLDER_ENTRIES`); call it holding the lock. */
export function resetDataFolder(dataDir: string): void {
  for (const name of DATA_FOLDER_ENTRIES) rmSync(join(dataDir, name), { recursive: true, force: true });
}
