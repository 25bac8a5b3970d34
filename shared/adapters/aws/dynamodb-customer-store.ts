import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { type CustomerRecord, upgradeRecord } from '#shared/domain/journey/record';
import type { ArchivedJourney, ErasedJourney } from '#shared/domain/erasure';
import { type CustomerStore, type EventReceipt, receiptsOfSave, type StoredJourneys } from '#shared/ports/customer-store';
import {
  cancellationReasons,
  cancelledByConcurrentChange,
  isConcurrentWrite,
  isConditionalFailure,
  saveFailure,
  staleVersion,
  writeIdOf,
} from './dynamodb-errors.ts';
import {
  archivedJourneyPut,
  type CustomerItem,
  customerDelete,
  customerKey,
  customerPut,
  erasedJourneyPut,
  phoneKeyOf,
  phoneLookupChange,
  receiptPut,
} from './dynamodb-items.ts';
import { StoredPhoneKeys } from './dynamodb-phone-keys.ts';
import { receiptFound, receiptsFound } from './dynamodb-receipts.ts';
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
  /**
   * Key of the HMAC-SHA256 that event receipts are keyed by, so no event id (upstream systems
   * build them from phone numbers) stays in the table after an erasure. Derive it from the
   * deployment's master key (`deriveKey(masterKey, 'event-receipt')`). Receipts written before it
   * was set (under the raw id) are still found, so a replay of an old event stays a replay until
   * they expire. Without it receipts are keyed by the raw event id.
   * @default none: raw event ids (tests of the item layout)
   */
  readonly eventHashKey?: string;
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

/**
 * {@link CustomerStore} on one DynamoDB table (`pk`/`sk`, TTL on `expiresAt`).
 *
 * Item layout, and why it has that shape: see `dynamodb-items.ts`. What the store adds:
 * - The event receipts (one, or a batch's chunk of one customer's events) are written in the same
 *   transaction as the customer item, each with its own condition: each event is applied exactly
 *   once, and a replay is told apart from a concurrent change (receipt conditions come first and win).
 * - The customer item remembers its `phoneKey`, so `save` rewrites the phone lookup only when the
 *   number changes (a transaction instead of a single put then). `save` knows the stored
 *   `phoneKey` from the `get` that read the version it updates (callers always read before they
 *   write), so no extra read is paid; only a save without that read in this process (another
 *   container's, or an evicted one) reads it first.
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
  private readonly eventHashKey: string | undefined;
  /** The `phoneKey` of each customer item this process last read or wrote, with its version. */
  private readonly phoneKeys: StoredPhoneKeys;

  constructor(options: DynamoDbCustomerStoreOptions) {
    const days = options.eventRetentionDays ?? DEFAULT_EVENT_RETENTION_DAYS;
    if (!(days > 0)) throw new Error(`eventRetentionDays must be positive, got ${days}`);
    this.client = options.client;
    this.tableName = options.tableName;
    this.phoneKeys = new StoredPhoneKeys(options.client, options.tableName);
    this.eventRetentionSeconds = Math.round(days * DAY_SECONDS);
    if (!options.phoneHashKey) throw new Error('phoneHashKey must not be empty');
    this.phoneHashKey = options.phoneHashKey;
    if (options.eventHashKey === '') throw new Error('eventHashKey must not be empty');
    this.eventHashKey = options.eventHashKey;
  }

  async get(customerId: string): Promise<CustomerRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: customerKey(customerId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { version, record, phoneKey } = Item as CustomerItem;
    this.phoneKeys.remember(customerId, version, phoneKey);
    return upgradeRecord({ ...record, version });
  }

  async customerIdByPhone(phone: string): Promise<string | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `PHONE#${phoneKeyOf(this.phoneHashKey, phone)}` },
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

  /** Two GetItem side by side: the keyed receipt and the raw one (`dynamodb-receipts.ts`). */
  async hasEvent(eventId: string): Promise<boolean> {
    return receiptFound(this.client, this.tableName, this.eventHashKey, eventId);
  }

  /** {@link hasEvent} for many events: BatchGetItem calls of 100 keys, side by side (`dynamodb-receipts.ts`). */
  async hasEvents(eventIds: readonly string[]): Promise<Set<string>> {
    return receiptsFound(this.client, this.tableName, this.eventHashKey, eventIds);
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

  async save(
    record: CustomerRecord,
    receipts?: EventReceipt | readonly EventReceipt[],
    archived: readonly ArchivedJourney[] = [],
  ): Promise<void> {
    const list = receiptsOfSave(receipts, archived);
    const phone = record.profile?.contacts.phone;
    const newPhoneKey = phone ? phoneKeyOf(this.phoneHashKey, phone) : undefined;
    const writeId = randomUUID();
    const customerWrite = customerPut(this.tableName, record, newPhoneKey, writeId);
    const oldPhoneKey = record.version === 0 ? undefined : await this.phoneKeys.at(record.customerId, record.version);
    const lookupWrites = phoneLookupChange(this.tableName, record.customerId, oldPhoneKey, newPhoneKey);
    const receiptItems = list.map((receipt) => ({
      Put: receiptPut(this.tableName, receipt, this.eventRetentionSeconds, this.eventHashKey),
    }));
    const archivedItems = archived.map((journey) => ({ Put: archivedJourneyPut(this.tableName, journey) }));
    const others = [...lookupWrites, ...archivedItems];
    try {
      if (receiptItems.length === 0 && others.length === 0) await this.client.send(new PutCommand(customerWrite));
      else await this.client.send(new TransactWriteCommand({ TransactItems: [...receiptItems, { Put: customerWrite }, ...others] }));
    } catch (error) {
      if (!(await this.wroteItAnyway(record.customerId, writeId, error, receiptItems.length)))
        throw saveFailure(error, record.version, list);
    }
    this.phoneKeys.remember(record.customerId, record.version + 1, newPhoneKey);
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

  async erase(customerId: string, expectedVersion: number, facts: ErasedJourney[]): Promise<void> {
    const deleteCustomer = customerDelete(this.tableName, customerId, expectedVersion);
    const factPuts = facts.map((journey) => erasedJourneyPut(this.tableName, journey));
    // The phone lookup goes with the customer item, in the same transaction as its delete.
    const phoneKey = await this.phoneKeys.at(customerId, expectedVersion);
    // Whatever happens next, what this process knew of the item may no longer hold.
    this.phoneKeys.forget(customerId);
    const lookupDeletes = phoneLookupChange(this.tableName, customerId, phoneKey, undefined);

    if (factPuts.length > 0 && 1 + lookupDeletes.length + factPuts.length <= MAX_TRANSACTION_ITEMS) {
      try {
        await this.client.send(
          new TransactWriteCommand({ TransactItems: [{ Delete: deleteCustomer }, ...lookupDeletes, ...factPuts.map((Put) => ({ Put }))] }),
        );
      } catch (error) {
        throw cancelledByConcurrentChange(error, 0) ? staleVersion(expectedVersion, error) : error;
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
      throw isConcurrentWrite(error) || cancelledByConcurrentChange(error, 0) ? staleVersion(expectedVersion, error) : error;
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
        FilterExpression: 'begins_with(pk, :customer) OR begins_with(pk, :erased) OR begins_with(pk, :archived)',
        ExpressionAttributeValues: { ':customer': 'CUSTOMER#', ':erased': 'ERASED#', ':archived': 'ARCHIVED#' },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        if (typeof item.pk === 'string' && item.pk.startsWith('CUSTOMER#')) {
          const stored = item as CustomerItem;
          yield { kind: 'customer', record: upgradeRecord({ ...stored.record, version: stored.version } as CustomerRecord) };
        } else if (item.facts && typeof item.pk === 'string' && item.pk.startsWith('ARCHIVED#')) {
          yield { kind: 'archived', journey: item.facts as ArchivedJourney };
        } else if (item.facts) {
          yield { kind: 'erased', journey: item.facts as ErasedJourney };
        }
      }
    }
  }
}
