import type { TimerSpec } from '#shared/domain/journey/timers';
import type { Clock } from '#shared/ports/clock';

/** A clock that can be moved forward (the SQLite clock). */
export interface SettableClock extends Clock {
  set(ms: number): void;
}

/** Timers that fire what is due (the SQLite timers). */
export interface DueTimers {
  fireDue(untilMs: number, onDue: (timer: TimerSpec) => Promise<void>): Promise<number>;
}

/** Where one move left the clock, and how many timers fired on the way. */
export interface ClockMove {
  nowMs: number;
  fired: number;
}

/**
 * Moves the virtual clock and fires the timers it passes, one move at a time: two moves asked for
 * at once run one after the other, and each computes its target from the clock as the previous
 * one left it (two "advance one day" make two days; two "advance to" go in the order asked, the
 * second refused by the clock if it lies before the first). Overlapping moves would fire timers
 * out of order.
 *
 * On each timer the clock first moves to the timer's due time, then `fire` handles it: the engine
 * sees the instant the timer was due at, as with a real scheduler. The timers delete a timer only
 * after `fire` completed, so after a crash {@link resume} fires what was due and not completed.
 */
export class VirtualTime {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly clock: SettableClock,
    private readonly timers: DueTimers,
    private readonly fire: (timer: TimerSpec) => Promise<void>,
  ) {}

  /**
   * Queues a move to `target(nowMs)`, `nowMs` being the clock's instant when this move's turn
   * comes; resolves once every timer due by then has fired and the clock stands at the target.
   * `target` may throw (a target the caller refuses); a target before now is a RangeError.
   */
  advance(target: (nowMs: number) => number): Promise<ClockMove> {
    const move = this.queue.then(async () => {
      const targetMs = target(this.clock.now());
      if (!(targetMs >= this.clock.now())) throw new RangeError('the virtual clock only moves forward');
      const fired = await this.timers.fireDue(targetMs, async (timer) => {
        this.clock.set(Math.max(this.clock.now(), Date.parse(timer.dueAt)));
        await this.fire(timer);
      });
      this.clock.set(targetMs);
      return { nowMs: this.clock.now(), fired };
    });
    this.queue = move.catch(() => undefined);
    return move;
  }

  /** Fires the timers due by the clock's instant: those a crash or a kill left unfinished. */
  resume(): Promise<ClockMove> {
    return this.advance((nowMs) => nowMs);
  }
}
