import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import * as z from 'zod';
import { loadLambdaEngine } from '#shared/adapters/aws/lambda-engine';
import { sendTouch, type SendTouchResult } from '#shared/engine/send-touch';

const { deps, logger } = await loadLambdaEngine({ channels: 'send' });

/** What each one-shot schedule passes as its input (TimerSpec.payload). */
const TouchDuePayload = z.object({ customerId: z.string().min(1), touchId: z.string().min(1), timerName: z.string().min(1) });

/**
 * Invoked by EventBridge Scheduler when a touch is due. A malformed payload or a retryable
 * failure throws: Lambda retries the async invocation, then sends it to the dead-letter queue.
 */
export const handler = middy(async (event: unknown): Promise<SendTouchResult> => sendTouch(deps, TouchDuePayload.parse(event))).use(injectLambdaContext(logger));
