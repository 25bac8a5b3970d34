import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTableInput, ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';

// How every store lists a team's tasks (by due date, other teams out, erased customers gone,
// moved by a follow-up) is checked by the contract suite, customer-store.contract.test.ts.
describe('the task index in DynamoDB Local', () => {
  let client: DynamoDBClient;

  beforeAll(() => {
    client = localDynamoClient(inject('dynamodbEndpoint'));
  });
  afterAll(() => client.destroy());

  it('adds the index to a table created before it existed', async () => {
    const old = `old-${randomUUID()}`;
    const { GlobalSecondaryIndexes: _index, ...withoutIndex } = createTableInput(old);
    const attributes = withoutIndex.AttributeDefinitions!.filter((a) => a.AttributeName === 'pk' || a.AttributeName === 'sk');
    await client.send(new CreateTableCommand({ ...withoutIndex, AttributeDefinitions: attributes }));

    await ensureTable(client, old);
    await ensureTable(client, old);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: old }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['tasks']);
    await client.send(new DeleteTableCommand({ TableName: old }));
  });
});
