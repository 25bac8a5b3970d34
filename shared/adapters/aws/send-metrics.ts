import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { TouchChannel } from '#shared/domain/journey/record';
import type { EngineMetrics, SendMetricOutcome } from '#shared/ports/metrics';

/**
 * The CloudWatch metrics the send function emits (embedded metric format, through Powertools),
 * named once for the adapter and the operations dashboard (lib/dashboard.ts) that graphs them.
 */
export const SEND_METRICS = {
  namespace: 'Winback',
  /** Powertools' `service` dimension, on every metric. */
  service: 'winback-send-touch',
  /** The dimension naming the channel. */
  channelDimension: 'channel',
  /** Metric name per outcome. */
  names: { sent: 'TouchesSent', failed: 'TouchFailures' } satisfies Record<SendMetricOutcome, string>,
} as const;

/** The dimensions of one channel's send metrics, as the adapter emits them. */
export const sendMetricDimensions = (channel: TouchChannel): Record<string, string> => ({
  service: SEND_METRICS.service,
  [SEND_METRICS.channelDimension]: channel,
});

/**
 * Counts send outcomes as CloudWatch metrics. Each count is flushed at once as its own EMF line
 * (a Powertools single metric), so a count is never lost to a retry that throws, and no
 * middleware has to flush at the end of the invocation.
 */
export class PowertoolsEngineMetrics implements EngineMetrics {
  readonly #metrics = new Metrics({ namespace: SEND_METRICS.namespace, serviceName: SEND_METRICS.service });

  countSend(channel: TouchChannel, outcome: SendMetricOutcome): void {
    const single = this.#metrics.singleMetric();
    single.addDimension(SEND_METRICS.channelDimension, channel);
    single.addMetric(SEND_METRICS.names[outcome], MetricUnit.Count, 1);
  }
}
