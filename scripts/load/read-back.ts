import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import { TABLE_NAME } from '../../bin/local-config.ts';

/** Parallel scan segments: DynamoDB Local serves them side by side, and the scan is then I/O-light. */
const SCAN_SEGMENTS = 4;

export interface StoredEvents {
  /** How many times each event id was applied to a customer. */
  applied: Map<string, number>;
  customers: number;
  seconds: number;
}

/**
 * Reads back what the runner stored: a parallel scan of its DynamoDB Local table through the
 * store's own `scan` (the nightly job's), so it reads customer records as the engine does and
 * does not depend on the item layout. Every event the engine applies opens a `received` entry
 * with its id in the customer's decision log, so counting those gives how many times each event
 * was applied. A scan reads the whole table in a few pages per thousand customers, where one
 * `GET /v1/customers/{id}` per customer would cost as many requests as the run posted.
 */
export async function readBackAppliedEvents(dynamoEndpoint: string): Promise<StoredEvents> {
  const started = performance.now();
  const client = localDynamoClient(dynamoEndpoint);
  // The scan never looks a phone number up, so the lookup key is never used.
  const store = new DynamoDbCustomerStore({
    client: createDocumentClient(client),
    tableName: TABLE_NAME,
    phoneHashKey: 'not-used-by-scans',
  });
  const applied = new Map<string, number>();
  let customers = 0;
  try {
    await Promise.all(
      Array.from({ length: SCAN_SEGMENTS }, async (_, segment) => {
        for await (const item of store.scan(segment, SCAN_SEGMENTS)) {
          if (item.kind !== 'customer') continue;
          customers += 1;
          for (const entry of item.record.history) {
            if (entry.decision === 'received' && entry.eventId !== undefined)
              applied.set(entry.eventId, (applied.get(entry.eventId) ?? 0) + 1);
          }
        }
      }),
    );
  } finally {
    client.destroy();
  }
  return { applied, customers, seconds: (performance.now() - started) / 1000 };
}
