import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { deriveKey } from '#shared/domain/keys';
import { systemClock } from '#shared/ports/clock';
import type { MessageChannels } from '#shared/ports/message-channel';
import type { EngineDeps } from '#shared/engine/deps';
import { bundledPolicies } from './bundled-policies.ts';
import { createDynamoDbClient, createSchedulerClient } from './clients.ts';
import { createDocumentClient, DynamoDbCustomerStore } from './dynamodb-customer-store.ts';
import { EventBridgeTouchScheduler } from './eventbridge-touch-scheduler.ts';
import { requireEnv } from './environment.ts';

export interface LambdaEngine {
  deps: EngineDeps;
  logger: Logger;
  /** Signs and verifies the one-click unsubscribe links. */
  unsubscribeKey: string;
}

/**
 * The composition root of every engine Lambda: reads its settings from the environment once
 * (a missing one fails the cold start, naming it), creates one SDK client per service, and
 * wires the same engine the local runner runs, with the AWS adapters.
 *
 * `channels` builds the message channels, for the one function that sends (`createSendChannels`);
 * the others pass none, and so never load the SDK clients of SMS, SES and SNS.
 */
export async function loadLambdaEngine(
  options: { channels?: (keys: { unsubscribeKey: string }) => MessageChannels } = {},
): Promise<LambdaEngine> {
  const logger = new Logger();
  const secrets = new SecretsManagerClient({});
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: requireEnv('KEYS_SECRET_ARN') }));
  secrets.destroy();
  if (!secret.SecretString) throw new Error('the keys secret has no string value');
  const masterKey = secret.SecretString;

  const unsubscribeKey = deriveKey(masterKey, 'unsubscribe-link');
  const channels = options.channels?.({ unsubscribeKey }) ?? {};

  const deps: EngineDeps = {
    store: new DynamoDbCustomerStore({
      client: createDocumentClient(createDynamoDbClient()),
      tableName: requireEnv('TABLE_NAME'),
      phoneHashKey: deriveKey(masterKey, 'phone-lookup'),
    }),
    scheduler: new EventBridgeTouchScheduler({
      client: createSchedulerClient(),
      groupName: requireEnv('SCHEDULE_GROUP_NAME'),
      targetArn: requireEnv('SEND_TOUCH_FUNCTION_ARN'),
      roleArn: requireEnv('SCHEDULER_ROLE_ARN'),
      deadLetterArn: requireEnv('TIMER_DLQ_ARN'),
    }),
    channels,
    clock: systemClock,
    policies: bundledPolicies(),
    logger,
    idHashKey: deriveKey(masterKey, 'customer-id-hash'),
  };
  return { deps, logger, unsubscribeKey };
}
