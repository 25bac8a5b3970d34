import type { TimerSpec } from '#shared/domain/journey/timers';

/**
 * One-shot timers, one per touch (EventBridge Scheduler in AWS). Both calls are idempotent:
 * creating a timer whose name exists is a success that changes nothing, and cancelling a
 * timer that does not exist (already fired, already cancelled) is a success too.
 */
export interface TouchScheduler {
  schedule(timer: TimerSpec): Promise<void>;
  cancel(name: string): Promise<void>;
}
