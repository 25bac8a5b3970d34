import { createHmac } from 'node:crypto';
import type { Transaction } from 'better-sqlite3';
import { latestTask, type CustomerRecord } from '#shared/domain/journey/record';
import type { ArchivedJourney, ErasedJourney } from '#shared/domain/erasure';
import { ConcurrentUpdateError, DuplicateEventError } from '#shared/domain/errors';
import { receiptIdOf } from '#shared/domain/pseudonyms';
import { type CustomerStore, type EventReceipt, receiptsOfSave, type StoredJourneys } from '#shared/ports/customer-store';
import type { SqliteDatabase } from './sqlite-database.ts';

/** Options of {@link SqliteCustomerStore}. */
export interface SqliteCustomerStoreOptions {
  /** Opened with `openSqliteDatabase`; the store creates its tables in it if they are missing. */
  readonly database: SqliteDatabase;
  /**
   * Key of the HMAC-SHA256 that turns a phone number into its lookup key, as in the DynamoDB
   * store: the lookup table holds no number in clear (`deriveKey(masterKey, 'phone-lookup')`).
   */
  readonly phoneHashKey: string;
  /**
   * Key of the HMAC-SHA256 that event receipts are kept under, as in the DynamoDB store
   * (`deriveKey(masterKey, 'event-receipt')`): no event id stays after an erasure. Receipts kept
   * before it was set (raw ids) are still found. Without it, receipts keep the raw event id.
   * @default none: raw event ids
   */
  readonly eventHashKey?: string;
}

/** Rows a scan reads at a time: a caller never holds more than one page. */
const SCAN_PAGE_ROWS = 200;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS customers (
  id INTEGER PRIMARY KEY,
  customer_id TEXT NOT NULL UNIQUE,
  version INTEGER NOT NULL,
  record TEXT NOT NULL,
  phone_key TEXT,
  task_team TEXT,
  task_due TEXT
);
CREATE INDEX IF NOT EXISTS customers_tasks ON customers (task_team, task_due) WHERE task_team IS NOT NULL;
CREATE TABLE IF NOT EXISTS event_receipts (
  event_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  received_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS phone_lookups (
  id INTEGER PRIMARY KEY,
  phone_key TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  UNIQUE (phone_key, customer_id)
);
CREATE TABLE IF NOT EXISTS archived_journeys (
  id INTEGER PRIMARY KEY,
  customer_hash TEXT NOT NULL,
  journey_id TEXT NOT NULL,
  facts TEXT NOT NULL,
  UNIQUE (customer_hash, journey_id)
);
CREATE TABLE IF NOT EXISTS erased_journeys (
  id INTEGER PRIMARY KEY,
  customer_hash TEXT NOT NULL,
  journey_id TEXT NOT NULL,
  facts TEXT NOT NULL,
  UNIQUE (customer_hash, journey_id)
);
`;

interface CustomerRow {
  version: number;
  record: string;
}

interface StoredState {
  version: number;
  phone_key: string | null;
}

/**
 * {@link CustomerStore} in an embedded SQLite database (better-sqlite3), for the local runner and
 * the simulator: the same semantics as the DynamoDB store, checked by one contract test suite.
 *
 * | table | row | why |
 * | --- | --- | --- |
 * | `customers` | one per customer: `version`, `record` (JSON, without its version), `phone_key`, `task_team`, `task_due` | every change is one conditional write on `version` |
 * | `event_receipts` | one per processed event, by the keyed hash of its id (`receiptIdOf`): `type`, `received_at` | written in the transaction of the save it belongs to |
 * | `phone_lookups` | one per phone key and customer | the number's keyed hash only; the newest row (highest `id`) is the one linked last |
 * | `erased_journeys` | one per journey kept after erasure: `facts` (JSON) | keyed by the pseudonymous hash only |
 * | `archived_journeys` | one per finished journey moved out of its record: `facts` (JSON) | keeps records bounded, as in DynamoDB |
 *
 * Each `save` and `erase` is one `BEGIN IMMEDIATE` transaction: the checks (receipt new, version
 * unchanged) and the writes commit together, also against another process on the same file.
 * Calls are synchronous inside (better-sqlite3), so a lost answer cannot happen and the DynamoDB
 * store's `writeId` check has no counterpart here. Receipts are kept for good (DynamoDB expires
 * them after its retention): a local database stays small. A scan splits rows by their `id` modulo
 * the number of segments, which is disjoint and stable while rows are written (an update keeps
 * its `id`).
 */
export class SqliteCustomerStore implements CustomerStore {
  private readonly db: SqliteDatabase;
  private readonly phoneHashKey: string;
  private readonly eventHashKey: string | undefined;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly saveTransaction: Transaction<
    (record: CustomerRecord, receipts: readonly EventReceipt[], archived: readonly ArchivedJourney[]) => void
  >;
  private readonly eraseTransaction: Transaction<(customerId: string, expectedVersion: number, facts: ErasedJourney[]) => void>;

  constructor(options: SqliteCustomerStoreOptions) {
    if (!options.phoneHashKey) throw new Error('phoneHashKey must not be empty');
    this.db = options.database;
    this.phoneHashKey = options.phoneHashKey;
    if (options.eventHashKey === '') throw new Error('eventHashKey must not be empty');
    this.eventHashKey = options.eventHashKey;
    this.db.exec(SCHEMA);
    this.statements = prepareStatements(this.db);
    this.saveTransaction = this.db.transaction(
      (record: CustomerRecord, receipts: readonly EventReceipt[], archived: readonly ArchivedJourney[]) =>
        this.write(record, receipts, archived),
    );
    this.eraseTransaction = this.db.transaction((customerId: string, expectedVersion: number, facts: ErasedJourney[]) =>
      this.remove(customerId, expectedVersion, facts),
    );
  }

  async get(customerId: string): Promise<CustomerRecord | undefined> {
    const row = this.statements.getCustomer.get(customerId) as CustomerRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  async customerIdByPhone(phone: string): Promise<string | undefined> {
    const row = this.statements.latestByPhone.get(this.phoneKey(phone)) as { customer_id: string } | undefined;
    return row?.customer_id;
  }

  async hasEvent(eventId: string): Promise<boolean> {
    return this.hasReceipt(eventId);
  }

  /** A receipt under the keyed hash of the id, or under the raw id as receipts were kept before they were keyed. */
  private hasReceipt(eventId: string): boolean {
    const { hasReceipt } = this.statements;
    return hasReceipt.get(receiptIdOf(this.eventHashKey, eventId)) !== undefined || hasReceipt.get(eventId) !== undefined;
  }

  async withTasksFor(team: string, limit: number): Promise<CustomerRecord[]> {
    return (this.statements.tasksOf.all(team, limit) as CustomerRow[]).map(toRecord);
  }

  async hasEvents(eventIds: readonly string[]): Promise<Set<string>> {
    return new Set(eventIds.filter((eventId) => this.hasReceipt(eventId)));
  }

  async save(
    record: CustomerRecord,
    receipts?: EventReceipt | readonly EventReceipt[],
    archived: readonly ArchivedJourney[] = [],
  ): Promise<void> {
    this.saveTransaction.immediate(record, receiptsOfSave(receipts, archived), archived);
  }

  async erase(customerId: string, expectedVersion: number, facts: ErasedJourney[]): Promise<void> {
    this.eraseTransaction.immediate(customerId, expectedVersion, facts);
  }

  /** Customer rows, then erased journeys, whose `id` modulo `totalSegments` is `segment`, a page at a time. */
  async *scan(segment: number, totalSegments: number): AsyncIterable<StoredJourneys> {
    if (!(Number.isInteger(totalSegments) && totalSegments > 0 && Number.isInteger(segment) && segment >= 0 && segment < totalSegments))
      throw new RangeError(`segment ${segment} of ${totalSegments} does not exist`);
    for (let after = 0; ; ) {
      const rows = this.statements.scanCustomers.all(after, totalSegments, segment, SCAN_PAGE_ROWS) as Array<CustomerRow & { id: number }>;
      for (const row of rows) yield { kind: 'customer', record: toRecord(row) };
      if (rows.length < SCAN_PAGE_ROWS) break;
      after = rows.at(-1)!.id;
    }
    for (let after = 0; ; ) {
      const rows = this.statements.scanErased.all(after, totalSegments, segment, SCAN_PAGE_ROWS) as Array<{ id: number; facts: string }>;
      for (const row of rows) yield { kind: 'erased', journey: JSON.parse(row.facts) as ErasedJourney };
      if (rows.length < SCAN_PAGE_ROWS) break;
      after = rows.at(-1)!.id;
    }
    for (let after = 0; ; ) {
      const rows = this.statements.scanArchived.all(after, totalSegments, segment, SCAN_PAGE_ROWS) as Array<{ id: number; facts: string }>;
      for (const row of rows) yield { kind: 'archived', journey: JSON.parse(row.facts) as ArchivedJourney };
      if (rows.length < SCAN_PAGE_ROWS) break;
      after = rows.at(-1)!.id;
    }
  }

  /** The body of `save`, inside its transaction: a replay wins over a concurrent change, as in DynamoDB. */
  private write(record: CustomerRecord, receipts: readonly EventReceipt[], archived: readonly ArchivedJourney[]): void {
    const { statements } = this;
    const replay = receipts.find((receipt) => this.hasReceipt(receipt.eventId));
    if (replay) throw new DuplicateEventError(`a ${replay.type} event was already processed`);
    const stored = statements.storedState.get(record.customerId) as StoredState | undefined;
    if ((stored?.version ?? 0) !== record.version) throw staleVersion(record.version);

    const { version, ...rest } = record;
    const phone = record.profile?.contacts.phone;
    const phoneKey = phone ? this.phoneKey(phone) : null;
    const task = latestTask(record)?.task;
    const row = {
      customerId: record.customerId,
      version: version + 1,
      record: JSON.stringify(rest),
      phoneKey,
      taskTeam: task?.team ?? null,
      taskDue: task ? `${task.dueAt}#${record.customerId}` : null,
    };
    if (stored) statements.updateCustomer.run(row);
    else statements.insertCustomer.run(row);
    // The lookup row is rewritten only when the number changes, so its `id` says when it was linked.
    const oldPhoneKey = stored?.phone_key ?? null;
    if (oldPhoneKey !== phoneKey) {
      if (oldPhoneKey) statements.unlinkPhone.run(oldPhoneKey, record.customerId);
      if (phoneKey) statements.linkPhone.run(phoneKey, record.customerId);
    }
    for (const receipt of receipts)
      statements.insertReceipt.run(receiptIdOf(this.eventHashKey, receipt.eventId), receipt.type, receipt.receivedAt);
    for (const journey of archived) statements.upsertArchived.run(journey.customerHash, journey.journeyId, JSON.stringify(journey));
  }

  /** The body of `erase`, inside its transaction: the record and its phone lookup go, the facts stay. */
  private remove(customerId: string, expectedVersion: number, facts: ErasedJourney[]): void {
    const { statements } = this;
    const stored = statements.storedState.get(customerId) as StoredState | undefined;
    // A missing record is not at any version, as a DynamoDB condition on a missing item fails.
    if (stored?.version !== expectedVersion) throw staleVersion(expectedVersion);
    statements.unlinkCustomer.run(customerId);
    statements.deleteCustomer.run(customerId);
    for (const journey of facts) statements.upsertErased.run(journey.customerHash, journey.journeyId, JSON.stringify(journey));
  }

  /** The lookup key of a phone number: a keyed hash, as in the DynamoDB store. */
  private phoneKey(phone: string): string {
    return createHmac('sha256', this.phoneHashKey).update(phone.trim()).digest('hex');
  }
}

function prepareStatements(db: SqliteDatabase) {
  return {
    getCustomer: db.prepare('SELECT version, record FROM customers WHERE customer_id = ?'),
    storedState: db.prepare('SELECT version, phone_key FROM customers WHERE customer_id = ?'),
    insertCustomer: db.prepare(
      `INSERT INTO customers (customer_id, version, record, phone_key, task_team, task_due)
       VALUES (@customerId, @version, @record, @phoneKey, @taskTeam, @taskDue)`,
    ),
    updateCustomer: db.prepare(
      `UPDATE customers SET version = @version, record = @record, phone_key = @phoneKey, task_team = @taskTeam, task_due = @taskDue
       WHERE customer_id = @customerId`,
    ),
    deleteCustomer: db.prepare('DELETE FROM customers WHERE customer_id = ?'),
    hasReceipt: db.prepare('SELECT 1 FROM event_receipts WHERE event_id = ?'),
    insertReceipt: db.prepare('INSERT INTO event_receipts (event_id, type, received_at) VALUES (?, ?, ?)'),
    latestByPhone: db.prepare('SELECT customer_id FROM phone_lookups WHERE phone_key = ? ORDER BY id DESC LIMIT 1'),
    linkPhone: db.prepare('INSERT OR IGNORE INTO phone_lookups (phone_key, customer_id) VALUES (?, ?)'),
    unlinkPhone: db.prepare('DELETE FROM phone_lookups WHERE phone_key = ? AND customer_id = ?'),
    unlinkCustomer: db.prepare('DELETE FROM phone_lookups WHERE customer_id = ?'),
    tasksOf: db.prepare('SELECT version, record FROM customers WHERE task_team = ? ORDER BY task_due LIMIT ?'),
    upsertErased: db.prepare(
      `INSERT INTO erased_journeys (customer_hash, journey_id, facts) VALUES (?, ?, ?)
       ON CONFLICT (customer_hash, journey_id) DO UPDATE SET facts = excluded.facts`,
    ),
    scanCustomers: db.prepare('SELECT id, version, record FROM customers WHERE id > ? AND id % ? = ? ORDER BY id LIMIT ?'),
    upsertArchived: db.prepare(
      `INSERT INTO archived_journeys (customer_hash, journey_id, facts) VALUES (?, ?, ?)
       ON CONFLICT (customer_hash, journey_id) DO UPDATE SET facts = excluded.facts`,
    ),
    scanArchived: db.prepare('SELECT id, facts FROM archived_journeys WHERE id > ? AND id % ? = ? ORDER BY id LIMIT ?'),
    scanErased: db.prepare('SELECT id, facts FROM erased_journeys WHERE id > ? AND id % ? = ? ORDER BY id LIMIT ?'),
  };
}

function toRecord(row: CustomerRow): CustomerRecord {
  return { ...(JSON.parse(row.record) as Omit<CustomerRecord, 'version'>), version: row.version };
}

// The message names no customer: customer ids are often phone numbers, and errors get logged.
function staleVersion(expectedVersion: number): ConcurrentUpdateError {
  return new ConcurrentUpdateError(`the customer record is no longer at version ${expectedVersion}`);
}
