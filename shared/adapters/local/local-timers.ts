import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TimerSpec } from '#shared/domain/journey/timers';
import type { TouchScheduler } from '#shared/ports/touch-scheduler';

type JournalLine = { op: 'put'; timer: TimerSpec } | { op: 'del'; name: string };

/**
 * One-shot timers for the local runner, behaving like EventBridge Scheduler one-shot schedules
 * with `ActionAfterCompletion: DELETE`: deterministic names, creating an existing name is a
 * no-op success, cancelling a missing one is a success, a fired timer is gone.
 *
 * Durable through an append-only journal (one line per change, compacted at start), so a
 * restart loses nothing and a busy runner never rewrites a whole file per timer.
 */
export class LocalTimers implements TouchScheduler {
  private readonly timers = new Map<string, TimerSpec>();
  /** Bumped on every new timer, so a firing loop knows to look again. */
  private generation = 0;

  constructor(private readonly journal: string) {
    mkdirSync(dirname(journal), { recursive: true });
    if (existsSync(journal)) {
      for (const line of readFileSync(journal, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const entry = JSON.parse(line) as JournalLine;
        if (entry.op === 'put') this.timers.set(entry.timer.name, entry.timer);
        else this.timers.delete(entry.name);
      }
    }
    const tmp = `${journal}.tmp`;
    writeFileSync(tmp, [...this.timers.values()].map((timer) => `${JSON.stringify({ op: 'put', timer })}\n`).join(''));
    renameSync(tmp, journal);
  }

  async schedule(timer: TimerSpec): Promise<void> {
    if (this.timers.has(timer.name)) return;
    this.timers.set(timer.name, timer);
    this.generation += 1;
    appendFileSync(this.journal, `${JSON.stringify({ op: 'put', timer } satisfies JournalLine)}\n`);
  }

  async cancel(name: string): Promise<void> {
    if (!this.timers.delete(name)) return;
    appendFileSync(this.journal, `${JSON.stringify({ op: 'del', name } satisfies JournalLine)}\n`);
  }

  get(name: string): TimerSpec | undefined {
    return this.timers.get(name);
  }

  get size(): number {
    return this.timers.size;
  }

  /** Timers due at or before `untilMs`, earliest first (ties by name, so the order is stable). */
  dueBy(untilMs: number): TimerSpec[] {
    return [...this.timers.values()]
      .filter((timer) => Date.parse(timer.dueAt) <= untilMs)
      .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.name.localeCompare(b.name));
  }

  /**
   * Fires every timer due by `untilMs`, in due order: before each, `onDue(timer)` is called
   * (the runner moves its clock there); the timer is deleted once handled, as after a
   * delivery. Timers created while firing fire too if they fall due before `untilMs`.
   * Returns how many fired.
   */
  async fireDue(untilMs: number, onDue: (timer: TimerSpec) => Promise<void>): Promise<number> {
    let fired = 0;
    let queue = this.dueBy(untilMs);
    let seen = this.generation;
    for (let i = 0; i < queue.length; i++) {
      const timer = queue[i]!;
      if (!this.timers.has(timer.name)) continue;
      await this.cancel(timer.name);
      await onDue(timer);
      fired += 1;
      if (this.generation !== seen) {
        queue = this.dueBy(untilMs);
        seen = this.generation;
        i = -1;
      }
    }
    return fired;
  }
}
