import { Aws, Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { type CfnSchedule, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvironmentValues } from '#shared/config/lambda-environment';
import { AUDIENCES_PREFIX } from '#shared/domain/audience';
import { ANALYST_TABLES } from '#shared/domain/kpi/tables';
import { REPORTS_PREFIX } from '#shared/report/keys';
import { acknowledgeWildcardResource, type Analytics } from './analytics.ts';
import { bindEnvironment } from './environment.ts';
import { DEFAULT_NIGHTLY_RUN } from './settings.ts';
import { grantTableData } from './touch-delivery.ts';
import { LAMBDA_MAX_TIMEOUT } from './function-timeouts.ts';
import { WinbackFunction } from './winback-function.ts';
import { deadLetterQueue } from './dead-letter-queue.ts';

/** Lambda's ceiling: the job logs progress, and past what one run can scan the KPI SQL moves to Athena. */
export const NIGHTLY_TIMEOUT = LAMBDA_MAX_TIMEOUT;

export interface NightlyJobProps {
  /** The journeys table, scanned (read only) by the job. */
  readonly table: ITable;
  /** The lake bucket the job writes its Parquet partitions and hashed audience files to. */
  readonly lakeBucket: IBucket;
  /** The master key secret: customer ids are hashed with a key derived from it. */
  readonly keysSecret: ISecret;
  /** The Glue tables and Athena workgroup the KPI SQL runs in at scale. */
  readonly analytics: Analytics;
  /** The `engine` environment (TABLE_NAME, KEYS_SECRET_ARN, …) every engine function reads (`TouchDelivery.engineEnvironment`). */
  readonly engineEnvironment: EnvironmentValues<'engine'>;
  /** esbuild `define` for the operator's policies. */
  readonly policyDefine: Record<string, string>;
  /**
   * What acquiring a new customer costs, in the currency of the policy. Sets `COST_PER_ACQUISITION`.
   * @default NIGHTLY_DEFAULTS.costPerAcquisition (150), applied by the function
   */
  readonly costPerAcquisition?: number;
  /**
   * Parallel DynamoDB scan segments. Sets `SCAN_SEGMENTS`.
   * @default NIGHTLY_DEFAULTS.scanSegments (4), applied by the function
   */
  readonly scanSegments?: number;
  /**
   * Who computes the KPIs from the facts: the function itself (`in-process`) or Athena, running
   * `sql/kpis.sql` as an UNLOAD into the `kpis` partition (`athena`). Sets `KPI_ENGINE`.
   * @default NIGHTLY_DEFAULTS.kpiEngine ('in-process'), applied by the function
   */
  readonly kpiEngine?: 'in-process' | 'athena';
  /**
   * When the job runs each day, in UTC.
   * @default DEFAULT_NIGHTLY_RUN ({ hour: 2, minute: 30 })
   */
  readonly runAt?: { readonly hour: number; readonly minute: number };
}

/**
 * The nightly KPI job: a function that scans the journeys, writes journey facts and KPIs as
 * Parquet `dt=` partitions to the lake, and can hand the KPI SQL to Athena when the table is too
 * large for one process; from the same scan it writes the hashed Customer Match audience under
 * `audiences/`; then the night's KPI report under `reports/` (its queries run by Athena); and
 * the EventBridge Scheduler cron that starts it every night, with a bounded retry policy and a
 * dead-letter queue.
 */
export class NightlyJob extends Construct {
  readonly handler: WinbackFunction;
  /** Nightly runs that never started (Scheduler could not invoke) or failed after their retry. */
  readonly deadLetters: Queue;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: NightlyJobProps) {
    super(scope, id);
    const runAt = props.runAt ?? DEFAULT_NIGHTLY_RUN;

    this.deadLetters = deadLetterQueue(this, 'DeadLetters');

    this.handler = new WinbackFunction(this, 'Handler', {
      lambda: 'nightly',
      description:
        'Nightly KPIs: journey facts and win-back KPIs as Parquet dt= partitions in the lake, for Athena; and the hashed Customer Match audience.',
      define: props.policyDefine,
      // sql/kpis.sql is embedded in the bundle as text (the `.sql` loader of lib/bundling.ts), so
      // Athena runs exactly the query the tests prove equal to the in-process aggregator.
      // Lambda's ceiling; the job logs progress, and past what one run can scan the KPI SQL moves to
      // Athena, whose wait stops in time for its stop call (STOP_MARGIN_MS, tests/infra/function-timeouts.test.ts).
      timeout: LAMBDA_MAX_TIMEOUT,
      // 1,769 MB is one full vCPU: Parquet encoding and the aggregator are CPU-bound.
      memorySize: 1769,
      // One retry after a failure (each run may take up to 15 minutes and replaces its partitions),
      // then the event waits in the dead-letter queue, where an alarm fires.
      retryAttempts: 1,
      deadLetterQueue: this.deadLetters,
    });

    // Reads journeys, and writes a customer item only to resolve a claim stuck in `sending` (one
    // conditional put, the record's phone unchanged); then deletes that claim's lease timer, should
    // it still exist. Creates no timers (no CreateSchedule, no role to pass).
    grantTableData(this.handler, props.table, [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:PutItem',
      'dynamodb:DescribeTable',
    ]);
    const timers = `arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule/${props.engineEnvironment.SCHEDULE_GROUP_NAME}/*`;
    this.handler.addToRolePolicy(new PolicyStatement({ actions: ['scheduler:DeleteSchedule'], resources: [timers] }));
    acknowledgeWildcardResource(
      this.handler,
      timers,
      "A stuck claim's lease timer is named per touch at run time; the wildcard is bounded to this deployment's schedule group (delete only).",
    );
    props.keysSecret.grantRead(this.handler);
    bindEnvironment(this.handler, 'engine', props.engineEnvironment);
    // The lake and Athena, granted below; absent settings fall back on the function's defaults.
    bindEnvironment(this.handler, 'nightly', {
      LAKE_BUCKET: props.lakeBucket.bucketName,
      COST_PER_ACQUISITION: props.costPerAcquisition,
      SCAN_SEGMENTS: props.scanSegments,
      KPI_ENGINE: props.kpiEngine,
      ATHENA_WORKGROUP: props.analytics.workGroupName,
      ATHENA_DATABASE: props.analytics.database.databaseName,
    });
    // Lists, clears and writes its own partitions only (a re-run replaces the night's files).
    for (const table of ANALYST_TABLES) props.lakeBucket.grantReadWrite(this.handler, `${table.prefix}*`);
    props.analytics.grantQuery(this.handler);
    for (const table of ANALYST_TABLES) {
      acknowledgeWildcardResource(
        this.handler,
        props.lakeBucket.arnForObjects(`${table.prefix}*`),
        `Part files are named per night and scan segment; the wildcard is bounded to the ${table.name} prefix the job owns.`,
      );
    }
    // Writes and clears the hashed audience files; never reads them back (no GetObject): they are
    // for the ad platforms' uploads, not for Athena. Listing is the bucket-level s3:List* above.
    props.lakeBucket.grantPut(this.handler, `${AUDIENCES_PREFIX}*`);
    props.lakeBucket.grantDelete(this.handler, `${AUDIENCES_PREFIX}*`);
    acknowledgeWildcardResource(
      this.handler,
      props.lakeBucket.arnForObjects(`${AUDIENCES_PREFIX}*`),
      `Audience part files are named per platform, night and scan segment; the wildcard is bounded to the ${AUDIENCES_PREFIX} prefix the job owns (put and delete only).`,
    );
    // Writes each night's report and the latest copy, and nothing else outside its tables and the
    // audiences; never reads them back (operators read them with their own rights or a presigned URL).
    props.lakeBucket.grantPut(this.handler, `${REPORTS_PREFIX}*`);
    acknowledgeWildcardResource(
      this.handler,
      props.lakeBucket.arnForObjects(`${REPORTS_PREFIX}*`),
      `A report page per night (dt=…/index.html) and the latest copy; the wildcard is bounded to the ${REPORTS_PREFIX} prefix (put only).`,
    );
    // What grantReadWrite/grantRead expand to (object and bucket reads, list, delete, abort of
    // multipart uploads), on the bucket and the prefixes above only.
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
      Validations.of(this.handler).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason:
          'The CDK S3 grant action groups, limited to the lake prefixes the job writes and Athena reads (a re-run lists, clears and rewrites its partitions).',
      });
    }

    this.schedule = new Schedule(this, 'Schedule', {
      description: 'Starts the Winback nightly KPI job.',
      schedule: ScheduleExpression.cron({ minute: String(runAt.minute), hour: String(runAt.hour), timeZone: TimeZone.ETC_UTC }),
      target: new LambdaInvoke(this.handler, {
        // Scheduler sends `{}`: the job computes the current night.
        input: ScheduleTargetInput.fromObject({}),
        deadLetterQueue: this.deadLetters,
        retryAttempts: 2,
        // A night's run that cannot start within the hour waits for an operator instead.
        maxEventAge: Duration.hours(1),
      }),
    });

    // LambdaInvoke creates the schedule's role at stack level: it may invoke this function (and its
    // versions) and send to the dead-letter queue, nothing else.
    const target = (this.schedule.node.defaultChild as CfnSchedule).target as CfnSchedule.TargetProperty;
    const role = Stack.of(this).node.children.find((child): child is Role => child instanceof Role && child.roleArn === target.roleArn);
    if (role) {
      acknowledgeWildcardResource(
        role,
        `${this.handler.functionArn}:*`,
        "lambda:InvokeFunction on the nightly function's own versions and aliases (LambdaInvoke's grantInvoke); no other function.",
      );
    }
  }
}
