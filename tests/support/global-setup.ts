import '../../bin/sdk-warning.ts';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#shared/adapters/local/dynamodb-local';

/**
 * One in-memory DynamoDB Local for the whole run (it takes seconds to start, so not one per
 * file). Test files get its endpoint with `inject('dynamodbEndpoint')` and each creates its own
 * uniquely named table, so files running in parallel never see each other's items.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dynamoDb = await startDynamoDbLocal();
  project.provide('dynamodbEndpoint', dynamoDb.endpoint);
  return () => dynamoDb.stop();
}
