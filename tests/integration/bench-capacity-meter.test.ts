import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import { meterCapacity } from '../../scripts/bench/capacity.ts';

/**
 * The bench's capacity meter on a real SDK client against DynamoDB Local: it must see what the
 * DocumentClient sends (it shares the base client's middleware), read the marshalled request body
 * and the answer's ConsumedCapacity, and price transactions as DynamoDB bills them.
 */
describe('the bench capacity meter', () => {
  const tableName = `winback-bench-meter-it-${Date.now()}`;
  let client: DynamoDBClient;

  beforeAll(async () => {
    client = localDynamoClient(inject('dynamodbEndpoint'));
    await ensureTable(client, tableName);
  });

  afterAll(async () => {
    await client?.send(new DeleteTableCommand({ TableName: tableName }));
    client?.destroy();
  });

  it('adds up the units of DocumentClient calls, reads and writes apart, transactions at 2 units per KB of each item', async () => {
    // Prepare
    const metered = localDynamoClient(inject('dynamodbEndpoint'));
    const tally = meterCapacity(metered);
    const documents = createDocumentClient(metered);
    const item = (pk: string, bytes: number) => ({ pk, sk: 'S', v: 'x'.repeat(bytes) });

    // Act
    await documents.send(new GetCommand({ TableName: tableName, Key: { pk: 'missing', sk: 'S' }, ConsistentRead: true }));
    await documents.send(new PutCommand({ TableName: tableName, Item: item('big', 1500) }));
    await documents.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: tableName, Item: item('a', 10) } }, { Put: { TableName: tableName, Item: item('b', 10) } }],
      }),
    );
    metered.destroy();

    // Assess: 1 RCU for a consistent miss; 2 WCU for 1.5 KB; 2 × (1 + 1) for the transaction.
    expect(tally).toMatchObject({ read: 1, write: 2 + 4, calls: { GetItem: 1, PutItem: 1, TransactWriteItems: 1 } });
    // What DynamoDB Local itself says for the transaction is no more than that (3.x says 2).
    expect(tally.writeAsReportedByLocal).toBeLessThanOrEqual(6);
  });
});
