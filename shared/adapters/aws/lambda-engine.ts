import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { deriveKey } from '#shared/domain/keys';
import { systemClock } from '#shared/ports/clock';
import type { MessageChannels } from '#shared/ports/message-channel';
import type { EngineMetrics } from '#shared/ports/metrics';
import type { EngineDeps } from '#shared/engine/deps';
import type { EnvironmentConfig } from '#shared/config/lambda-environment';
import { bundledPolicies, bundledPrices } from './bundled-policies.ts';
import { createDynamoDbClient, createSchedulerClient } from './clients.ts';
import { createDocumentClient, DynamoDbCustomerStore } from './dynamodb-customer-store.ts';
import { EventBridgeTouchScheduler } from './eventbridge-touch-scheduler.ts';

export interface LambdaEngine {
  deps: EngineDeps;
  logger: Logger;
  /** Signs and verifies the one-click unsubscribe links. */
  unsubscribeKey: string;
  /** Seals and opens the tracked links' tokens. */
  linkKey: string;
  /** Signs partner push messages and checks partner receipts, where the deployment has a partner push. */
  partnerPushSecret?: string;
}

/** The keys a function's message channels are built with. */
export interface ChannelKeys {
  unsubscribeKey: string;
  linkKey: string;
  partnerPushSecret?: string | undefined;
}

/**
 * The composition root of every engine Lambda: from the engine settings its handler read at
 * cold start (`readLambdaEnvironment`), reads the keys secret, creates one SDK client per
 * service, and wires the same engine the local runner runs, with the AWS adapters.
 *
 * `channels` builds the message channels, for the one function that sends (`createSendChannels`);
 * the others pass none, and so never load the SDK clients of SMS, SES and SNS. `metrics` counts
 * send outcomes for the operations dashboard (the send function's `PowertoolsEngineMetrics`).
 * `linkBaseUrl`, for the same function, is where the tracked links in its messages point. Where
 * the deployment has a partner push, its signing secret is read too.
 */
export async function loadLambdaEngine(
  environment: EnvironmentConfig<'engine'>,
  options: {
    channels?: (keys: ChannelKeys) => MessageChannels;
    metrics?: EngineMetrics;
    linkBaseUrl?: string;
    /** The partner push signing secret (`PARTNER_PUSH_SECRET_ARN`), where the deployment has a partner push. */
    partnerPushSecretArn?: string | undefined;
  } = {},
): Promise<LambdaEngine> {
  const logger = new Logger();
  const { masterKey, partnerPushSecret } = await readSecrets(environment.KEYS_SECRET_ARN, options.partnerPushSecretArn);

  const unsubscribeKey = deriveKey(masterKey, 'unsubscribe-link');
  const linkKey = deriveKey(masterKey, 'tracked-link');
  // One key for every pseudonym the engine keeps: customer hashes, journey ids, timer names.
  const idHashKey = deriveKey(masterKey, 'customer-id-hash');
  const channels = options.channels?.({ unsubscribeKey, linkKey, partnerPushSecret }) ?? {};
  const policies = bundledPolicies(idHashKey);

  const deps: EngineDeps = {
    store: new DynamoDbCustomerStore({
      client: createDocumentClient(createDynamoDbClient()),
      tableName: environment.TABLE_NAME,
      phoneHashKey: deriveKey(masterKey, 'phone-lookup'),
      eventHashKey: deriveKey(masterKey, 'event-receipt'),
    }),
    scheduler: new EventBridgeTouchScheduler({
      client: createSchedulerClient(),
      groupName: environment.SCHEDULE_GROUP_NAME,
      targetArn: environment.SEND_TOUCH_FUNCTION_ARN,
      roleArn: environment.SCHEDULER_ROLE_ARN,
      deadLetterArn: environment.TIMER_DLQ_ARN,
    }),
    channels,
    clock: systemClock,
    policies,
    prices: bundledPrices(policies),
    logger,
    idHashKey,
    metrics: options.metrics,
    ...(options.linkBaseUrl ? { links: { baseUrl: options.linkBaseUrl, key: linkKey } } : {}),
  };
  if (options.channels) assertAdapters(deps);
  return { deps, logger, unsubscribeKey, linkKey, ...(partnerPushSecret !== undefined ? { partnerPushSecret } : {}) };
}

/** The master key and, where the deployment has a partner push, its signing secret: read side by side, once per cold start. */
async function readSecrets(
  keysArn: string,
  partnerPushArn: string | undefined,
): Promise<{ masterKey: string; partnerPushSecret?: string }> {
  const secrets = new SecretsManagerClient({});
  const read = async (arn: string, what: string) => {
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!secret.SecretString) throw new Error(`the ${what} secret has no string value`);
    return secret.SecretString;
  };
  try {
    const [masterKey, partnerPushSecret] = await Promise.all([
      read(keysArn, 'keys'),
      partnerPushArn ? read(partnerPushArn, 'partner push') : undefined,
    ]);
    return { masterKey, ...(partnerPushSecret !== undefined ? { partnerPushSecret } : {}) };
  } finally {
    secrets.destroy();
  }
}

/**
 * The sending function has an adapter for every channel the deployment plans on: a bundle that
 * plans e-mail where the function has no sender would fail every e-mail touch, so it fails the
 * cold start instead, naming the channel.
 */
function assertAdapters(deps: EngineDeps): void {
  const missing = deps.policies.deployedChannels.filter((channel) => deps.channels[channel] === undefined);
  if (missing.length > 0)
    throw new Error(
      `The deployment plans ${missing.join(', ')} touches, but this function has no adapter for them (e-mail needs SES_FROM_ADDRESS and SES_CONFIGURATION_SET, WhatsApp WHATSAPP_PHONE_NUMBER_ID, push PARTNER_PUSH_URL and PARTNER_PUSH_SECRET_ARN)`,
    );
}
