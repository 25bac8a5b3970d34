import { ArnFormat, Aws, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { ConfigurationSet, ConfigurationSetEventDestination, EmailSendingEvent, EventDestination } from 'aws-cdk-lib/aws-ses';
import { CfnConfigurationSet } from 'aws-cdk-lib/aws-smsvoice';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { TEAM_ATTRIBUTE } from '#shared/adapters/aws/sns-task-channel';
import { WINBACK_TABLE } from '#shared/adapters/aws/dynamodb-table';
import { SMS_EVENT_TYPES } from '#shared/adapters/aws/sms-notifications';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvironmentValues } from '#shared/config/lambda-environment';
import { bindEnvironment } from './environment.ts';
import type { Settings } from './settings.ts';
import { CALL_CHAINS, timeoutFor } from './function-timeouts.ts';
import { WinbackFunction } from './winback-function.ts';
import { deadLetterQueue } from './dead-letter-queue.ts';

/** The send function's timeout, from the calls it makes in a row (`lib/function-timeouts.ts`). */
export const SEND_TOUCH_TIMEOUT = timeoutFor(CALL_CHAINS['send-touch']);

export interface TouchDeliveryProps {
  /** The journeys table (read and written by the send function). */
  readonly table: ITable;
  /** The deployment's master key secret (pseudonymous ids, unsubscribe links). */
  readonly keysSecret: ISecret;
  /** Encrypts the SES and SMS events topics and the inbound SMS topic. */
  readonly messagingKey: IKey;
  readonly settings: Settings;
  /** esbuild `define` for the operator's policies. */
  readonly policyDefine: Record<string, string>;
  /** Base of the RFC 8058 one-click unsubscribe link in every e-mail: the public API's `/v1/unsubscribe`. */
  readonly unsubscribeBaseUrl: string;
  /** Where tracked links point (`<url>/r/<token>`): the operator's short domain, or the public API's URL. */
  readonly linkBaseUrl: string;
}

/**
 * Sending touches: one EventBridge Scheduler one-shot schedule per touch (created at run time
 * by the engine, in this group), the role Scheduler uses to invoke the send function and
 * nothing else, the send function with its End User Messaging SMS and SES rights, the SES and SMS
 * configuration sets whose events flow back through topics, the topic a two-way number publishes
 * replies to, and the dead-letter queues of both hops.
 */
export class TouchDelivery extends Construct {
  readonly scheduleGroup: ScheduleGroup;
  readonly scheduleGroupName: string;
  /** Scheduler assumes this role to invoke `sendFunction`; it can do nothing else. */
  readonly schedulerRole: Role;
  readonly sendFunction: WinbackFunction;
  /** Schedules Scheduler could not deliver to the send function after its retries. */
  readonly timerDeadLetters: Queue;
  /** Send invocations that failed after Lambda's async retries (e.g. SNS throttled all along). */
  readonly sendDeadLetters: Queue;
  readonly configurationSet: ConfigurationSet;
  /** SES delivery, bounce, complaint, open and click events. */
  readonly sesEventsTopic: Topic;
  /** The End User Messaging SMS configuration set every text is sent with. */
  readonly smsConfigurationSet: CfnConfigurationSet;
  readonly smsConfigurationSetName: string;
  /** SMS delivery receipts and failures (`SMS_EVENT_TYPES`) of that configuration set. */
  readonly smsEventsTopic: Topic;
  /**
   * Inbound SMS: the operator points the two-way number's channel (`TwoWayChannelArn`) here, so
   * replies such as STOP reach the engagement function.
   */
  readonly smsInboundTopic: Topic;
  /**
   * Retention tasks for people: the send function publishes each task notice here with its team
   * as a message attribute; each team's e-mail subscription (`retentionTeams`) filters on it.
   */
  readonly retentionTaskTopic: Topic;
  /**
   * WhatsApp receipts and replies, where the deployment sends WhatsApp: the operator sets it as
   * the WhatsApp Business Account's event destination in End User Messaging Social.
   */
  readonly whatsAppEventsTopic: Topic | undefined;
  /**
   * The `engine` environment every engine function reads (the table, the keys secret, the touch
   * timers): {@link bindEngine} sets it with the grants; the nightly job, which grants itself
   * less, sets it alone.
   */
  readonly engineEnvironment: EnvironmentValues<'engine'>;
  private readonly table: ITable;
  private readonly keysSecret: ISecret;

  constructor(scope: Construct, id: string, props: TouchDeliveryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.table = props.table;
    this.keysSecret = props.keysSecret;

    this.timerDeadLetters = deadLetterQueue(this, 'TimerDeadLetters');
    this.sendDeadLetters = deadLetterQueue(this, 'SendDeadLetters');

    this.scheduleGroupName = `${stack.stackName}-touches`;
    // Deleted with the stack, pending schedules with it: a retained group would fire into a deleted
    // function and block the next deployment, which creates a group of the same name.
    this.scheduleGroup = new ScheduleGroup(this, 'Touches', {
      scheduleGroupName: this.scheduleGroupName,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.configurationSet = new ConfigurationSet(this, 'Email', { configurationSetName: `${stack.stackName}-email` });
    this.sesEventsTopic = new Topic(this, 'SesEvents', { masterKey: props.messagingKey, enforceSSL: true });
    new ConfigurationSetEventDestination(this, 'SesEventsDestination', {
      configurationSet: this.configurationSet,
      destination: EventDestination.snsTopic(this.sesEventsTopic),
      events: [
        EmailSendingEvent.DELIVERY,
        EmailSendingEvent.BOUNCE,
        EmailSendingEvent.COMPLAINT,
        EmailSendingEvent.OPEN,
        EmailSendingEvent.CLICK,
      ],
    });
    // SES encrypts its events with the key: only for this account's configuration sets.
    props.messagingKey.grantEncryptDecrypt(
      new ServicePrincipal('ses.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
    );

    // SMS: End User Messaging publishes receipts and replies to these topics itself (topic policy
    // for the sms-voice service, limited to this account, and for receipts to this configuration
    // set), encrypting with the messaging key.
    this.smsConfigurationSetName = `${stack.stackName}-sms`;
    const smsConfigurationSetArn = `arn:${Aws.PARTITION}:sms-voice:${Aws.REGION}:${Aws.ACCOUNT_ID}:configuration-set/${this.smsConfigurationSetName}`;
    const smsVoice = (sourceArn?: string) =>
      new ServicePrincipal('sms-voice.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ...(sourceArn ? { ArnLike: { 'aws:SourceArn': sourceArn } } : {}),
        },
      });
    this.smsEventsTopic = new Topic(this, 'SmsEvents', { masterKey: props.messagingKey, enforceSSL: true });
    this.smsEventsTopic.grantPublish(smsVoice(smsConfigurationSetArn));
    this.smsInboundTopic = new Topic(this, 'SmsInbound', { masterKey: props.messagingKey, enforceSSL: true });
    this.smsInboundTopic.grantPublish(smsVoice());
    props.messagingKey.grant(smsVoice(), 'kms:GenerateDataKey*', 'kms:Decrypt');
    this.smsConfigurationSet = new CfnConfigurationSet(this, 'Sms', {
      configurationSetName: this.smsConfigurationSetName,
      ...(props.settings.smsSenderId ? { defaultSenderId: props.settings.smsSenderId } : {}),
      eventDestinations: [
        {
          eventDestinationName: 'winback-engagement',
          enabled: true,
          matchingEventTypes: [...SMS_EVENT_TYPES],
          snsDestination: { topicArn: this.smsEventsTopic.topicArn },
        },
      ],
    });
    // The service checks that it may publish to the topic when the destination is created.
    this.smsConfigurationSet.node.addDependency(this.smsEventsTopic);

    this.retentionTaskTopic = new Topic(this, 'RetentionTasks', { masterKey: props.messagingKey, enforceSSL: true });
    for (const [team, addresses] of Object.entries(props.settings.retentionTeams)) {
      const filterPolicy = { [TEAM_ATTRIBUTE]: SubscriptionFilter.stringFilter({ allowlist: [team] }) };
      for (const address of addresses) this.retentionTaskTopic.addSubscription(new EmailSubscription(address, { filterPolicy }));
    }

    // A fixed name lets the other functions know the send function's ARN without a reference,
    // which would close a dependency cycle (send → API URL → API function → send).
    const sendFunctionName = `${stack.stackName}-send-touch`;
    const sendFunctionArn = stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: sendFunctionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'EventBridge Scheduler invokes the Winback send-touch function with this role, and nothing else.',
    });
    this.engineEnvironment = {
      TABLE_NAME: props.table.tableName,
      SCHEDULE_GROUP_NAME: this.scheduleGroupName,
      SEND_TOUCH_FUNCTION_ARN: sendFunctionArn,
      SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
      TIMER_DLQ_ARN: this.timerDeadLetters.queueArn,
      KEYS_SECRET_ARN: props.keysSecret.secretArn,
    };

    this.sendFunction = new WinbackFunction(this, 'Send', {
      lambda: 'send-touch',
      functionName: sendFunctionName,
      description: 'Sends one due touch after re-checking return, consent, send window and frequency cap.',
      define: props.policyDefine,
      deadLetterQueue: this.sendDeadLetters,
      retryAttempts: 2,
      timeout: SEND_TOUCH_TIMEOUT,
    });
    // What the send function sends with; the rights to each are granted below.
    // Without a sender address the deployment sends no e-mail: neither SES variable is set.
    const sender = props.settings.sesFromAddress;
    bindEnvironment(this.sendFunction, 'sendChannels', {
      UNSUBSCRIBE_BASE_URL: props.unsubscribeBaseUrl,
      LINK_BASE_URL: props.linkBaseUrl,
      SES_FROM_ADDRESS: sender,
      SES_CONFIGURATION_SET: sender === undefined ? undefined : this.configurationSet.configurationSetName,
      SMS_CONFIGURATION_SET: this.smsConfigurationSetName,
      SMS_MESSAGE_TYPE: 'PROMOTIONAL',
      // Empty when the operator has none: the function reads it as absent, and the service picks an identity.
      SMS_ORIGINATION_IDENTITY: props.settings.smsOriginationNumber ?? '',
      RETENTION_TASK_TOPIC_ARN: this.retentionTaskTopic.topicArn,
      // Empty without WhatsApp: the function reads it as absent, and builds no WhatsApp channel.
      WHATSAPP_PHONE_NUMBER_ID: props.settings.whatsapp?.phoneNumberId ?? '',
      // Absent without a partner push: the function builds no push channel.
      PARTNER_PUSH_URL: props.settings.partnerPush?.endpoint,
    });
    // What grantPublish would give, without its `kms:GenerateDataKey*` wildcard: SNS encrypts
    // each message under the messaging key with a data key asked for on the publisher's behalf.
    this.sendFunction.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [this.retentionTaskTopic.topicArn] }));
    this.sendFunction.addToRolePolicy(
      new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.messagingKey.keyArn] }),
    );
    // Scheduler may invoke exactly this function (not its versions or aliases: no `:*`), and
    // send what it cannot deliver to its dead-letter queue.
    this.schedulerRole.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.sendFunction.functionArn] }));
    this.timerDeadLetters.grantSendMessages(this.schedulerRole);

    this.whatsAppEventsTopic = this.grantWhatsApp(props);

    // Sending creates timers (a deferral, a claim's lease timer) and cancels the lease timer once
    // the claim has its outcome.
    this.bindEngine(this.sendFunction, { cancelsTimers: true });
    // The schedule group must exist before any function can put timers in it.
    this.sendFunction.node.addDependency(this.scheduleGroup);
    // SendTextMessage is authorized on the configuration set and on the identity it sends from
    // (phone number, sender id, pool; also a protect configuration, which Winback does not use),
    // as AWS's service authorization reference lists them: an opt-out list is not among them (the
    // service applies the list of the identity or configuration set without a grant on it). The
    // operator's number is known only as E.164 (its ARN holds an id assigned by the service), and
    // without one the service picks an identity of the account, so the identities are bounded to
    // this account and region by type rather than named. tests/infra/iam-reference.test.ts checks
    // every grant against that reference.
    const smsIdentityArn = (type: string) => `arn:${Aws.PARTITION}:sms-voice:${Aws.REGION}:${Aws.ACCOUNT_ID}:${type}/*`;
    const smsIdentityTypes = ['phone-number', 'sender-id', 'pool'];
    this.sendFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['sms-voice:SendTextMessage'],
        resources: [smsConfigurationSetArn, ...smsIdentityTypes.map(smsIdentityArn)],
      }),
    );
    for (const type of smsIdentityTypes) {
      Validations.of(this.sendFunction).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:${type}/*]`,
        reason: `SendTextMessage checks the ${type} it sends from; the operator names the number by E.164, not by the ARN the service assigns, so it is bounded to this account and region.`,
      });
    }
    if (sender === undefined) return;
    this.sendFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          stack.formatArn({
            service: 'ses',
            resource: 'identity',
            resourceName: props.settings.sesIdentity ?? sender.split('@')[1]!,
          }),
          stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSet.configurationSetName }),
        ],
      }),
    );
  }

  /**
   * WhatsApp, where the operator linked a number: the send function may send from that one phone
   * number id and nothing else, and End User Messaging Social may publish the account's events to
   * a topic of their own (encrypted with the messaging key), for the engagement function.
   */
  private grantWhatsApp(props: TouchDeliveryProps): Topic | undefined {
    const whatsapp = props.settings.whatsapp;
    if (!whatsapp) return undefined;
    const id = whatsapp.phoneNumberId.replace(/^phone-number-id-/, '');
    this.sendFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['social-messaging:SendWhatsAppMessage'],
        resources: [`arn:${Aws.PARTITION}:social-messaging:${Aws.REGION}:${Aws.ACCOUNT_ID}:phone-number-id/${id}`],
      }),
    );
    const social = new ServicePrincipal('social-messaging.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    });
    const topic = new Topic(this, 'WhatsAppEvents', { masterKey: props.messagingKey, enforceSSL: true });
    topic.grantPublish(social);
    props.messagingKey.grant(social, 'kms:GenerateDataKey*', 'kms:Decrypt');
    return topic;
  }

  /**
   * Makes `grantee` an engine function: lets it create (and, with `cancelsTimers`, delete) this
   * deployment's touch timers, passing only the scheduler role, and read and write the table and
   * the keys secret; and sets the `engine` environment that names them.
   */
  bindEngine(grantee: WinbackFunction, options: { cancelsTimers: boolean } = { cancelsTimers: true }): void {
    grantee.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['scheduler:CreateSchedule', ...(options.cancelsTimers ? ['scheduler:DeleteSchedule'] : [])],
        // Pseudo parameters, not the stack's env, so the ARN (and the acknowledgement below) reads
        // the same whether or not the app is bound to an account and region.
        resources: [`arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule/${this.scheduleGroupName}/*`],
      }),
    );
    this.schedulerRole.grantPassRole(grantee.grantPrincipal);
    grantTableData(grantee, this.table, TABLE_READ_WRITE);
    this.keysSecret.grantRead(grantee);
    bindEnvironment(grantee, 'engine', this.engineEnvironment);
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.scheduleGroupName}/*]`,
      reason: "Timer names are per touch, made at run time; the wildcard is bounded to this deployment's schedule group.",
    });
  }
}

/** Item reads and writes on the table itself: what an engine function does to records and receipts. */
export const TABLE_READ_WRITE = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
] as const;

/**
 * Table rights named item by item, instead of `grantReadWriteData`: with an index on the table,
 * that grant adds `<table>/index/*`, a wildcard over every index, where only the API reads one
 * (`grantTaskIndexQuery`). Transactions need the rights of the writes they hold, nothing more.
 */
export function grantTableData(grantee: WinbackFunction, table: ITable, actions: readonly string[]): void {
  grantee.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [table.tableArn] }));
}

/** Querying the task index, for `GET /v1/tasks`. */
export function grantTaskIndexQuery(grantee: WinbackFunction, table: ITable): void {
  grantee.addToRolePolicy(
    new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/${WINBACK_TABLE.taskIndex.name}`] }),
  );
}
