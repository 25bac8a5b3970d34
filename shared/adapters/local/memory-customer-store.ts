import { latestTask, type CustomerRecord } from '#shared/domain/journey/record';
import type { ArchivedJourney, ErasedJourney } from '#shared/domain/erasure';
import { ConcurrentUpdateError, DuplicateEventError } from '#shared/domain/errors';
import { type CustomerStore, type EventReceipt, receiptsOfSave, type StoredJourneys } from '#shared/ports/customer-store';
import { unitHash } from '#shared/domain/hash';

/**
 * A `CustomerStore` held in process memory, for unit tests and the local runner's fast tests.
 *
 * It keeps the port's contract to the letter, so a use case that passes against it behaves the
 * same against DynamoDB:
 * - `save` is conditional on the version the caller read (`ConcurrentUpdateError` otherwise) and
 *   on the event receipt being new (`DuplicateEventError`). When both fail, the duplicate wins:
 *   a replay is a success that changes nothing, and the caller must not retry it as a conflict.
 * - Records are deep-copied on the way in and out (`structuredClone`), like a round trip through
 *   a real database: a caller mutating what it read or saved cannot change what is stored.
 * - `erase` drops the record but keeps the event receipts (so a replay of an old event after
 *   erasure stays a duplicate and cannot bring the personal data back) and the pseudonymous
 *   journey facts, readable through `erasedFacts`.
 *
 * Every method is synchronous inside: in one Node.js process, each call is atomic.
 *
 * With `{ copies: 'frozen' }` (the simulator) a record is deeply frozen when saved and handed out
 * as it is, without a copy: for a caller that never changes what it reads, as the engine does not
 * (the domain's functions copy a record before they change it). Copying every read and write was
 * most of a simulated customer's CPU; a caller that did change a frozen record would fail loudly
 * (a TypeError in strict mode), never change what is stored.
 */
export class InMemoryCustomerStore implements CustomerStore {
  private readonly records = new Map<string, CustomerRecord>();
  private readonly receipts = new Map<string, EventReceipt>();
  /** Erased journey facts by journey id: erasing the same journey twice keeps one copy. */
  private readonly facts = new Map<string, ErasedJourney>();
  /** Finished journeys moved out of their records, by customer hash and journey id. */
  private readonly archived = new Map<string, ArchivedJourney>();
  /** Phone → customer ids holding it, the last saved last (mirrors the DynamoDB store's lookup items). */
  private readonly phones = new Map<string, string[]>();
  /** How a record goes in and out: a deep copy each way, or frozen once and shared. */
  private readonly copy: <T>(value: T) => T;
  /** What is stored of a record (or receipt) saved: the caller's object is never kept as it is. */
  private readonly store: <T extends object>(value: T) => T;

  constructor(options: { copies?: 'deep' | 'frozen' } = {}) {
    const frozen = options.copies === 'frozen';
    this.copy = frozen ? (value) => value : (value) => structuredClone(value);
    this.store = frozen ? (value) => deepFreeze(value) : (value) => structuredClone(value);
  }

  async get(customerId: string): Promise<CustomerRecord | undefined> {
    const stored = this.records.get(customerId);
    return stored ? this.copy(stored) : undefined;
  }

  async customerIdByPhone(phone: string): Promise<string | undefined> {
    return this.phones.get(phone)?.at(-1);
  }

  async withTasksFor(team: string, limit: number): Promise<CustomerRecord[]> {
    const due = (record: CustomerRecord) => `${latestTask(record)!.task.dueAt}#${record.customerId}`;
    return [...this.records.values()]
      .filter((record) => latestTask(record)?.task.team === team)
      .sort((a, b) => (due(a) < due(b) ? -1 : due(a) > due(b) ? 1 : 0))
      .slice(0, limit)
      .map((record) => this.copy(record));
  }

  async hasEvent(eventId: string): Promise<boolean> {
    return this.receipts.has(eventId);
  }

  async hasEvents(eventIds: readonly string[]): Promise<Set<string>> {
    return new Set(eventIds.filter((eventId) => this.receipts.has(eventId)));
  }

  async save(
    record: CustomerRecord,
    receipts?: EventReceipt | readonly EventReceipt[],
    archived: readonly ArchivedJourney[] = [],
  ): Promise<void> {
    const list = receiptsOfSave(receipts, archived);
    const replay = list.find((receipt) => this.receipts.has(receipt.eventId));
    if (replay) throw new DuplicateEventError(`event ${replay.eventId} was already recorded`);
    const storedVersion = this.records.get(record.customerId)?.version ?? 0;
    if (storedVersion !== record.version) {
      throw new ConcurrentUpdateError(`customer ${record.customerId} is at version ${storedVersion}, not ${record.version}`);
    }
    this.unlinkPhone(record.customerId);
    // A copy of the record's top level with the next version (Object.assign: a spread is slower on Node 20).
    this.records.set(record.customerId, this.store(Object.assign({}, record, { version: record.version + 1 })));
    const phone = record.profile?.contacts.phone;
    if (phone) this.phones.set(phone, [...(this.phones.get(phone) ?? []), record.customerId]);
    for (const receipt of list) this.receipts.set(receipt.eventId, this.store(Object.assign({}, receipt)));
    for (const journey of archived) this.archived.set(`${journey.customerHash}#${journey.journeyId}`, structuredClone(journey));
  }

  async erase(customerId: string, expectedVersion: number, facts: ErasedJourney[]): Promise<void> {
    const storedVersion = this.records.get(customerId)?.version ?? 0;
    if (storedVersion !== expectedVersion) {
      throw new ConcurrentUpdateError(`customer ${customerId} is at version ${storedVersion}, not ${expectedVersion}`);
    }
    this.unlinkPhone(customerId);
    this.records.delete(customerId);
    for (const fact of facts) this.facts.set(fact.journeyId, structuredClone(fact));
  }

  private unlinkPhone(customerId: string): void {
    const phone = this.records.get(customerId)?.profile?.contacts.phone;
    if (!phone) return;
    const holders = (this.phones.get(phone) ?? []).filter((id) => id !== customerId);
    if (holders.length > 0) this.phones.set(phone, holders);
    else this.phones.delete(phone);
  }

  /** The pseudonymous journey facts kept by erasures, by journey id (copies: reading cannot change them). */
  get erasedFacts(): ReadonlyMap<string, ErasedJourney> {
    return structuredClone(this.facts);
  }

  /** The receipt of a processed event (a copy), for assertions on what a replay is answered with. */
  receipt(eventId: string): EventReceipt | undefined {
    const receipt = this.receipts.get(eventId);
    return receipt ? structuredClone(receipt) : undefined;
  }

  /** Ids of every customer with a stored record. */
  customerIds(): string[] {
    return [...this.records.keys()];
  }

  /** Items split into segments by a hash of their key, like DynamoDB's parallel scan. */
  async *scan(segment: number, totalSegments: number): AsyncIterable<StoredJourneys> {
    const inSegment = (key: string) => Math.floor(unitHash('segment', key) * totalSegments) === segment;
    for (const [customerId, record] of [...this.records])
      if (inSegment(`C${customerId}`)) yield { kind: 'customer', record: structuredClone(record) };
    for (const [journeyId, journey] of [...this.facts])
      if (inSegment(`E${journeyId}`)) yield { kind: 'erased', journey: structuredClone(journey) };
    for (const [key, journey] of [...this.archived])
      if (inSegment(`A${key}`)) yield { kind: 'archived', journey: structuredClone(journey) };
  }
}

/**
 * Freezes an object and everything it holds, but what is frozen already (shared with a record
 * stored before). for…in, not Object.values: no array per object (a record's objects are plain).
 */
function deepFreeze<T extends object>(value: T): T {
  if (Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const inner of value) if (typeof inner === 'object' && inner !== null) deepFreeze(inner);
    return value;
  }
  for (const key in value) {
    const inner = value[key];
    if (typeof inner === 'object' && inner !== null) deepFreeze(inner);
  }
  return value;
}
