import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CALL_CHAINS, timeoutFor } from './function-timeouts.ts';
import { WinbackFunction } from './winback-function.ts';
import { deadLetterQueue } from './dead-letter-queue.ts';

export interface EngagementFeedbackProps {
  /** SES events of the configuration set. */
  readonly sesEventsTopic: ITopic;
  /** End User Messaging SMS delivery receipts of the SMS configuration set. */
  readonly smsEventsTopic: ITopic;
  /** Inbound SMS of the two-way number (replies, STOP). */
  readonly smsInboundTopic: ITopic;
  /** esbuild `define` for the operator's policies. */
  readonly policyDefine: Record<string, string>;
}

/**
 * Delivery feedback back into journeys: SES events, SMS delivery receipts and inbound SMS (each
 * via its SNS topic) become `message.engaged` events; one function tells the payloads apart.
 * The handler's engine rights and environment come from `TouchDelivery.bindEngine`.
 */
export class EngagementFeedback extends Construct {
  readonly handler: WinbackFunction;
  /** Notifications SNS could not deliver to the function after its retries. */
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: EngagementFeedbackProps) {
    super(scope, id);
    this.deadLetters = deadLetterQueue(this, 'DeadLetters');
    this.handler = new WinbackFunction(this, 'Handler', {
      lambda: 'engagement',
      description: 'SES events, SMS delivery receipts and SMS replies into journeys.',
      define: props.policyDefine,
      deadLetterQueue: this.deadLetters,
      timeout: timeoutFor(CALL_CHAINS.engagement),
    });
    for (const topic of [props.sesEventsTopic, props.smsEventsTopic, props.smsInboundTopic]) {
      topic.addSubscription(new LambdaSubscription(this.handler, { deadLetterQueue: this.deadLetters }));
    }
  }
}
