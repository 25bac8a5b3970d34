import type { TimerSpec } from '#shared/domain/journey/timers';
import type { Clock } from '#shared/ports/clock';
import type { TouchScheduler } from '#shared/ports/touch-scheduler';
import type { DueTimers, SettableClock } from './virtual-time.ts';

/**
 * One-shot timers in process memory, for the simulator: the SQLite timers' semantics without the
 * database (a name that exists is not created twice, cancelling a missing name succeeds, due order
 * is by due time then name in code-unit order, as SQLite sorts text, and a timer is deleted once
 * its handler completed). A simulated customer holds a handful of timers, so the next due one is
 * found by a scan.
 */
export class MemoryTimers implements TouchScheduler, DueTimers {
  private readonly timers = new Map<string, { dueAtMs: number; timer: TimerSpec }>();

  async schedule(timer: TimerSpec): Promise<void> {
    const dueAtMs = Date.parse(timer.dueAt);
    if (Number.isNaN(dueAtMs)) throw new RangeError(`timer ${timer.name}: dueAt is not a date: ${timer.dueAt}`);
    if (!this.timers.has(timer.name)) this.timers.set(timer.name, { dueAtMs, timer });
  }

  async cancel(name: string): Promise<void> {
    this.timers.delete(name);
  }

  get size(): number {
    return this.timers.size;
  }

  /** The due time of the last pending timer, if any: how far a customer's simulation must run. */
  lastDueMs(): number | undefined {
    let last: number | undefined;
    for (const { dueAtMs } of this.timers.values()) if (last === undefined || dueAtMs > last) last = dueAtMs;
    return last;
  }

  private nextDue(untilMs: number): { dueAtMs: number; timer: TimerSpec } | undefined {
    let next: { dueAtMs: number; timer: TimerSpec } | undefined;
    for (const entry of this.timers.values()) {
      if (entry.dueAtMs > untilMs) continue;
      if (!next || entry.dueAtMs < next.dueAtMs || (entry.dueAtMs === next.dueAtMs && entry.timer.name < next.timer.name)) next = entry;
    }
    return next;
  }

  /** Fires every timer due by `untilMs`, one at a time, in due order; timers created meanwhile fire too if due. */
  async fireDue(untilMs: number, onDue: (timer: TimerSpec) => Promise<void>): Promise<number> {
    let fired = 0;
    for (let entry = this.nextDue(untilMs); entry; entry = this.nextDue(untilMs)) {
      await onDue(entry.timer);
      // Only this timer as it was fired (one cancelled and created again meanwhile stays).
      if (this.timers.get(entry.timer.name) === entry) this.timers.delete(entry.timer.name);
      fired += 1;
    }
    return fired;
  }
}

/** A clock that only moves when told to, and never back. */
export class ManualClock implements Clock, SettableClock {
  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  set(ms: number): void {
    if (ms < this.current) throw new RangeError('the virtual clock only moves forward');
    this.current = ms;
  }
}
