import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SNSEvent } from 'aws-lambda';
import { ingestNotifications } from '#shared/adapters/aws/engagement-notifications';
import { loadLambdaEngine } from '#shared/adapters/aws/lambda-engine';
import { readLambdaEnvironment } from '#shared/config/lambda-environment';

const { deps, logger, linkKey } = await loadLambdaEngine(readLambdaEnvironment('engagement').engine);

/** SES events, SMS delivery receipts, SMS replies and WhatsApp events (SNS topics) into journeys. */
export const handler = middy(
  async (event: SNSEvent): Promise<{ ingested: number; ignored: number }> => ingestNotifications(deps, event, { linkKey }),
).use(injectLambdaContext(logger));
