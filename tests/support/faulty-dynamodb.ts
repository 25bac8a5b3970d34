import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { DYNAMODB_CALL } from '#shared/adapters/aws/clients';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import { type FaultLayer, noWaitRetry } from './faults.ts';

/**
 * A table on the tests' DynamoDB Local, reached two ways: `faulty` through `faults`, with the
 * adapter's attempts and no waits between them, and `plain` without faults: what is really stored.
 */
export async function faultyDynamoDb(tableName: string, faults: FaultLayer): Promise<{ plain: DynamoDBClient; faulty: DynamoDBClient }> {
  const plain = localDynamoClient(inject('dynamodbEndpoint'));
  await ensureTable(plain, tableName);
  const faulty = localDynamoClient(inject('dynamodbEndpoint'), {
    maxAttempts: DYNAMODB_CALL.maxAttempts,
    retryStrategy: noWaitRetry(DYNAMODB_CALL.maxAttempts),
  });
  faults.attach(faulty, 'dynamodb');
  return { plain, faulty };
}
