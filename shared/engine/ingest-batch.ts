import type { ArchivedJourney } from '#shared/domain/erasure';
import { ConcurrentUpdateError, DuplicateEventError, type FieldIssue, RecordTooLargeError } from '#shared/domain/errors';
import { parseEvent, type WinbackEvent } from '#shared/domain/events';
import { archiveFinished, assertRecordFits } from '#shared/domain/journey/archive';
import type { CustomerRecord } from '#shared/domain/journey/record';
import type { Change, TimerSpec } from '#shared/domain/journey/timers';
import { type EventReceipt, MAX_RECEIPTS_AND_ARCHIVED_PER_SAVE } from '#shared/ports/customer-store';
import { MAX_CONCURRENT_RETRIES, type EngineDeps } from './deps.ts';
import { eventChange, eventRef, type IngestStatus } from './event-change.ts';
import { cancelTimers } from './timers.ts';

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

/** A valid event of the batch, at its place in it. */
interface Queued {
  index: number;
  event: WinbackEvent;
}

/**
 * Ingest a batch: every item is validated on its own, so one invalid event never loses the
 * valid ones, and one event that fails (a store outage outlasting the retries) never hides that
 * the others were stored: it is answered `failed`, to be sent again. Events of the same customer
 * are applied in batch order, a chunk at a time (see {@link ingestCustomerEvents}); different
 * customers are processed side by side.
 */
export async function ingestBatch(deps: EngineDeps, items: readonly unknown[]): Promise<BatchItemResult[]> {
  const results: BatchItemResult[] = new Array(items.length);
  const byCustomer = new Map<string, Queued[]>();
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
    for (let queue = queues.shift(); queue; queue = queues.shift()) await ingestCustomerEvents(deps, queue, results);
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, queues.length) }, worker));
  return results;
}

/** What this batch knows of the customer: the record as it last read or saved it, and which of its events have receipts. */
interface Known {
  record: CustomerRecord | undefined;
  seen: ReadonlySet<string>;
}

/**
 * One customer's events of a batch, in batch order, at the cost of one read and one conditional
 * write per chunk rather than per event:
 *  1. Read the receipts of all the events and the record, side by side.
 *  2. Apply the events in order in memory, as `ingestEvent` would one by one: a replay answers
 *     `duplicate`, a record that would grow too large refuses its event (`rejected`) and the
 *     next are still tried, finished journeys move out as they would.
 *  3. Save the record with the receipts of the events it now holds and the journeys moved out, in
 *     one transaction (`save`): a receipt never claims an event the stored record lacks, nor the
 *     record an event without its receipt. A chunk ends where the transaction would pass its
 *     limit (`MAX_RECEIPTS_AND_ARCHIVED_PER_SAVE`), so a stop between chunks leaves the saved ones
 *     complete and the others not applied at all: sent again, they are applied then.
 *  4. Timers as `ingestEvent` makes them: those the chunk's record needs before the save, the
 *     obsolete ones cancelled after it.
 * A concurrent change or replay fails the save; the chunk is then read and applied again. When
 * the store fails past its retries, the first event the save held answers `failed: unavailable`
 * and every later event of the customer `failed: earlier_event_failed`, as if not tried.
 */
async function ingestCustomerEvents(deps: EngineDeps, queue: readonly Queued[], results: BatchItemResult[]): Promise<void> {
  const customerId = queue[0]!.event.customerId;
  let known: Known | undefined;
  for (let next = 0; next < queue.length; ) {
    const pending = queue.slice(next);
    try {
      known ??= await readKnown(deps, customerId, pending);
      const saved = await saveChunk(deps, pending, known);
      for (const result of saved.settled) results[result.index] = result;
      next += saved.settled.length;
      known = saved.known;
    } catch (error) {
      const failure = error instanceof ChunkFailed ? error : new ChunkFailed([], error);
      for (const result of failure.settled) results[result.index] = result;
      failRest(deps, pending.slice(failure.settled.length), failure.cause, results);
      return;
    }
  }
}

async function readKnown(deps: EngineDeps, customerId: string, pending: readonly Queued[]): Promise<Known> {
  const [seen, record] = await Promise.all([deps.store.hasEvents(pending.map(({ event }) => event.eventId)), deps.store.get(customerId)]);
  return { record, seen };
}

/** The first of `rest` failed (`unavailable`); the others were not tried (`earlier_event_failed`). */
function failRest(deps: EngineDeps, rest: readonly Queued[], cause: unknown, results: BatchItemResult[]): void {
  const [first, ...later] = rest;
  if (!first) return;
  deps.logger.error('event of a batch failed', {
    eventRef: eventRef(deps, first.event.eventId),
    type: first.event.type,
    error: cause instanceof Error ? cause.name : 'unknown',
  });
  results[first.index] = { index: first.index, eventId: first.event.eventId, status: 'failed', reason: 'unavailable' };
  for (const { index, event } of later)
    results[index] = { index, eventId: event.eventId, status: 'failed', reason: 'earlier_event_failed' };
}

/** A chunk whose save failed: the results settled before its first saved event stand; `cause` is the store's error. */
class ChunkFailed extends Error {
  constructor(
    readonly settled: BatchItemResult[],
    override readonly cause: unknown,
  ) {
    super('a chunk of a batch failed');
  }
}

/** What a chunk's events make of the record, before it is saved. */
interface Chunk {
  /** The record after the chunk's events (undefined while no event created it). */
  record: CustomerRecord | undefined;
  /** Each event's answer should the save succeed, in queue order, from the first pending event on. */
  settled: BatchItemResult[];
  receipts: EventReceipt[];
  archived: ArchivedJourney[];
  /** The timers the record needs, by name; and those to cancel once saved. */
  schedule: Map<string, TimerSpec>;
  cancel: Set<string>;
  /** Where in `settled` the first event with a receipt is; and each saved event's own timer counts, for its log line. */
  firstSaved: number | undefined;
  logs: Array<{ event: WinbackEvent; scheduled: number; cancelled: number }>;
}

/**
 * Step 3 with its retries: builds the chunk from what is known and saves it. Answers the chunk's
 * settled results and what is known after it.
 * @throws ChunkFailed when the save fails past the retries (or the re-read after a conflict does)
 */
async function saveChunk(
  deps: EngineDeps,
  pending: readonly Queued[],
  first: Known,
): Promise<{ settled: BatchItemResult[]; known: Known }> {
  let known = first;
  let maxEvents = Number.POSITIVE_INFINITY;
  for (let attempt = 1; ; attempt++) {
    const chunk = buildChunk(deps, pending, known, maxEvents);
    if (chunk.firstSaved === undefined) return { settled: chunk.settled, known };
    const before = chunk.settled.slice(0, chunk.firstSaved);
    try {
      await Promise.all([...chunk.schedule.values()].map((timer) => deps.scheduler.schedule(timer)));
      await deps.store.save(chunk.record!, chunk.receipts, chunk.archived);
    } catch (error) {
      const retry = error instanceof ConcurrentUpdateError || error instanceof DuplicateEventError;
      if (retry && attempt < MAX_CONCURRENT_RETRIES) {
        known = await readKnown(deps, pending[0]!.event.customerId, pending).catch((cause: unknown) => {
          throw new ChunkFailed(before, cause);
        });
        continue;
      }
      // The store's own size limit, past the engine's check: the events are saved one by one, and the one that does not fit refused.
      if (error instanceof RecordTooLargeError && chunk.receipts.length > 1 && attempt < MAX_CONCURRENT_RETRIES) {
        maxEvents = 1;
        continue;
      }
      if (error instanceof RecordTooLargeError && chunk.receipts.length === 1) {
        const { index, eventId } = chunk.settled[chunk.firstSaved]!;
        return { settled: [...before, { index, ...(eventId ? { eventId } : {}), status: 'rejected', errors: error.details }], known };
      }
      throw new ChunkFailed(before, error);
    }
    await cancelTimers(deps, [...chunk.cancel]);
    // Event ids are logged hashed: some upstream systems build them from phone numbers (docs/operations.md says how to match them).
    for (const { event, scheduled, cancelled } of chunk.logs)
      deps.logger.info('event ingested', { eventRef: eventRef(deps, event.eventId), type: event.type, scheduled, cancelled });
    return { settled: chunk.settled, known: { record: { ...chunk.record!, version: chunk.record!.version + 1 }, seen: known.seen } };
  }
}

/**
 * Step 2: applies the pending events in order to the known record, until the transaction would
 * pass its limit, at most `maxEvents` with receipts. Also ends before an event whose timers would
 * undo a cancel of the chunk (timers are made before the save and cancelled after it, so a chunk
 * cannot cancel a name then make it again), and before an event whose rules throw (that event
 * then starts the next chunk, alone, and fails there).
 */
function buildChunk(deps: EngineDeps, pending: readonly Queued[], known: Known, maxEvents: number): Chunk {
  const chunk: Chunk = {
    record: known.record,
    settled: [],
    receipts: [],
    archived: [],
    schedule: new Map(),
    cancel: new Set(),
    firstSaved: undefined,
    logs: [],
  };
  const nowMs = deps.clock.now();
  const receivedAt = new Date(nowMs).toISOString();
  const inChunk = new Set<string>();
  for (const { index, event } of pending) {
    const { eventId } = event;
    if (known.seen.has(eventId) || inChunk.has(eventId)) {
      chunk.settled.push({ index, eventId, status: 'duplicate' });
      continue;
    }
    const full = chunk.receipts.length > 0;
    if (full && chunk.receipts.length >= maxEvents) break;
    const change = tryChange(deps, event, chunk.record, full);
    if (change === 'stop') break;
    if (!change) {
      chunk.settled.push({ index, eventId, status: 'accepted' });
      continue;
    }
    if (full && change.effects.schedule.some((timer) => chunk.cancel.has(timer.name))) break;
    const archived = archiveFinished(change.record, nowMs, deps.policies, deps.idHashKey);
    const fits = recordFits(change.record);
    if (fits !== true) {
      chunk.settled.push({ index, eventId, status: 'rejected', errors: fits.details });
      continue;
    }
    if (chunk.receipts.length + 1 + chunk.archived.length + archived.length > MAX_RECEIPTS_AND_ARCHIVED_PER_SAVE) break;
    adopt(chunk, change, archived);
    chunk.receipts.push({ eventId, type: event.type, receivedAt });
    chunk.logs.push({ event, scheduled: change.effects.schedule.length, cancelled: change.effects.cancel.length });
    chunk.firstSaved ??= chunk.settled.length;
    chunk.settled.push({ index, eventId, status: 'accepted' });
    inChunk.add(eventId);
  }
  return chunk;
}

/** The event's change, or `stop` when its rules throw after others of the chunk (it then starts the next chunk). */
function tryChange(
  deps: EngineDeps,
  event: WinbackEvent,
  record: CustomerRecord | undefined,
  others: boolean,
): Change | undefined | 'stop' {
  try {
    return eventChange(deps, event, record);
  } catch (error) {
    if (others) return 'stop';
    throw error;
  }
}

/** True, or the refusal of a record that would still be too large once finished journeys moved out. */
function recordFits(record: CustomerRecord): true | RecordTooLargeError {
  try {
    assertRecordFits(record);
    return true;
  } catch (error) {
    if (error instanceof RecordTooLargeError) return error;
    throw error;
  }
}

/** Takes an event's change into the chunk: its record, the journeys it moved out, its timers (the last word on a name wins). */
function adopt(chunk: Chunk, change: Change, archived: readonly ArchivedJourney[]): void {
  chunk.record = change.record;
  chunk.archived.push(...archived);
  for (const timer of change.effects.schedule) chunk.schedule.set(timer.name, timer);
  for (const name of change.effects.cancel) {
    chunk.schedule.delete(name);
    chunk.cancel.add(name);
  }
}
