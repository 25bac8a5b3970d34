import { createHmac, randomUUID } from 'node:crypto';
import type { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
  QueryCommand,
  TransactWriteCommand,
  type DeleteCommandInput,
  type PutCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { latestTask, type CustomerRecord, upgradeRecord } from '#shared/domain/journey/record';
import type { ErasedJourney } from '#shared/domain/erasure';
import { ConcurrentUpdateError, DuplicateEventError } from '#shared/domain/errors';
import type { CustomerStore, EventReceipt, StoredJourneys } from '#shared/ports/customer-store';
import { WINBACK_TABLE } from './dynamodb-table.ts';

/** Options of {@link DynamoDbCustomerStore}. */
export interface DynamoDbCustomerStoreOptions {
  /** Created once per process with {@link createDocumentClient}. */
  readonly client: DynamoDBDocumentClient;
  /** The single Winback table (see `dynamodb-table.ts`). */
  readonly tableName: string;
  /**
   * How long an event id is remembered as processed. A replay older than this is applied again,
   * so keep it longer than any upstream system would redeliver.
   * @default 400
   */
  readonly eventRetentionDays?: number;
  /**
   * Key of the HMAC-SHA256 that turns a phone number into its lookup key, so the table holds no
   * phone number in clear outside the customer item (and erasure leaves none behind). Derive it
   * from the deployment's master key (`deriveKey(masterKey, 'phone-lookup')`); changing it
   * orphans every lookup until each customer is saved again.
   */
  readonly phoneHashKey: string;
}

/**
 * The DocumentClient the store expects: `undefined` optional fields are dropped (records carry
 * them), and class instances are refused rather than silently flattened, since records are
 * plain JSON-shaped data.
 */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export const DEFAULT_EVENT_RETENTION_DAYS = 400;
/** DynamoDB's cap on the items of one TransactWriteItems call. */
const MAX_TRANSACTION_ITEMS = 100;
const DAY_SECONDS = 86_400;
/** Customers whose stored phone key {@link DynamoDbCustomerStore} remembers, most recent first out last. */
const MAX_KNOWN_PHONE_KEYS = 1_000;

export const customerKey = (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'RECORD' });
export const receiptKey = (eventId: string) => ({ pk: `EVENT#${eventId}`, sk: 'RECEIPT' });
export const erasedJourneyKey = (customerHash: string, journeyId: string) => ({ pk: `ERASED#${customerHash}`, sk: `JOURNEY#${journeyId}` });
export const phoneLookupKey = (phoneKey: string, customerId: string) => ({ pk: `PHONE#${phoneKey}`, sk: `CUSTOMER#${customerId}` });

interface CustomerItem {
  pk: string;
  sk: string;
  version: number;
  record: Omit<CustomerRecord, 'version'>;
  /** The lookup key of the record's phone number, if it has one: says which lookup item to replace or delete. */
  phoneKey?: string;
  /** Keys of the sparse task index, when the latest journey was escalated. */
  taskTeam?: string;
  taskDueAt?: string;
  /** A fresh id per `save`, so a save can recognise its own write when the answer to it was lost. */
  writeId: string;
}

/**
 * {@link CustomerStore} on one DynamoDB table (`pk`/`sk`, TTL on `expiresAt`).
 *
 * Item layout:
 *
 * | item | pk | sk | attributes |
 * | --- | --- | --- | --- |
 * | customer | `CUSTOMER#<customerId>` | `RECORD` | `version` (number), `record` (map: the record without its version) |
 * | event receipt | `EVENT#<eventId>` | `RECEIPT` | `eventId`, `type`, `receivedAt`, `expiresAt` (epoch s, TTL) |
 * | erased journey | `ERASED#<customerHash>` | `JOURNEY#<journeyId>` | `facts` (the `ErasedJourney`) |
 * | phone lookup | `PHONE#<HMAC-SHA256 of the E.164 phone>` | `CUSTOMER#<customerId>` | `customerId`, `linkedAt` (epoch ms) |
 *
 * Index `tasks` (sparse, all attributes): a customer item whose latest journey has a retention
 * task carries `taskTeam` and `taskDueAt` (`<due ISO>#<customerId>`), so a team's tasks are one
 * query by due date, and an erased customer leaves the index with its item.
 *
 * Why this shape:
 * - One item per customer: every change to a customer is one conditional write on `version`,
 *   so optimistic concurrency needs no locks and no multi-item reads. The aggregate is bounded
 *   (`HISTORY_LIMIT`) to stay well under the 400 KB item limit.
 * - `version` sits at the top level, outside `record`, so the condition reads one number and
 *   the record map can change shape without touching the condition.
 * - The event receipt is written in the same transaction as the customer item, each with its
 *   own condition: the event is applied exactly once, and a replay is told apart from a
 *   concurrent change (the receipt's condition is checked first and wins).
 * - Receipts expire by TTL, so the table does not grow with every event forever.
 * - Erased journeys are keyed by the keyed hash only; they hold no contact data, and the
 *   customer item (the only item with personal data) is deleted in the same transaction.
 * - Phone lookups (for inbound SMS, which carry only the sender's number) hold a keyed hash, never
 *   the number. One item per phone *and* customer, so a customer adds and removes only its own
 *   item, unconditionally, inside the transaction that writes or deletes the customer: two
 *   customers sharing a number never undo each other's lookup. The customer item remembers its
 *   `phoneKey`, so `save` rewrites the lookup only when the number changes (a transaction instead
 *   of a single put then). `save` knows the stored `phoneKey` from the `get` that read the version
 *   it updates (callers always read before they write), so no extra read is paid; only a save
 *   without that read in this process (another container's, or an evicted one) reads it first.
 * - Every save writes a fresh `writeId` into the customer item, which makes a lost answer harmless:
 *   the write happened, the answer did not arrive, and the SDK's retry then fails its condition
 *   (the item is already at the next version). The failed condition returns the item
 *   (`ReturnValuesOnConditionCheckFailure`), and when it carries this save's `writeId` the save
 *   succeeded. When the SDK gives up without a definite answer (throttled, 5xx, timeouts), one
 *   consistent read of the item settles it the same way. Without this a claimed touch whose claim
 *   answer was lost would look claimed by someone else, and never be sent.
 */
export class DynamoDbCustomerStore implements CustomerStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly eventRetentionSeconds: number;
  private readonly phoneHashKey: string;
  /** The `phoneKey` of each customer item this process last read or wrote, with its version. */
  private readonly knownPhoneKeys = new Map<string, { version: number; phoneKey: string | undefined }>();

  constructor(options: DynamoDbCustomerStoreOptions) {
    const days = options.eventRetentionDays ?? DEFAULT_EVENT_RETENTION_DAYS;
    if (!(days > 0)) throw new Error(`eventRetentionDays must be positive, got ${days}`);
    this.client = options.client;
    this.tableName = options.tableName;
    this.eventRetentionSeconds = Math.round(days * DAY_SECONDS);
    if (!options.phoneHashKey) throw new Error('phoneHashKey must not be empty');
    this.phoneHashKey = options.phoneHashKey;
  }

  async get(customerId: string): Promise<CustomerRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: customerKey(customerId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { version, record, phoneKey } = Item as CustomerItem;
    this.remember(customerId, version, phoneKey);
    return upgradeRecord({ ...record, version });
  }

  async customerIdByPhone(phone: string): Promise<string | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `PHONE#${this.phoneKey(phone)}` },
        ConsistentRead: true,
      }),
    );
    // Several customers on one number (a family plan): the one linked last is the likeliest to
    // have received the message being answered.
    const latest = (Items ?? []).reduce<Record<string, unknown> | undefined>(
      (best, item) => (!best || Number(item.linkedAt) > Number(best.linkedAt) ? item : best),
      undefined,
    );
    return typeof latest?.customerId === 'string' ? latest.customerId : undefined;
  }

  async hasEvent(eventId: string): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: receiptKey(eventId), ConsistentRead: true, ProjectionExpression: 'pk' }),
    );
    return Item !== undefined;
  }

  async withTasksFor(team: string, limit: number): Promise<CustomerRecord[]> {
    const records: CustomerRecord[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: WINBACK_TABLE.taskIndex.name,
          KeyConditionExpression: '#team = :team',
          ExpressionAttributeNames: { '#team': WINBACK_TABLE.taskIndex.partitionKey.name },
          ExpressionAttributeValues: { ':team': team },
          Limit: limit - records.length,
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      for (const item of (page.Items ?? []) as CustomerItem[]) records.push(upgradeRecord({ ...item.record, version: item.version }));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && records.length < limit);
    return records;
  }

  async save(record: CustomerRecord, receipt?: EventReceipt): Promise<void> {
    const phone = record.profile?.contacts.phone;
    const newPhoneKey = phone ? this.phoneKey(phone) : undefined;
    const writeId = randomUUID();
    const customerPut = this.customerPut(record, newPhoneKey, writeId);
    const oldPhoneKey = record.version === 0 ? undefined : await this.storedPhoneKey(record.customerId, record.version);
    const lookupWrites: NonNullable<TransactWriteCommandInput['TransactItems']> = [];
    if (oldPhoneKey !== newPhoneKey) {
      if (newPhoneKey) {
        lookupWrites.push({
          Put: {
            TableName: this.tableName,
            Item: { ...phoneLookupKey(newPhoneKey, record.customerId), customerId: record.customerId, linkedAt: Date.now() },
          },
        });
      }
      if (oldPhoneKey) lookupWrites.push({ Delete: { TableName: this.tableName, Key: phoneLookupKey(oldPhoneKey, record.customerId) } });
    }
    const receiptItems = receipt ? [{ Put: this.receiptPut(receipt) }] : [];
    try {
      if (receiptItems.length === 0 && lookupWrites.length === 0) await this.client.send(new PutCommand(customerPut));
      else await this.client.send(new TransactWriteCommand({ TransactItems: [...receiptItems, { Put: customerPut }, ...lookupWrites] }));
    } catch (error) {
      if (!(await this.wroteItAnyway(record.customerId, writeId, error, receiptItems.length)))
        throw this.saveFailure(error, record.version, receipt);
    }
    this.remember(record.customerId, record.version + 1, newPhoneKey);
  }

  /**
   * Whether a save that failed in fact happened: its own `writeId` is in the item, as returned by
   * the failed condition of a retry after a lost answer, or, after an answer that settles nothing
   * (the SDK gave up), as a consistent read finds it.
   */
  private async wroteItAnyway(customerId: string, writeId: string, error: unknown, customerIndex: number): Promise<boolean> {
    if (isConditionalFailure(error)) return writeIdOf((error as { Item?: unknown }).Item) === writeId;
    const reasons = cancellationReasons(error);
    if (reasons) return reasons[customerIndex]?.Code === 'ConditionalCheckFailed' && writeIdOf(reasons[customerIndex]?.Item) === writeId;
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: customerKey(customerId), ConsistentRead: true, ProjectionExpression: 'writeId' }),
      );
      return Item?.writeId === writeId;
    } catch {
      // Still no answer: the save's outcome stays unknown, and the caller gets its error.
      return false;
    }
  }

  /** The error a save that did not happen throws: a replay, a concurrent change, or the SDK's own. */
  private saveFailure(error: unknown, expectedVersion: number, receipt: EventReceipt | undefined): unknown {
    if (isConcurrentWrite(error)) return staleVersion(expectedVersion, error);
    const codes = cancellationCodes(error);
    if (!codes) return error;
    // A replay wins over a concurrent change: the caller answers "duplicate" and stops.
    if (receipt && codes[0] === 'ConditionalCheckFailed')
      return new DuplicateEventError(`event ${receipt.eventId} was already processed`, [], { cause: error });
    if (codes[receipt ? 1 : 0] === 'ConditionalCheckFailed' || codes.includes('TransactionConflict'))
      return staleVersion(expectedVersion, error);
    return error;
  }

  async erase(customerId: string, expectedVersion: number, facts: ErasedJourney[]): Promise<void> {
    const deleteCustomer: DeleteCommandInput = {
      TableName: this.tableName,
      Key: customerKey(customerId),
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': expectedVersion },
    };
    const factPuts = facts.map((journey) => this.erasedJourneyPut(journey));
    // The phone lookup goes with the customer item, in the same transaction as its delete.
    const phoneKey = await this.storedPhoneKey(customerId, expectedVersion);
    // Whatever happens next, what this process knew of the item may no longer hold.
    this.knownPhoneKeys.delete(customerId);
    const lookupDeletes = phoneKey ? [{ Delete: { TableName: this.tableName, Key: phoneLookupKey(phoneKey, customerId) } }] : [];

    if (factPuts.length > 0 && 1 + lookupDeletes.length + factPuts.length <= MAX_TRANSACTION_ITEMS) {
      try {
        await this.client.send(
          new TransactWriteCommand({ TransactItems: [{ Delete: deleteCustomer }, ...lookupDeletes, ...factPuts.map((Put) => ({ Put }))] }),
        );
      } catch (error) {
        const reasons = cancellationCodes(error);
        if (reasons && (reasons[0] === 'ConditionalCheckFailed' || reasons.includes('TransactionConflict'))) {
          throw staleVersion(expectedVersion, error);
        }
        throw error;
      }
      return;
    }

    // Too many facts for one transaction: write them first, then delete the record under its
    // condition. The puts are idempotent (same key, same content), so if the delete loses to a
    // concurrent change the caller re-reads, recomputes the facts and overwrites them. Each chunk
    // is a transaction rather than a BatchWriteItem, so there are no unprocessed items to resend.
    for (let start = 0; start < factPuts.length; start += MAX_TRANSACTION_ITEMS) {
      const chunk = factPuts.slice(start, start + MAX_TRANSACTION_ITEMS);
      await this.client.send(new TransactWriteCommand({ TransactItems: chunk.map((Put) => ({ Put })) }));
    }
    try {
      if (lookupDeletes.length === 0) await this.client.send(new DeleteCommand(deleteCustomer));
      else await this.client.send(new TransactWriteCommand({ TransactItems: [{ Delete: deleteCustomer }, ...lookupDeletes] }));
    } catch (error) {
      const reasons = cancellationCodes(error);
      if (isConcurrentWrite(error) || (reasons && (reasons[0] === 'ConditionalCheckFailed' || reasons.includes('TransactionConflict')))) {
        throw staleVersion(expectedVersion, error);
      }
      throw error;
    }
  }

  /**
   * A parallel-scan segment, one page (≤ 1 MB) at a time, keeping only customer records and
   * erased journeys (receipts are filtered out server-side, though they still count as read).
   */
  async *scan(segment: number, totalSegments: number): AsyncIterable<StoredJourneys> {
    const pages = paginateScan(
      { client: this.client, pageSize: 200 },
      {
        TableName: this.tableName,
        Segment: segment,
        TotalSegments: totalSegments,
        FilterExpression: 'begins_with(pk, :customer) OR begins_with(pk, :erased)',
        ExpressionAttributeValues: { ':customer': 'CUSTOMER#', ':erased': 'ERASED#' },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        if (typeof item.pk === 'string' && item.pk.startsWith('CUSTOMER#')) {
          const stored = item as CustomerItem;
          yield { kind: 'customer', record: upgradeRecord({ ...stored.record, version: stored.version } as CustomerRecord) };
        } else if (item.facts) {
          yield { kind: 'erased', journey: item.facts as ErasedJourney };
        }
      }
    }
  }

  /** The lookup key of a phone number: a keyed hash, so the lookup items reveal no number. */
  private phoneKey(phone: string): string {
    return createHmac('sha256', this.phoneHashKey).update(phone.trim()).digest('hex');
  }

  /**
   * The `phoneKey` of the stored customer item at `atVersion` (remembered, or read), or undefined
   * when it has none or is no longer at that version: the conditional write that follows fails
   * then anyway, and the caller re-reads.
   */
  private async storedPhoneKey(customerId: string, atVersion: number): Promise<string | undefined> {
    const known = this.knownPhoneKeys.get(customerId);
    if (known?.version === atVersion) return known.phoneKey;
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: customerKey(customerId),
        ConsistentRead: true,
        ProjectionExpression: '#version, phoneKey',
        ExpressionAttributeNames: { '#version': 'version' },
      }),
    );
    if (!Item || Item.version !== atVersion) return undefined;
    return typeof Item.phoneKey === 'string' ? Item.phoneKey : undefined;
  }

  /** Bounded: a warm container meets many customers, and an evicted one costs only a read. */
  private remember(customerId: string, version: number, phoneKey: string | undefined): void {
    this.knownPhoneKeys.delete(customerId);
    this.knownPhoneKeys.set(customerId, { version, phoneKey });
    if (this.knownPhoneKeys.size > MAX_KNOWN_PHONE_KEYS) this.knownPhoneKeys.delete(this.knownPhoneKeys.keys().next().value!);
  }

  private customerPut(record: CustomerRecord, phoneKey: string | undefined, writeId: string): PutCommandInput {
    const { version, ...rest } = record;
    const task = latestTask(record)?.task;
    const item: CustomerItem = {
      ...customerKey(record.customerId),
      version: version + 1,
      record: rest,
      ...(phoneKey ? { phoneKey } : {}),
      ...(task ? { taskTeam: task.team, taskDueAt: `${task.dueAt}#${record.customerId}` } : {}),
      writeId,
    };
    const condition =
      version === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': version },
          };
    // On a failed condition the item comes back with the error, for `wroteItAnyway`.
    return { TableName: this.tableName, Item: item, ...condition, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' };
  }

  private receiptPut(receipt: EventReceipt): PutCommandInput {
    const receivedAtMs = Date.parse(receipt.receivedAt);
    if (Number.isNaN(receivedAtMs)) throw new Error(`receipt of event ${receipt.eventId}: receivedAt is not a date: ${receipt.receivedAt}`);
    return {
      TableName: this.tableName,
      Item: {
        ...receiptKey(receipt.eventId),
        eventId: receipt.eventId,
        type: receipt.type,
        receivedAt: receipt.receivedAt,
        expiresAt: Math.floor(receivedAtMs / 1000) + this.eventRetentionSeconds,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }

  private erasedJourneyPut(facts: ErasedJourney): PutCommandInput {
    return { TableName: this.tableName, Item: { ...erasedJourneyKey(facts.customerHash, facts.journeyId), facts } };
  }
}

/**
 * A single-item write lost to another writer: its condition failed, or the item is part of a
 * transaction in flight right now (which the SDK does not retry). Either way the caller re-reads.
 */
function isConcurrentWrite(error: unknown): boolean {
  return isConditionalFailure(error) || (error instanceof Error && error.name === 'TransactionConflictException');
}

function isConditionalFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The per-item reasons of a cancelled transaction, or undefined for any other error. */
function cancellationReasons(error: unknown): Array<{ Code?: string; Item?: unknown }> | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  return (error as TransactionCanceledException).CancellationReasons ?? [];
}

/** The per-item reason codes of a cancelled transaction, or undefined for any other error. */
function cancellationCodes(error: unknown): Array<string | undefined> | undefined {
  return cancellationReasons(error)?.map((reason) => reason.Code);
}

/**
 * The `writeId` of an item returned with a failed condition. Error payloads are not unmarshalled
 * by the DocumentClient, so the attribute comes as `{ S: "…" }`.
 */
function writeIdOf(item: unknown): string | undefined {
  const value = (item as { writeId?: unknown } | undefined)?.writeId;
  if (typeof value === 'string') return value;
  const s = (value as { S?: unknown } | undefined)?.S;
  return typeof s === 'string' ? s : undefined;
}

// The message names no customer: customer ids are often phone numbers, and errors get logged.
function staleVersion(expectedVersion: number, cause: unknown): ConcurrentUpdateError {
  return new ConcurrentUpdateError(`the customer record is no longer at version ${expectedVersion}`, [], { cause });
}
