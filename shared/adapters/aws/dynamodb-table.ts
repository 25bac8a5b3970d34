import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/**
 * Winback's single DynamoDB table: every item kind (customer record, event receipt, erased
 * journey facts) lives in one table under generic string keys, so one table, one grant and one
 * backup policy cover the whole store. The CDK stack and the local runner both build the table
 * from these constants, so the two cannot drift apart.
 *
 * The values are the DynamoDB API's own (`'S'`, `'PAY_PER_REQUEST'`), which are also the values
 * of CDK's `AttributeType.STRING` and `BillingMode.PAY_PER_REQUEST`.
 */
export const WINBACK_TABLE = {
  /** Partition key: `<KIND>#<id>`, e.g. `CUSTOMER#c-42`, `EVENT#e-1`, `ERASED#<hash>`. */
  partitionKey: { name: 'pk', type: 'S' },
  /** Sort key: `RECORD`, `RECEIPT`, `JOURNEY#<journeyId>`. */
  sortKey: { name: 'sk', type: 'S' },
  /**
   * Sparse index of retention tasks: only a customer item whose latest journey was escalated has
   * `taskTeam` (partition) and `taskDueAt` (sort: due date, then customer id), so a team's tasks
   * are one query, by due date.
   */
  taskIndex: { name: 'tasks', partitionKey: { name: 'taskTeam', type: 'S' }, sortKey: { name: 'taskDueAt', type: 'S' } },
  /** Epoch seconds after which DynamoDB may delete the item (set on event receipts only). */
  timeToLiveAttribute: 'expiresAt',
  /** Traffic is bursty (batches of churn events, nightly jobs) and idle most of the day. */
  billingMode: 'PAY_PER_REQUEST',
} as const;

/** The CreateTable request for the Winback table, as the local runner and tests create it. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, billingMode, taskIndex } = WINBACK_TABLE;
  return {
    TableName: tableName,
    BillingMode: billingMode,
    AttributeDefinitions: [
      { AttributeName: partitionKey.name, AttributeType: partitionKey.type },
      { AttributeName: sortKey.name, AttributeType: sortKey.type },
      { AttributeName: taskIndex.partitionKey.name, AttributeType: taskIndex.partitionKey.type },
      { AttributeName: taskIndex.sortKey.name, AttributeType: taskIndex.sortKey.type },
    ],
    KeySchema: [
      { AttributeName: partitionKey.name, KeyType: 'HASH' },
      { AttributeName: sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [taskIndexDefinition()],
  };
}

function taskIndexDefinition() {
  const { taskIndex } = WINBACK_TABLE;
  return {
    IndexName: taskIndex.name,
    KeySchema: [
      { AttributeName: taskIndex.partitionKey.name, KeyType: 'HASH' as const },
      { AttributeName: taskIndex.sortKey.name, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  };
}

/** A table created before the task index (a local runner's `.winback/` from an older version) gets it added. */
async function ensureTaskIndex(client: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (Table?.GlobalSecondaryIndexes?.some((index) => index.IndexName === WINBACK_TABLE.taskIndex.name)) return;
  const { taskIndex } = WINBACK_TABLE;
  await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: taskIndex.partitionKey.name, AttributeType: taskIndex.partitionKey.type },
        { AttributeName: taskIndex.sortKey.name, AttributeType: taskIndex.sortKey.type },
      ],
      GlobalSecondaryIndexUpdates: [{ Create: taskIndexDefinition() }],
    }),
  );
}

/**
 * Creates the table if it is missing, waits until it is ACTIVE and makes sure TTL is on.
 * Idempotent and safe to race: another process creating the same table at the same moment
 * (`ResourceInUseException`) or enabling TTL first is fine. In AWS the CDK stack owns the table;
 * this is for DynamoDB Local (local runner, tests).
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  if (!(await tableExists(client, tableName))) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  // The waiter's defaults (20 s between polls) suit AWS; DynamoDB Local is ACTIVE at once.
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
  await ensureTaskIndex(client, tableName);
  await ensureTimeToLive(client, tableName);
}

async function tableExists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

async function timeToLiveIsOn(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = TimeToLiveDescription?.TimeToLiveStatus;
  return (status === 'ENABLED' || status === 'ENABLING') && TimeToLiveDescription?.AttributeName === WINBACK_TABLE.timeToLiveAttribute;
}

async function ensureTimeToLive(client: DynamoDBClient, tableName: string): Promise<void> {
  if (await timeToLiveIsOn(client, tableName)) return;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: WINBACK_TABLE.timeToLiveAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    // "TimeToLive is already enabled" (a ValidationException, which the SDK models as no class):
    // a concurrent caller got there first.
    if (error instanceof Error && error.name === 'ValidationException' && (await timeToLiveIsOn(client, tableName))) return;
    throw error;
  }
}
