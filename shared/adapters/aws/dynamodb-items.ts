import { createHmac } from 'node:crypto';
import type { DeleteCommandInput, PutCommandInput, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { latestTask, type CustomerRecord } from '#shared/domain/journey/record';
import type { ArchivedJourney, ErasedJourney } from '#shared/domain/erasure';
import { receiptIdOf } from '#shared/domain/pseudonyms';
import type { EventReceipt } from '#shared/ports/customer-store';

/**
 * The items the DynamoDB customer store (`dynamodb-customer-store.ts`) keeps in the single Winback
 * table (`pk`/`sk`, TTL on `expiresAt`), their keys, and the puts that write them.
 *
 * | item | pk | sk | attributes |
 * | --- | --- | --- | --- |
 * | customer | `CUSTOMER#<customerId>` | `RECORD` | `version` (number), `record` (map: the record without its version) |
 * | event receipt | `EVENT#<HMAC-SHA256 of the event id>` | `RECEIPT` | `type`, `receivedAt`, `expiresAt` (epoch s, TTL) |
 * | legacy event receipt | `EVENT#<eventId>` | `RECEIPT` | `eventId`, `type`, `receivedAt`, `expiresAt`: written before receipts were keyed, or without a receipt key |
 * | erased journey | `ERASED#<customerHash>` | `JOURNEY#<journeyId>` | `facts` (the `ErasedJourney`) |
 * | archived journey | `ARCHIVED#<customerHash>` | `JOURNEY#<journeyId>` | `facts` (the `ArchivedJourney`: a finished journey moved out of its record) |
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
 * - Receipts expire by TTL, so the table does not grow with every event forever. They are keyed
 *   by a keyed hash of the event id, since upstream systems build event ids from phone numbers and
 *   receipts outlive an erasure; a replay computes the same hash and is still told apart.
 * - Archived journeys keep customer items bounded: a record keeps its latest finished journeys,
 *   older ones move to items of their own, pseudonymous like erased journeys (an erasure leaves
 *   them as they are), written in the transaction that saves the record without them.
 * - Erased journeys are keyed by the keyed hash only; they hold no contact data, and the
 *   customer item (the only item with personal data) is deleted in the same transaction.
 * - Phone lookups (for inbound SMS, which carry only the sender's number) hold a keyed hash, never
 *   the number. One item per phone *and* customer, so a customer adds and removes only its own
 *   item, unconditionally, inside the transaction that writes or deletes the customer: two
 *   customers sharing a number never undo each other's lookup.
 */

/** Key of a customer's item. */
export const customerKey = (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'RECORD' });
/** Key of the receipt that remembers an event as processed, by its event id (raw, or its keyed hash: {@link receiptIdOf}). */
export const receiptKey = (receiptId: string) => ({ pk: `EVENT#${receiptId}`, sk: 'RECEIPT' });

/** Key of the facts an erased customer's journey leaves behind. */
export const erasedJourneyKey = (customerHash: string, journeyId: string) => ({ pk: `ERASED#${customerHash}`, sk: `JOURNEY#${journeyId}` });
/** Key of the item linking a phone's lookup key (a keyed hash) to one customer. */
export const phoneLookupKey = (phoneKey: string, customerId: string) => ({ pk: `PHONE#${phoneKey}`, sk: `CUSTOMER#${customerId}` });

/** The lookup key of a phone number: a keyed hash, so the lookup items reveal no number. */
export function phoneKeyOf(phoneHashKey: string, phone: string): string {
  return createHmac('sha256', phoneHashKey).update(phone.trim()).digest('hex');
}

/** A customer item as stored. */
export interface CustomerItem {
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
 * The put that writes `record` as the next version of its customer item: created only if absent
 * (version 0), else only over the version it was read at.
 */
export function customerPut(tableName: string, record: CustomerRecord, phoneKey: string | undefined, writeId: string): PutCommandInput {
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
  // On a failed condition the item comes back with the error, so a save can tell its own write.
  return { TableName: tableName, Item: item, ...condition, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' };
}

/** The delete of a customer item, only while it is still at `expectedVersion`. */
export function customerDelete(tableName: string, customerId: string, expectedVersion: number): DeleteCommandInput {
  return {
    TableName: tableName,
    Key: customerKey(customerId),
    ConditionExpression: '#version = :expected',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':expected': expectedVersion },
  };
}

/**
 * The writes that move a customer's phone lookup from the item of `fromPhoneKey` to that of
 * `toPhoneKey` (either undefined for none): nothing when the key is unchanged, else a put of the
 * new lookup and a delete of the old. Unconditional: each customer touches only its own items.
 */
export function phoneLookupChange(
  tableName: string,
  customerId: string,
  fromPhoneKey: string | undefined,
  toPhoneKey: string | undefined,
): NonNullable<TransactWriteCommandInput['TransactItems']> {
  const writes: NonNullable<TransactWriteCommandInput['TransactItems']> = [];
  if (fromPhoneKey === toPhoneKey) return writes;
  if (toPhoneKey) {
    writes.push({ Put: { TableName: tableName, Item: { ...phoneLookupKey(toPhoneKey, customerId), customerId, linkedAt: Date.now() } } });
  }
  if (fromPhoneKey) writes.push({ Delete: { TableName: tableName, Key: phoneLookupKey(fromPhoneKey, customerId) } });
  return writes;
}

/**
 * The put that records an event as processed, only if it was not already; the receipt expires
 * `retentionSeconds` after the event was received. With `eventHashKey` it holds the keyed hash of
 * the event id only, never the id. @throws Error when `receivedAt` is not a date
 */
export function receiptPut(tableName: string, receipt: EventReceipt, retentionSeconds: number, eventHashKey?: string): PutCommandInput {
  const receivedAtMs = Date.parse(receipt.receivedAt);
  // The id may hold a phone number, and this message may be logged: the error names the type only.
  if (Number.isNaN(receivedAtMs)) throw new Error(`receipt of a ${receipt.type} event: receivedAt is not a date: ${receipt.receivedAt}`);
  return {
    TableName: tableName,
    Item: {
      ...receiptKey(receiptIdOf(eventHashKey, receipt.eventId)),
      ...(eventHashKey === undefined ? { eventId: receipt.eventId } : {}),
      type: receipt.type,
      receivedAt: receipt.receivedAt,
      expiresAt: Math.floor(receivedAtMs / 1000) + retentionSeconds,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  };
}

/** The put that keeps an erased journey's facts (idempotent: same key, same content). */
export function erasedJourneyPut(tableName: string, facts: ErasedJourney): PutCommandInput {
  return { TableName: tableName, Item: { ...erasedJourneyKey(facts.customerHash, facts.journeyId), facts } };
}

/** The put that keeps an archived journey's facts (idempotent: same key, same content). */
export function archivedJourneyPut(tableName: string, facts: ArchivedJourney): PutCommandInput {
  return { TableName: tableName, Item: { pk: `ARCHIVED#${facts.customerHash}`, sk: `JOURNEY#${facts.journeyId}`, facts } };
}
