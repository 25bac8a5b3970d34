import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { receiptIdOf } from '#shared/domain/pseudonyms';
import { receiptKey } from './dynamodb-items.ts';

/** DynamoDB's cap on the keys of one BatchGetItem call. */
const MAX_BATCH_GET_KEYS = 100;
/** Rounds of unprocessed keys sent again (with growing waits) before the read counts as failed. */
const UNPROCESSED_ROUNDS = 5;

/**
 * Whether the event has a receipt: under the keyed hash of its id, or (with a receipt key) under
 * the raw id, as receipts were written before they were keyed. Both reads go side by side.
 */
export async function receiptFound(
  client: DynamoDBDocumentClient,
  tableName: string,
  eventHashKey: string | undefined,
  eventId: string,
): Promise<boolean> {
  const ids = [receiptIdOf(eventHashKey, eventId), ...(eventHashKey === undefined ? [] : [eventId])];
  const found = await Promise.all(
    ids.map(async (id) => {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: receiptKey(id), ConsistentRead: true, ProjectionExpression: 'pk' }),
      );
      return Item !== undefined;
    }),
  );
  return found.includes(true);
}

/**
 * Which of these events have a receipt in the table: each under the keyed hash of its id and, with
 * a receipt key, under the raw id too (receipts were written so before they were keyed). The keys
 * go in BatchGetItem calls of 100, side by side, consistent reads of the key only; keys DynamoDB
 * leaves unprocessed (throttled) are asked again, a few rounds, after which the read fails rather
 * than answer "no receipt" for an event it could not read.
 */
export async function receiptsFound(
  client: DynamoDBDocumentClient,
  tableName: string,
  eventHashKey: string | undefined,
  eventIds: readonly string[],
): Promise<Set<string>> {
  // Every receipt id an event may be stored under, and back.
  const eventOf = new Map<string, string>();
  for (const eventId of eventIds) {
    eventOf.set(receiptIdOf(eventHashKey, eventId), eventId);
    if (eventHashKey !== undefined) eventOf.set(eventId, eventId);
  }
  const receiptIds = [...eventOf.keys()];
  const chunks = Array.from({ length: Math.ceil(receiptIds.length / MAX_BATCH_GET_KEYS) }, (_, i) =>
    receiptIds.slice(i * MAX_BATCH_GET_KEYS, (i + 1) * MAX_BATCH_GET_KEYS),
  );
  const found = await Promise.all(chunks.map((chunk) => batchGetPks(client, tableName, chunk.map(receiptKey))));
  const seen = new Set<string>();
  for (const pk of found.flat()) {
    const eventId = eventOf.get(pk.slice('EVENT#'.length));
    if (eventId !== undefined) seen.add(eventId);
  }
  return seen;
}

/** The `pk` of each of these keys' items that exists, through as many rounds as unprocessed keys need. */
async function batchGetPks(client: DynamoDBDocumentClient, tableName: string, keys: Array<Record<string, string>>): Promise<string[]> {
  const pks: string[] = [];
  let pending: Array<Record<string, unknown>> = keys;
  for (let round = 0; pending.length > 0; round++) {
    if (round > UNPROCESSED_ROUNDS) throw new Error(`BatchGetItem left ${pending.length} receipt keys unprocessed after ${round} rounds`);
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
    const answer = await client.send(
      new BatchGetCommand({
        RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true, ProjectionExpression: 'pk' } },
      }),
    );
    for (const item of answer.Responses?.[tableName] ?? []) if (typeof item.pk === 'string') pks.push(item.pk);
    pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
  }
  return pks;
}
