import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SNSEvent } from 'aws-lambda';
import { loadLambdaEngine } from '#shared/adapters/aws/lambda-engine';
import { engagementFromSesNotification } from '#shared/adapters/aws/ses-notifications';
import { ingestEvent } from '#shared/engine/ingest-event';

const { deps, logger } = await loadLambdaEngine({ channels: 'none' });

/**
 * SES delivery, bounce, complaint, open and click notifications (configuration set → SNS) become
 * `message.engaged` events. Replays are harmless: each notification maps to a stable event id.
 */
export const handler = middy(async (event: SNSEvent): Promise<{ ingested: number; ignored: number }> => {
  let ingested = 0;
  for (const record of event.Records) {
    const engaged = engagementFromSesNotification(record.Sns.Message);
    if (!engaged) {
      logger.warn('SES notification ignored: not from a Winback touch', { messageId: record.Sns.MessageId });
      continue;
    }
    await ingestEvent(deps, engaged);
    ingested += 1;
  }
  return { ingested, ignored: event.Records.length - ingested };
}).use(injectLambdaContext(logger));
