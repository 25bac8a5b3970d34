import type { CustomerRecord } from '#shared/domain/journey/record';
import type { ArchivedJourney, ErasedJourney } from '#shared/domain/erasure';

/** What is kept of a processed event: enough to answer a replay, nothing personal. */
export interface EventReceipt {
  eventId: string;
  type: string;
  receivedAt: string;
}

/**
 * The most receipts and archived journeys one `save` may carry together. DynamoDB writes them in one
 * transaction with the customer item and up to two phone lookup items, and a transaction holds at
 * most 100 items; every store refuses more, so a caller meets the limit everywhere alike.
 */
export const MAX_RECEIPTS_AND_ARCHIVED_PER_SAVE = 96;

/**
 * The receipts of a `save` as a list (one, several or none), checked against the contract: at most
 * {@link MAX_RECEIPTS_AND_ARCHIVED_PER_SAVE} with the archived journeys, and no event twice.
 * @throws RangeError otherwise, before anything is written
 */
export function receiptsOfSave(
  receipts: EventReceipt | readonly EventReceipt[] | undefined,
  archived: readonly ArchivedJourney[],
): readonly EventReceipt[] {
  const list: readonly EventReceipt[] = receipts === undefined ? [] : 'eventId' in receipts ? [receipts] : receipts;
  if (list.length + archived.length > MAX_RECEIPTS_AND_ARCHIVED_PER_SAVE)
    throw new RangeError(
      `a save holds at most ${MAX_RECEIPTS_AND_ARCHIVED_PER_SAVE} receipts and archived journeys, not ${list.length} and ${archived.length}`,
    );
  if (new Set(list.map((receipt) => receipt.eventId)).size !== list.length) throw new RangeError('a save holds one receipt per event');
  return list;
}

/** One stored item met by a scan: a customer record, a journey kept after erasure, or a finished journey moved out of its record. */
export type StoredJourneys =
  | { kind: 'customer'; record: CustomerRecord }
  | { kind: 'erased'; journey: ErasedJourney }
  | { kind: 'archived'; journey: ArchivedJourney };

/**
 * Durable home of customer records and processed event ids.
 *
 * Every write is conditional: `save` refuses a record whose version moved since it was read
 * (`ConcurrentUpdateError`), and refuses an event id already recorded (`DuplicateEventError`),
 * atomically with the record, so an event is applied exactly once.
 */
export interface CustomerStore {
  get(customerId: string): Promise<CustomerRecord | undefined>;
  /**
   * The customer whose record holds this E.164 phone number (`profile.contacts.phone`), kept in
   * step by `save` and removed by `erase`; for inbound SMS, which name only the sender's number.
   * When several customers share a number, the one saved last with it.
   */
  customerIdByPhone(phone: string): Promise<string | undefined>;
  hasEvent(eventId: string): Promise<boolean>;
  /**
   * Which of these events have a receipt (the ids found, as given): `hasEvent` for many at once,
   * in as few reads as the store can (DynamoDB: BatchGetItem, 100 keys a call, side by side).
   */
  hasEvents(eventIds: readonly string[]): Promise<Set<string>>;
  /**
   * The customers whose latest retention task is the team's, by the task's due date (earliest
   * first), at most `limit`. An index kept in step by `save` (eventually consistent in DynamoDB:
   * a task saved a moment ago may be missing), removed by `erase`.
   */
  withTasksFor(team: string, limit: number): Promise<CustomerRecord[]>;
  /**
   * Saves `record` if the stored version is still `record.version` (0 = not stored yet), storing
   * it with version + 1, together with the event receipts given (one, or the several events the
   * record now holds: a batch's events of one customer) and the journeys moved out of the record
   * (`archived`, kept by customer hash and journey id: writing one again replaces it), all or
   * nothing: a receipt is never stored without the record that holds its event, nor the record
   * without its receipts. At most {@link MAX_RECEIPTS_AND_ARCHIVED_PER_SAVE} receipts and archived
   * journeys together, one receipt per event.
   * @throws ConcurrentUpdateError when the stored version moved
   * @throws DuplicateEventError when any receipt's event id is already recorded
   * @throws RecordTooLargeError when the store cannot hold the record
   * @throws RangeError when the receipts and archived journeys pass the limit, or an event repeats
   */
  save(record: CustomerRecord, receipts?: EventReceipt | readonly EventReceipt[], archived?: readonly ArchivedJourney[]): Promise<void>;
  /**
   * Deletes the customer's record (if still at `expectedVersion`) and keeps only pseudonymous
   * journey facts, in one transaction when they fit (up to 99 journeys); beyond that the facts
   * are written first (idempotent puts) and the record deleted after, conditionally, so a failure
   * in between leaves the record in place and a retry completes it.
   * Event receipts stay (they hold no personal data), so a replayed churn cannot bring an erased
   * customer back; they expire after the store's retention (400 days by default), after which a
   * replay would be applied again.
   */
  erase(customerId: string, expectedVersion: number, facts: ErasedJourney[]): Promise<void>;
  /**
   * Streams every customer record and erased journey in one of `totalSegments` disjoint parts
   * (DynamoDB parallel scan), page by page: a caller never holds more than a page, and parts can
   * be read side by side or by separate processes.
   */
  scan(segment: number, totalSegments: number): AsyncIterable<StoredJourneys>;
}
