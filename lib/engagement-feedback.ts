import { Duration, Validations } from 'aws-cdk-lib';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WinbackFunction } from './winback-function.ts';

export interface EngagementFeedbackProps {
  /** SES events of the configuration set. */
  readonly sesEventsTopic: ITopic;
  /** End User Messaging SMS delivery receipts of the SMS configuration set. */
  readonly smsEventsTopic: ITopic;
  /** Inbound SMS of the two-way number (replies, STOP). */
  readonly smsInboundTopic: ITopic;
  readonly environment: Record<string, string>;
  readonly policyDefine: Record<string, string>;
}

/**
 * Delivery feedback back into journeys: SES events, SMS delivery receipts and inbound SMS (each
 * via its SNS topic) become `message.engaged` events; one function tells the payloads apart.
 */
export class EngagementFeedback extends Construct {
  readonly handler: WinbackFunction;
  /** Notifications SNS could not deliver to the function after its retries. */
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: EngagementFeedbackProps) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'DeadLetters', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    Validations.of(this.deadLetters).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This queue is itself a dead-letter queue; an operator replays it.' });
    this.handler = new WinbackFunction(this, 'Handler', {
      lambda: 'engagement',
      description: 'SES events, SMS delivery receipts and SMS replies into journeys.',
      define: props.policyDefine,
      environment: props.environment,
      deadLetterQueue: this.deadLetters,
    });
    for (const topic of [props.sesEventsTopic, props.smsEventsTopic, props.smsInboundTopic]) {
      topic.addSubscription(new LambdaSubscription(this.handler, { deadLetterQueue: this.deadLetters }));
    }
  }
}
