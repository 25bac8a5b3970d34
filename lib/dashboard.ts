import { Duration, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  AlarmStatusWidget,
  AlarmWidget,
  Dashboard,
  GraphWidget,
  type HorizontalAnnotation,
  type IAlarm,
  type IMetric,
  type IWidget,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SEND_METRICS, sendMetricDimensions } from '#shared/adapters/aws/send-metrics';
import type { TouchChannel } from '#shared/domain/journey/record';
import { NIGHTLY_TIMEOUT } from './nightly-job.ts';

export interface OperationsDashboardProps {
  /** The public API: ingest rate, 4xx and 5xx. */
  readonly api: RestApi;
  /** The function that turns delivery feedback into journey events. */
  readonly engagementFunction: IFunction;
  /** The nightly KPI and report job: its duration and result. */
  readonly nightlyFunction: IFunction;
  /** The group of the one-shot touch timers: Scheduler's invocation failures. */
  readonly scheduleGroup: IScheduleGroup;
  /** The topics delivery feedback arrives on, by a name for the legend. */
  readonly feedbackTopics: Readonly<Record<string, ITopic>>;
  /** Every dead-letter queue, by a name for the legend. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  /** The stack's alarms: each gets its own widget, and one overview shows them all. */
  readonly alarms: readonly IAlarm[];
  /** The channels the send function can send on, one line each. */
  readonly channels: readonly TouchChannel[];
}

/** Graphs of counts in 5-minute buckets; daily buckets for the nightly job. */
const FIVE_MINUTES = Duration.minutes(5);
const ONE_DAY = Duration.days(1);

/**
 * The operations dashboard: whether events come in, messages go out, feedback flows back, and the
 * nightly job runs, in one CloudWatch page; every alarm of the stack on it too. docs/operations.md
 * ("Dashboard") says what each graph shows and what to do.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(...overviewRow(props));
    this.dashboard.addWidgets(...ingestRow(props.api));
    this.dashboard.addWidgets(...sendRow(props.channels));
    this.dashboard.addWidgets(...feedbackRow(props));
    this.dashboard.addWidgets(...failuresRow(props));
    this.dashboard.addWidgets(...nightlyRow(props.nightlyFunction));
    // One widget per alarm (its metric against its threshold), four to a row.
    for (let i = 0; i < props.alarms.length; i += 4) {
      this.dashboard.addWidgets(
        ...props.alarms.slice(i, i + 4).map((alarm) => new AlarmWidget({ alarm, title: alarmTitle(alarm), width: 6, height: 5 })),
      );
    }
  }
}

/** The alarm's construct id (`SendDeadLetters`, `Api5xx`, …): what docs/operations.md lists. */
const alarmTitle = (alarm: IAlarm): string => `Alarm: ${alarm.node.id}`;

function overviewRow(props: OperationsDashboardProps): IWidget[] {
  return [
    new TextWidget({
      width: 8,
      height: 4,
      markdown: [
        '# Winback operations',
        'Events in, messages out, feedback back, the nightly job, and every alarm.',
        'What each graph means and what to do: docs/operations.md, "Dashboard".',
      ].join('\n\n'),
    }),
    new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 16, height: 4 }),
  ];
}

function ingestRow(api: RestApi): IWidget[] {
  return [
    graph('Ingest: API requests', [api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum', label: 'requests' })]),
    graph('API errors: 4xx (caller) and 5xx (Winback)', [
      api.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum', label: '4xx' }),
      api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum', label: '5xx' }),
    ]),
  ];
}

/** The send function's own metrics (shared/adapters/aws/send-metrics.ts), one line per channel. */
function sendRow(channels: readonly TouchChannel[]): IWidget[] {
  const byChannel = (name: string) =>
    channels.map(
      (channel) =>
        new Metric({
          namespace: SEND_METRICS.namespace,
          metricName: name,
          dimensionsMap: sendMetricDimensions(channel),
          period: FIVE_MINUTES,
          statistic: 'Sum',
          label: channel,
        }),
    );
  return [
    graph('Messages sent, by channel', byChannel(SEND_METRICS.names.sent), { stacked: true }),
    graph('Send failures, by channel', byChannel(SEND_METRICS.names.failed), { stacked: true }),
  ];
}

function feedbackRow(props: OperationsDashboardProps): IWidget[] {
  const published = Object.entries(props.feedbackTopics).map(([name, topic]) =>
    topic.metricNumberOfMessagesPublished({ period: FIVE_MINUTES, statistic: 'Sum', label: name }),
  );
  return [
    graph('Engagement feedback received, by source', published, { stacked: true }),
    graph('Engagement feedback handled and failed', [
      props.engagementFunction.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum', label: 'handled' }),
      props.engagementFunction.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum', label: 'failed' }),
    ]),
  ];
}

function failuresRow(props: OperationsDashboardProps): IWidget[] {
  const depth = Object.entries(props.deadLetterQueues).map(([name, queue]) =>
    queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum', label: name }),
  );
  const group = props.scheduleGroup;
  const options = { period: FIVE_MINUTES, statistic: 'Sum' };
  return [
    graph('Messages waiting in dead-letter queues', depth),
    graph('Scheduler: touch timers that failed to invoke', [
      group.metricTargetErrors({ ...options, label: 'target errors' }),
      group.metricTargetThrottled({ ...options, label: 'target throttled' }),
      group.metricDropped({ ...options, label: 'dropped after retries' }),
      group.metricSentToDLQ({ ...options, label: 'sent to dead letters' }),
      group.metricFailedToBeSentToDLQ(undefined, { ...options, label: 'lost (dead letters failed)' }),
    ]),
  ];
}

function nightlyRow(nightly: IFunction): IWidget[] {
  // A run near the timeout needs the KPI SQL in Athena (`kpiEngine`): docs/operations.md.
  const timeout: HorizontalAnnotation = { value: NIGHTLY_TIMEOUT.toMilliseconds(), label: 'timeout' };
  return [
    graph('Nightly job: duration (ms)', [nightly.metricDuration({ period: ONE_DAY, statistic: 'Maximum', label: 'longest run' })], {
      leftAnnotations: [timeout],
    }),
    graph('Nightly job: runs and failures', [
      nightly.metricInvocations({ period: ONE_DAY, statistic: 'Sum', label: 'runs' }),
      nightly.metricErrors({ period: ONE_DAY, statistic: 'Sum', label: 'failed' }),
    ]),
  ];
}

function graph(title: string, left: IMetric[], options: { stacked?: boolean; leftAnnotations?: HorizontalAnnotation[] } = {}): GraphWidget {
  return new GraphWidget({ title, left, width: 12, height: 6, ...options });
}
