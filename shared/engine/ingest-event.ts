import type { CustomerRecord } from '#shared/domain/journey/record';
import type { Change } from '#shared/domain/journey/timers';
import { ConcurrentUpdateError, DuplicateEventError } from '#shared/domain/errors';
import { archiveFinished, assertRecordFits } from '#shared/domain/journey/archive';
import type { WinbackEvent } from '#shared/domain/events';
import { MAX_CONCURRENT_RETRIES, type EngineDeps } from './deps.ts';
import { eventChange, eventRef, type IngestStatus } from './event-change.ts';
import { cancelTimers } from './timers.ts';

export type { IngestStatus } from './event-change.ts';
// A batch is ingested a customer's chunk of events at a time: `ingest-batch.ts`.
export { type BatchFailureReason, type BatchItemResult, ingestBatch } from './ingest-batch.ts';

export interface IngestResult {
  eventId: string;
  status: IngestStatus;
}

/**
 * Ingest one validated event.
 *
 * Primary course:
 *  1. A replay (event id already recorded) answers `duplicate` and changes nothing.
 *  2. Load the customer record and apply the event (pure domain rules).
 *  3. Create the timers the change needs, before saving: they are idempotent by name, so a
 *     retry recreates nothing, and a timer whose save then failed only fires into a no-op.
 *  4. Save the record with the event receipt, atomically and conditionally.
 *  5. Cancel the timers the change made obsolete. Best effort: should a cancel fail, the
 *     sender re-checks at fire time and skips.
 * A concurrent change to the same customer makes step 4 fail; steps 2–4 then run again.
 */
export async function ingestEvent(deps: EngineDeps, event: WinbackEvent): Promise<IngestResult> {
  const key = { eventId: event.eventId, type: event.type, customerId: event.customerId };
  const applied = await applyOnce(deps, key, (stored) => eventChange(deps, event, stored));
  return { eventId: event.eventId, status: applied === 'duplicate' ? 'duplicate' : 'accepted' };
}

/**
 * Steps 1–5 of {@link ingestEvent} for any change keyed by an event id (an upstream event, a
 * lapse timer): `apply` computes the change from the stored record, or undefined for none.
 * Answers `duplicate` for an event id already recorded, `unchanged` when `apply` had nothing to do.
 */
export async function applyOnce(
  deps: EngineDeps,
  key: { eventId: string; type: string; customerId: string },
  apply: (stored: CustomerRecord | undefined) => Change | undefined,
): Promise<'applied' | 'duplicate' | 'unchanged'> {
  // The receipt and the record are read side by side.
  const [seen, first] = await Promise.all([deps.store.hasEvent(key.eventId), deps.store.get(key.customerId)]);
  if (seen) return 'duplicate';
  for (let attempt = 1; ; attempt++) {
    const change = apply(attempt === 1 ? first : await deps.store.get(key.customerId));
    if (!change) return 'unchanged';
    const { record, effects } = change;
    // Bounded: finished journeys past the latest few move out (saved with the record), and a
    // record still too large is refused before any timer is made for it.
    const archived = archiveFinished(record, deps.clock.now(), deps.policies, deps.idHashKey);
    assertRecordFits(record);
    await Promise.all(effects.schedule.map((timer) => deps.scheduler.schedule(timer)));
    try {
      const receipt = { eventId: key.eventId, type: key.type, receivedAt: new Date(deps.clock.now()).toISOString() };
      await deps.store.save(record, receipt, archived);
    } catch (error) {
      if (error instanceof DuplicateEventError) return 'duplicate';
      if (error instanceof ConcurrentUpdateError && attempt < MAX_CONCURRENT_RETRIES) continue;
      throw error;
    }
    await cancelTimers(deps, effects.cancel);
    deps.logger.info('event ingested', {
      eventRef: eventRef(deps, key.eventId),
      type: key.type,
      scheduled: effects.schedule.length,
      cancelled: effects.cancel.length,
    });
    return 'applied';
  }
}
