import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SNSEvent } from 'aws-lambda';
import { ingestNotifications } from '#shared/adapters/aws/engagement-notifications';
import { loadLambdaEngine } from '#shared/adapters/aws/lambda-engine';

const { deps, logger } = await loadLambdaEngine();

/** SES events, SMS delivery receipts and SMS replies (three SNS topics) into journeys. */
export const handler = middy(
  async (event: SNSEvent): Promise<{ ingested: number; ignored: number }> => ingestNotifications(deps, event),
).use(injectLambdaContext(logger));
