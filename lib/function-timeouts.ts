import { Duration } from 'aws-cdk-lib';
import { type CallBudget, DYNAMODB_CALL, MESSAGE_CALL, SCHEDULER_CALL, worstCaseCallMs } from '#shared/adapters/aws/clients';

/**
 * Each function's timeout, derived from what its calls may take: the calls it makes one after
 * another on its longest path, each failing as slowly as its SDK client allows (attempts ×
 * per-attempt timeout, plus the longest backoffs: `worstCaseCallMs`), and a margin for the code
 * between them. Calls made side by side (the two receipt reads, the timers of one change) count
 * once. A function stopped by Lambda mid-way must never be the normal end of a slow call:
 * - send-touch: stopped between its claim and the record of the outcome, the touch stays
 *   `sending` until its lease (`CLAIM_LEASE_MS`, longer than this timeout) resolves it as
 *   `failed: outcome_unknown`, although the message may have gone out;
 * - api and engagement: ingest is idempotent (timers before the save, the save atomic), so a stop
 *   loses nothing, but the caller has to send the event again. API Gateway answers 504 after
 *   29 s whatever the function does; the function goes on, so a slow event still lands, and the
 *   caller's resend is then answered as a replay.
 */

/** One call on a function's path, and the budget of the client that makes it. */
export interface ChainedCall {
  readonly call: string;
  readonly budget: CallBudget;
}

/** What the code between the calls may take (decisions, planning, logs, a cold start's rest). */
export const CALL_CHAIN_MARGIN_MS = 5_000;

/** Lambda's longest timeout: the nightly job runs to it (its scan is bounded by the job's own progress, not by calls). */
export const LAMBDA_MAX_TIMEOUT = Duration.minutes(15);

const dynamodb = (call: string): ChainedCall => ({ call, budget: DYNAMODB_CALL });
const scheduler = (call: string): ChainedCall => ({ call, budget: SCHEDULER_CALL });

/** Ingesting one event, as the API and the engagement function do it. */
const INGEST_ONE_EVENT: readonly ChainedCall[] = [
  dynamodb('GetItem: the event receipts (keyed and legacy, side by side; a batch: BatchGetItem, 100 keys a call, side by side)'),
  dynamodb('GetItem: the customer record'),
  scheduler('CreateSchedule: the timers the change needs (side by side)'),
  dynamodb('TransactWriteItems: the record with its receipt (a batch: with the receipts of a chunk of its events)'),
  dynamodb('GetItem: settle a save whose answer was lost'),
  scheduler('DeleteSchedule: the timers the change made obsolete (side by side)'),
];

/** The calls each engine function makes in a row on its longest path. */
export const CALL_CHAINS = {
  /** Sending a touch, up to the record of its outcome (the lease timer's cancel after it may be cut: it then fires into a no-op). */
  'send-touch': [
    dynamodb('GetItem: the customer record'),
    scheduler('CreateSchedule: the lease timer of the claim'),
    dynamodb('PutItem: the claim'),
    dynamodb('GetItem: settle a claim whose answer was lost'),
    // A partner push POST keeps to the same budget: 3 attempts of 5 s, waiting as after a throttle (PartnerPushChannel).
    { call: 'SendTextMessage / SendEmail / SendWhatsAppMessage / Publish / the partner push POST: the message', budget: MESSAGE_CALL },
    dynamodb('PutItem: the outcome'),
    dynamodb('GetItem: settle an outcome whose answer was lost'),
  ],
  /** One event of `POST /v1/events` (a batch is the caller's to resend if it outlasts this). */
  api: INGEST_ONE_EVENT,
  /** One SNS notification: an inbound SMS names only the number, looked up first. */
  engagement: [dynamodb('Query: the customer of the phone number'), ...INGEST_ONE_EVENT],
} as const satisfies Record<string, readonly ChainedCall[]>;

/** The worst case of a chain of calls in a row, with the margin. */
export const chainMs = (chain: readonly ChainedCall[]): number =>
  chain.reduce((sum, { budget }) => sum + worstCaseCallMs(budget), CALL_CHAIN_MARGIN_MS);

/** The timeout of a function whose longest path is `chain`, in whole seconds. */
export const timeoutFor = (chain: readonly ChainedCall[]): Duration => Duration.seconds(Math.ceil(chainMs(chain) / 1000));
