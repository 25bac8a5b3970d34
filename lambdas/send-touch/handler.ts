import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import * as z from 'zod';
import { loadLambdaEngine } from '#shared/adapters/aws/lambda-engine';
import { createSendChannels } from '#shared/adapters/aws/send-channels';
import { PowertoolsEngineMetrics } from '#shared/adapters/aws/send-metrics';
import { readLambdaEnvironment } from '#shared/config/lambda-environment';
import { fireTimer, type TimerResult } from '#shared/engine/fire-timer';

const environment = readLambdaEnvironment('send-touch');
const { deps, logger } = await loadLambdaEngine(environment.engine, {
  channels: (keys) => createSendChannels(environment.sendChannels, keys),
  metrics: new PowertoolsEngineMetrics(),
  linkBaseUrl: environment.sendChannels.LINK_BASE_URL,
  partnerPushSecretArn: environment.partnerPush?.PARTNER_PUSH_SECRET_ARN,
});

/** What each one-shot schedule passes as its input (TimerSpec.payload): a touch due (no `kind`), a lapse check, or a claim's lease. */
const TimerPayload = z.union([
  z.object({ kind: z.literal('lapse'), customerId: z.string().min(1), timerName: z.string().min(1) }),
  z.object({ kind: z.literal('lease'), customerId: z.string().min(1), touchId: z.string().min(1), timerName: z.string().min(1) }),
  z.object({ customerId: z.string().min(1), touchId: z.string().min(1), timerName: z.string().min(1) }),
]);

/**
 * Invoked by EventBridge Scheduler when a timer is due. A malformed payload or a retryable
 * failure throws: Lambda retries the async invocation, then sends it to the dead-letter queue.
 */
export const handler = middy(async (event: unknown): Promise<TimerResult> => fireTimer(deps, TimerPayload.parse(event))).use(
  injectLambdaContext(logger),
);
