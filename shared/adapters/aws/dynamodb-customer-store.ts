import type { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
  TransactWriteCommand,
  type DeleteCommandInput,
  type PutCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { CustomerRecord } from '#shared/domain/customer';
import type { ErasedJourney } from '#shared/domain/erasure';
import { ConcurrentUpdateError, DuplicateEventError } from '#shared/domain/errors';
import type { CustomerStore, EventReceipt, StoredJourneys } from '#shared/ports/customer-store';

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

export const customerKey = (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'RECORD' });
export const receiptKey = (eventId: string) => ({ pk: `EVENT#${eventId}`, sk: 'RECEIPT' });
export const erasedJourneyKey = (customerHash: string, journeyId: string) => ({ pk: `ERASED#${customerHash}`, sk: `JOURNEY#${journeyId}` });

interface CustomerItem {
  pk: string;
  sk: string;
  version: number;
  record: Omit<CustomerRecord, 'version'>;
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
 */
export class DynamoDbCustomerStore implements CustomerStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly eventRetentionSeconds: number;

  constructor(options: DynamoDbCustomerStoreOptions) {
    const days = options.eventRetentionDays ?? DEFAULT_EVENT_RETENTION_DAYS;
    if (!(days > 0)) throw new Error(`eventRetentionDays must be positive, got ${days}`);
    this.client = options.client;
    this.tableName = options.tableName;
    this.eventRetentionSeconds = Math.round(days * DAY_SECONDS);
  }

  async get(customerId: string): Promise<CustomerRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: customerKey(customerId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { version, record } = Item as CustomerItem;
    return { ...record, version };
  }

  async hasEvent(eventId: string): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: receiptKey(eventId), ConsistentRead: true, ProjectionExpression: 'pk' }),
    );
    return Item !== undefined;
  }

  async save(record: CustomerRecord, receipt?: EventReceipt): Promise<void> {
    const customerPut = this.customerPut(record);
    if (!receipt) {
      try {
        await this.client.send(new PutCommand(customerPut));
      } catch (error) {
        if (isConcurrentWrite(error)) throw staleVersion(record.version, error);
        throw error;
      }
      return;
    }
    try {
      await this.client.send(
        new TransactWriteCommand({ TransactItems: [{ Put: this.receiptPut(receipt) }, { Put: customerPut }] }),
      );
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      // A replay wins over a concurrent change: the caller answers "duplicate" and stops.
      if (reasons[0] === 'ConditionalCheckFailed') {
        throw new DuplicateEventError(`event ${receipt.eventId} was already processed`, [], { cause: error });
      }
      if (reasons[1] === 'ConditionalCheckFailed' || reasons.includes('TransactionConflict')) throw staleVersion(record.version, error);
      throw error;
    }
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

    if (factPuts.length > 0 && factPuts.length < MAX_TRANSACTION_ITEMS) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: [{ Delete: deleteCustomer }, ...factPuts.map((Put) => ({ Put }))] }));
      } catch (error) {
        const reasons = cancellationReasons(error);
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
      await this.client.send(new DeleteCommand(deleteCustomer));
    } catch (error) {
      if (isConcurrentWrite(error)) throw staleVersion(expectedVersion, error);
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
          yield { kind: 'customer', record: { ...stored.record, version: stored.version } as CustomerRecord };
        } else if (item.facts) {
          yield { kind: 'erased', journey: item.facts as ErasedJourney };
        }
      }
    }
  }

  private customerPut(record: CustomerRecord): PutCommandInput {
    const { version, ...rest } = record;
    const item: CustomerItem = { ...customerKey(record.customerId), version: version + 1, record: rest };
    const condition =
      version === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': version },
          };
    return { TableName: this.tableName, Item: item, ...condition };
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
  return error instanceof Error && (error.name === 'ConditionalCheckFailedException' || error.name === 'TransactionConflictException');
}

/** The per-item reason codes of a cancelled transaction, or undefined for any other error. */
function cancellationReasons(error: unknown): Array<string | undefined> | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  return ((error as TransactionCanceledException).CancellationReasons ?? []).map((reason) => reason.Code);
}

// The message names no customer: customer ids are often phone numbers, and errors get logged.
function staleVersion(expectedVersion: number, cause: unknown): ConcurrentUpdateError {
  return new ConcurrentUpdateError(`the customer record is no longer at version ${expectedVersion}`, [], { cause });
}
