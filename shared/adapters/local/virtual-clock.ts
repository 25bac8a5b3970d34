import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '#shared/ports/clock';

/**
 * The local runner's clock: it only moves when told to (`POST /local/clock`), and it is saved
 * to a file so a restart resumes at the same instant instead of jumping back to "now".
 */
export class VirtualClock implements Clock {
  private current: number;

  constructor(
    private readonly file: string,
    startMs: number,
  ) {
    this.current = VirtualClock.load(file) ?? startMs;
    this.persist();
  }

  private static load(file: string): number | undefined {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { now?: string };
      const ms = saved.now ? Date.parse(saved.now) : NaN;
      return Number.isFinite(ms) ? ms : undefined;
    } catch {
      return undefined;
    }
  }

  now(): number {
    return this.current;
  }

  /** Moves the clock forward (never back: timers already fired cannot un-fire). */
  set(ms: number): void {
    if (ms < this.current) throw new RangeError('the virtual clock only moves forward');
    this.current = ms;
    this.persist();
  }

  private persist(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ now: new Date(this.current).toISOString() }));
    renameSync(tmp, this.file);
  }
}
