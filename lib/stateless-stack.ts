import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { deadLetterOutputKeys, type DeadLetterQueueName } from '#shared/adapters/aws/dead-letter-routes';
import { AWS_CHANNELS, AWS_CONFIGURED_CHANNELS } from '#shared/adapters/aws/deployed-channels';
import { REPORT_OUTPUT_KEYS } from '#shared/report/keys';
import { Analytics } from './analytics.ts';
import { OperationsDashboard } from './dashboard.ts';
import { PartnerPush } from './partner-push.ts';
import { EngagementFeedback } from './engagement-feedback.ts';
import { NightlyJob } from './nightly-job.ts';
import { Operations } from './operations.ts';
import { PublicApi } from './public-api.ts';
import { deployedChannelsOf } from './sender.ts';
import type { Settings } from './settings.ts';
import { grantTableData, grantTaskIndexQuery, TouchDelivery } from './touch-delivery.ts';

export interface WinbackStatelessStackProps extends StackProps {
  /** From the stateful stack. */
  readonly table: ITable;
  readonly lakeBucket: IBucket;
  readonly settings: Settings;
}

/**
 * Compute: the API, the engine functions, touch scheduling, messaging and alarms. Holds no data
 * of its own, so it can be redeployed or replaced freely.
 */
export class WinbackStatelessStack extends Stack {
  readonly delivery: TouchDelivery;
  readonly publicApi: PublicApi;
  readonly feedback: EngagementFeedback;
  readonly analytics: Analytics;
  readonly nightly: NightlyJob;
  readonly operations: Operations;
  /**
   * The constants every engine bundle is built with (esbuild `define`): the operator's policies,
   * legal send windows, prices and the channels the deployment sends on, as JSON.
   */
  readonly bundleConstants: Readonly<Record<string, string>>;
  readonly dashboard: OperationsDashboard;
  /** The partner push signing secret, where the settings have a partner push. */
  readonly partnerPush?: PartnerPush;

  constructor(scope: Construct, id: string, props: WinbackStatelessStackProps) {
    super(scope, id, props);
    // Operator policies, legal send windows, prices and channels, validated at synth, inlined into every engine bundle.
    const { policies, legalSendWindows, prices } = props.settings;
    const policyDefine: Record<string, string> = {
      ...(policies.length > 0 ? { WINBACK_BUNDLED_POLICIES: JSON.stringify(JSON.stringify(policies)) } : {}),
      ...(legalSendWindows.length > 0 ? { WINBACK_BUNDLED_LEGAL_SEND_WINDOWS: JSON.stringify(JSON.stringify(legalSendWindows)) } : {}),
      WINBACK_BUNDLED_PRICES: JSON.stringify(JSON.stringify(prices)),
      // E-mail only with a sender address: no function plans a touch nothing could send.
      WINBACK_BUNDLED_CHANNELS: JSON.stringify(JSON.stringify(deployedChannelsOf(props.settings))),
    };
    this.bundleConstants = policyDefine;

    const keysSecret = new Secret(this, 'Keys', {
      description: 'Winback master key: pseudonymous customer ids and unsubscribe-link signatures are derived from it.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(keysSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating it would break pseudonymous ids (KPI joins) and every unsubscribe link already sent.',
    });

    // It only encrypts messages in flight on its topics: nothing stored depends on it after a teardown.
    const messagingKey = new Key(this, 'MessagingKey', {
      enableKeyRotation: true,
      description: 'Encrypts the SES events, SMS events, inbound SMS and alarm topics.',
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });

    // The API first: every e-mail's one-click unsubscribe link points at it.
    const partnerPush = props.settings.partnerPush;
    this.publicApi = new PublicApi(this, 'PublicApi', {
      auth: props.settings.apiAuth,
      policyDefine,
      partnerPushReceipts: partnerPush !== undefined,
    });
    this.delivery = new TouchDelivery(this, 'Delivery', {
      table: props.table,
      keysSecret,
      messagingKey,
      settings: props.settings,
      policyDefine,
      unsubscribeBaseUrl: this.publicApi.api.urlForPath('/v1/unsubscribe'),
      linkBaseUrl: props.settings.linkBaseUrl ?? this.publicApi.api.url,
    });
    this.delivery.bindEngine(this.publicApi.handler);
    grantTaskIndexQuery(this.publicApi.handler, props.table);
    // A batch reads the receipts of its events in BatchGetItem calls (`DynamoDbCustomerStore.hasEvents`).
    grantTableData(this.publicApi.handler, props.table, ['dynamodb:BatchGetItem']);
    if (partnerPush)
      this.partnerPush = new PartnerPush(this, 'PartnerPush', {
        settings: partnerPush,
        sendFunction: this.delivery.sendFunction,
        apiFunction: this.publicApi.handler,
      });

    this.feedback = new EngagementFeedback(this, 'Feedback', {
      sesEventsTopic: this.delivery.sesEventsTopic,
      smsEventsTopic: this.delivery.smsEventsTopic,
      smsInboundTopic: this.delivery.smsInboundTopic,
      ...(this.delivery.whatsAppEventsTopic ? { whatsAppEventsTopic: this.delivery.whatsAppEventsTopic } : {}),
      policyDefine,
    });
    this.delivery.bindEngine(this.feedback.handler);

    this.analytics = new Analytics(this, 'Analytics', {
      lakeBucket: props.lakeBucket,
      bytesScannedCutoffPerQuery: Math.round(props.settings.athenaScanLimitGb * 1024 ** 3),
    });
    this.nightly = new NightlyJob(this, 'Nightly', {
      table: props.table,
      lakeBucket: props.lakeBucket,
      keysSecret,
      analytics: this.analytics,
      engineEnvironment: this.delivery.engineEnvironment,
      policyDefine,
      costPerAcquisition: props.settings.costPerAcquisition,
      scanSegments: props.settings.scanSegments,
      kpiEngine: props.settings.kpiEngine,
      runAt: props.settings.nightlyRun,
    });

    const deadLetterQueues = {
      Timer: this.delivery.timerDeadLetters,
      Send: this.delivery.sendDeadLetters,
      Engagement: this.feedback.deadLetters,
      Nightly: this.nightly.deadLetters,
    };
    this.operations = new Operations(this, 'Operations', {
      messagingKey,
      alarmEmail: props.settings.alarmEmail,
      functions: {
        Api: this.publicApi.handler,
        SendTouch: this.delivery.sendFunction,
        Engagement: this.feedback.handler,
        Nightly: this.nightly.handler,
      },
      deadLetterQueues,
      api: this.publicApi.api,
    });

    this.dashboard = new OperationsDashboard(this, 'Dashboard', {
      api: this.publicApi.api,
      engagementFunction: this.feedback.handler,
      nightlyFunction: this.nightly.handler,
      scheduleGroup: this.delivery.scheduleGroup,
      feedbackTopics: {
        'SES events': this.delivery.sesEventsTopic,
        'SMS receipts': this.delivery.smsEventsTopic,
        'SMS replies': this.delivery.smsInboundTopic,
      },
      deadLetterQueues,
      alarms: this.operations.alarms,
      // Task notices go out through the send function too (to the retention teams' topic); WhatsApp
      // and push where the settings configure them.
      channels: [...AWS_CHANNELS, ...deployedChannelsOf(props.settings).filter((c) => AWS_CONFIGURED_CHANNELS.includes(c)), 'task'],
    });

    new CfnOutput(this, 'ApiUrl', { value: this.publicApi.api.url });
    // What `npm run report -- --aws` reads: where the nightly job writes the reports, and the Athena names.
    new CfnOutput(this, REPORT_OUTPUT_KEYS.bucket, {
      value: props.lakeBucket.bucketName,
      description: 'The lake bucket; reports under reports/.',
    });
    new CfnOutput(this, REPORT_OUTPUT_KEYS.workgroup, { value: this.analytics.workGroupName, description: 'The Athena workgroup.' });
    new CfnOutput(this, REPORT_OUTPUT_KEYS.database, { value: this.analytics.database.databaseName, description: 'The Glue database.' });
    new CfnOutput(this, 'ScheduleGroup', { value: this.delivery.scheduleGroupName });
    // What `npm run dlq:replay` reads: each dead-letter queue, and the function its messages were for.
    const deadLetters: Record<DeadLetterQueueName, { queue: IQueue; target: IFunction }> = {
      timer: { queue: this.delivery.timerDeadLetters, target: this.delivery.sendFunction },
      send: { queue: this.delivery.sendDeadLetters, target: this.delivery.sendFunction },
      engagement: { queue: this.feedback.deadLetters, target: this.feedback.handler },
      nightly: { queue: this.nightly.deadLetters, target: this.nightly.handler },
    };
    for (const [name, { queue, target }] of Object.entries(deadLetters) as Array<
      [DeadLetterQueueName, { queue: IQueue; target: IFunction }]
    >) {
      const keys = deadLetterOutputKeys(name);
      new CfnOutput(this, keys.queueUrl, { value: queue.queueUrl, description: `The ${name} dead-letter queue (npm run dlq:replay).` });
      new CfnOutput(this, keys.functionName, {
        value: target.functionName,
        description: `The function the ${name} dead letters are re-driven to.`,
      });
    }
    if (this.delivery.whatsAppEventsTopic)
      new CfnOutput(this, 'WhatsAppEventsTopicArn', {
        value: this.delivery.whatsAppEventsTopic.topicArn,
        description:
          'Set as the WhatsApp Business Account event destination in End User Messaging Social, so receipts and replies reach Winback.',
      });
    new CfnOutput(this, 'SmsInboundTopicArn', {
      value: this.delivery.smsInboundTopic.topicArn,
      description: 'Set as the two-way SMS channel of the origination number, so replies (STOP) reach Winback.',
    });
  }
}
