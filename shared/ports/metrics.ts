import type { TouchChannel } from '#shared/domain/journey/record';

/** What became of one attempt to send a touch on its channel. */
export type SendMetricOutcome = 'sent' | 'failed';

/**
 * Counts the engine reports for an operator's dashboard (CloudWatch metrics in AWS, through
 * Powertools). Dimensions are channel names only: nothing about a customer.
 */
export interface EngineMetrics {
  /**
   * One send attempt of a touch on `channel`: `sent` once the message is out, `failed` when the
   * channel refused it or failed (retried later or not), or no adapter exists for the channel.
   */
  countSend(channel: TouchChannel, outcome: SendMetricOutcome): void;
}
