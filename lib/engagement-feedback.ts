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
  /**
   * The WhatsApp Business Account's event destination (receipts and replies), where the deployment sends WhatsApp.
   * @default none
   */
  readonly whatsAppEventsTopic?: ITopic;
  /** esbuild `define` for the operator's policies. */
  readonly policyDefine: Record<string, string>;
}

/**
 * Delivery feedback back into journeys: SES events, SMS delivery receipts, inbound SMS and, where
 * WhatsApp is deployed, End User Messaging Social events (each via its SNS topic) become
 * `message.engaged` events; one function tells the payloads apart.
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
      description: 'SES events, SMS delivery receipts, SMS replies and WhatsApp events into journeys.',
      define: props.policyDefine,
      deadLetterQueue: this.deadLetters,
      timeout: timeoutFor(CALL_CHAINS.engagement),
    });
    const topics = [
      props.sesEventsTopic,
      props.smsEventsTopic,
      props.smsInboundTopic,
      ...(props.whatsAppEventsTopic ? [props.whatsAppEventsTopic] : []),
    ];
    for (const topic of topics) {
      topic.addSubscription(new LambdaSubscription(this.handler, { deadLetterQueue: this.deadLetters }));
    }
  }
}
