import type { EngineDeps } from './deps.ts';

/**
 * Cancels timers a committed change made obsolete. Never fails the caller: the change is
 * already saved, and a timer that survives only fires into a re-check that skips it.
 */
export async function cancelTimers(deps: EngineDeps, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const results = await Promise.allSettled(names.map((name) => deps.scheduler.cancel(name)));
  results.forEach((result, i) => {
    if (result.status === 'rejected')
      deps.logger.warn('timer cancel failed; the send-time check will skip it', { timerName: names[i], error: String(result.reason) });
  });
}
