import { applyEvent } from '#shared/domain/journey/apply-event';
import { emptyRecord, type CustomerRecord } from '#shared/domain/journey/record';
import type { Change } from '#shared/domain/journey/timers';
import { ConcurrentUpdateError, DuplicateEventError, type FieldIssue, RecordTooLargeError } from '#shared/domain/errors';
import { archiveFinished, assertRecordFits } from '#shared/domain/journey/archive';
import { parseEvent, type WinbackEvent } from '#shared/domain/events';
import { shortHash } from '#shared/domain/hash';
import { MAX_CONCURRENT_RETRIES, type EngineDeps } from './deps.ts';
import { cancelTimers } from './timers.ts';

export type IngestStatus = 'accepted' | 'duplicate';

/** The record as the caller last saved it (a batch's events of one customer, in a row), if it did. */
export interface LastSaved {
  record?: CustomerRecord;
}

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
export async function ingestEvent(deps: EngineDeps, event: WinbackEvent, last?: LastSaved): Promise<IngestResult> {
  const key = { eventId: event.eventId, type: event.type, customerId: event.customerId };
  const applied = await applyOnce(
    deps,
    key,
    (stored) => {
      // Feedback about a customer Winback does not hold (erased, or never seen) has nothing to
      // attach to; keeping it would re-create a record under an id that may be a phone number.
      // Consent, activity and returns are kept on purpose: a churn may still arrive after them.
      if (!stored && (event.type === 'message.engaged' || event.type === 'survey.answered' || event.type === 'task.outcome')) {
        deps.logger.info('event for an unknown customer ignored', { eventId: shortHash(event.eventId), type: event.type });
        return undefined;
      }
      return applyEvent(stored ?? emptyRecord(event.customerId), event, deps.clock.now(), deps.policies);
    },
    last,
  );
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
  last?: LastSaved,
): Promise<'applied' | 'duplicate' | 'unchanged'> {
  // The receipt and the record are read side by side; the record not at all when this batch
  // saved it last (a stale one only fails the conditional save, and the retry reads it).
  const [seen, first] = await Promise.all([
    deps.store.hasEvent(key.eventId),
    last?.record ? Promise.resolve(last.record) : deps.store.get(key.customerId),
  ]);
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
      if (last) last.record = { ...record, version: record.version + 1 };
    } catch (error) {
      if (error instanceof DuplicateEventError) return 'duplicate';
      if (last) delete last.record;
      if (error instanceof ConcurrentUpdateError && attempt < MAX_CONCURRENT_RETRIES) continue;
      throw error;
    }
    await cancelTimers(deps, effects.cancel);
    // Event ids are logged hashed: some upstream systems build them from phone numbers (docs/operations.md says how to match them).
    deps.logger.info('event ingested', {
      eventId: shortHash(key.eventId),
      type: key.type,
      scheduled: effects.schedule.length,
      cancelled: effects.cancel.length,
    });
    return 'applied';
  }
}

/**
 * Why a valid event of a batch was not stored: it failed after the adapters' retries
 * (`unavailable`), or an earlier event of the same customer in the batch did, and it was not
 * tried so that the customer's events are applied in order when sent again. Either way, sending
 * it again is the fix (events are idempotent by `eventId`).
 */
export type BatchFailureReason = 'unavailable' | 'earlier_event_failed';

export type BatchItemResult =
  | { index: number; eventId?: string; status: IngestStatus }
  | { index: number; eventId?: string; status: 'rejected'; errors: FieldIssue[] }
  | { index: number; eventId: string; status: 'failed'; reason: BatchFailureReason };

/** How many customers of one batch are processed at once; events of one customer stay in order. */
const BATCH_CONCURRENCY = 16;

/**
 * Ingest a batch: every item is validated on its own, so one invalid event never loses the
 * valid ones, and one event that fails (a store outage outlasting the retries) never hides that
 * the others were stored: it is answered `failed`, to be sent again. Events of the same customer
 * are applied in batch order; different customers are processed side by side.
 */
export async function ingestBatch(deps: EngineDeps, items: readonly unknown[]): Promise<BatchItemResult[]> {
  const results: BatchItemResult[] = new Array(items.length);
  const byCustomer = new Map<string, Array<{ index: number; event: WinbackEvent }>>();
  items.forEach((item, index) => {
    const parsed = parseEvent(item);
    if (!parsed.ok) {
      const eventId = typeof (item as { eventId?: unknown })?.eventId === 'string' ? (item as { eventId: string }).eventId : undefined;
      results[index] = { index, ...(eventId ? { eventId } : {}), status: 'rejected', errors: parsed.issues };
      return;
    }
    const queue = byCustomer.get(parsed.event.customerId) ?? [];
    queue.push({ index, event: parsed.event });
    byCustomer.set(parsed.event.customerId, queue);
  });
  const queues = [...byCustomer.values()];
  const worker = async () => {
    for (let queue = queues.shift(); queue; queue = queues.shift()) {
      let failed = false;
      // The customer's record as this queue last saved it: the next event of theirs needs no read.
      const last: LastSaved = {};
      for (const { index, event } of queue) {
        if (failed) {
          results[index] = { index, eventId: event.eventId, status: 'failed', reason: 'earlier_event_failed' };
          continue;
        }
        try {
          const result = await ingestEvent(deps, event, last);
          results[index] = { index, eventId: result.eventId, status: result.status };
        } catch (error) {
          // Sending it again cannot help: refused, and the customer's later events still tried.
          if (error instanceof RecordTooLargeError) {
            results[index] = { index, eventId: event.eventId, status: 'rejected', errors: error.details };
            continue;
          }
          failed = true;
          deps.logger.error('event of a batch failed', {
            eventId: shortHash(event.eventId),
            type: event.type,
            error: error instanceof Error ? error.name : 'unknown',
          });
          results[index] = { index, eventId: event.eventId, status: 'failed', reason: 'unavailable' };
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, queues.length) }, worker));
  return results;
}
