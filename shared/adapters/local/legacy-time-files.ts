import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { TimerSpec } from '#shared/domain/journey/timers';

/** The files in which local runners before the embedded database kept their clock and timers. */
const CLOCK_FILE = 'clock.json';
const TIMER_JOURNAL = 'timers.jsonl';

type JournalLine = { op: 'put'; timer: TimerSpec } | { op: 'del'; name: string };

/** What an older runner left in its data folder: its clock's instant and its pending timers. */
export interface LegacyTimeFiles {
  clockMs: number | undefined;
  timers: TimerSpec[];
}

/**
 * Reads `clock.json` and the timer journal `timers.jsonl` that a local runner of an earlier
 * version left in `dataDir` (timers replayed: a `put` adds, a `del` removes), or undefined when
 * there are none. A data folder carried over keeps its clock and its pending touches this way.
 */
export function readLegacyTimeFiles(dataDir: string): LegacyTimeFiles | undefined {
  const clockFile = join(dataDir, CLOCK_FILE);
  const journal = join(dataDir, TIMER_JOURNAL);
  if (!existsSync(clockFile) && !existsSync(journal)) return undefined;
  const timers = new Map<string, TimerSpec>();
  const lines = existsSync(journal) ? readFileSync(journal, 'utf8').split('\n') : [];
  for (const line of lines) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as JournalLine;
    if (entry.op === 'put') timers.set(entry.timer.name, entry.timer);
    else timers.delete(entry.name);
  }
  const saved = existsSync(clockFile) ? (JSON.parse(readFileSync(clockFile, 'utf8')) as { now?: string }) : {};
  const clockMs = saved.now ? Date.parse(saved.now) : Number.NaN;
  return { clockMs: Number.isFinite(clockMs) ? clockMs : undefined, timers: [...timers.values()] };
}

/** Renames the legacy files once their content is in the database (`*.imported`), so they are read once. */
export function retireLegacyTimeFiles(dataDir: string): void {
  for (const name of [CLOCK_FILE, TIMER_JOURNAL]) {
    const file = join(dataDir, name);
    if (existsSync(file)) renameSync(file, `${file}.imported`);
  }
}
