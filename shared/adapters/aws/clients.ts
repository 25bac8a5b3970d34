import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SchedulerClient, type SchedulerClientConfig } from '@aws-sdk/client-scheduler';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@aws-sdk/types';
import { ChannelError } from '#shared/ports/message-channel';

/**
 * One factory per AWS service the adapters use (the message clients in `message-clients.ts`, the
 * lake's in `lake-clients.ts`, so a function imports only the SDK clients it creates). Each Lambda calls them once per cold start (at
 * module scope) and passes the client to its adapter, so connections are reused across
 * invocations and the retry policy below is set in exactly one place.
 *
 * Why these retry settings:
 * - `standard` mode, not `adaptive`: adaptive adds a client-side token bucket that, on the first
 *   throttle, drops to the rate it has measured so far, floored at 0.5 requests/s. A fresh
 *   Lambda container has measured almost nothing, so one throttle during a batch ingest would
 *   stall the remaining CreateSchedule calls for seconds each, past the API's timeout. Standard
 *   mode backs off with jitter per request and is predictable.
 * - More attempts where a call is idempotent (CreateSchedule by name, PutObject by key), so a
 *   retry after an answer that was lost cannot do anything twice.
 * - SMS and e-mail sends retry only what proves nothing was sent ({@link RetryOnlyUnsentStrategy}):
 *   SendTextMessage and SendEmail carry no idempotency token, so a retry after a 5xx or a timeout
 *   (the service may have acted) could send the message twice. Longer outages are covered one
 *   level up: the send-touch Lambda fails, Lambda retries the invocation and finally dead-letters
 *   it, and `npm run dlq:replay` re-drives it.
 * - Every call has a request timeout, so the worst case of each call ({@link worstCaseCallMs}) is
 *   known and the functions' timeouts are derived from it (`lib/touch-delivery.ts`): a function
 *   stopped by Lambda mid-send would leave its touch claimed (`sending`) for good.
 *
 * Overrides (endpoint, credentials, region) are for tests and local emulators.
 */

/** How each call of one client is bounded: attempts (first try included), and how long each may take. */
export interface CallBudget {
  readonly maxAttempts: number;
  readonly requestTimeoutMs: number;
}

/**
 * EventBridge Scheduler calls are small and answer in well under a second; a whole request taking
 * 10 s is a stuck connection, better retried than waited for.
 */
export const SCHEDULER_CALL: CallBudget = { maxAttempts: 5, requestTimeoutMs: 10_000 };
/**
 * SendTextMessage and SendEmail answer in well under a second. Three attempts, of which only
 * throttles and connections that never opened are retried ({@link RetryOnlyUnsentStrategy}).
 */
export const MESSAGE_CALL: CallBudget = { maxAttempts: 3, requestTimeoutMs: 5_000 };
/**
 * DynamoDB answers single-item reads and writes in milliseconds; 3 s is a stuck request. The SDK's
 * default of 3 attempts: the store makes every conditional write safe to retry (see
 * `dynamodb-customer-store.ts`), and a use case that still fails is retried one level up.
 */
export const DYNAMODB_CALL: CallBudget = { maxAttempts: 3, requestTimeoutMs: 3_000 };

/** Attempts (first try included) per EventBridge Scheduler call. */
export const SCHEDULER_MAX_ATTEMPTS = SCHEDULER_CALL.maxAttempts;
/** Attempts per End User Messaging SMS SendTextMessage. */
export const SMS_MAX_ATTEMPTS = MESSAGE_CALL.maxAttempts;
/** Attempts per SES SendEmail. */
export const SES_MAX_ATTEMPTS = MESSAGE_CALL.maxAttempts;
/** Attempts per SNS Publish of a retention task (a retry after a lost answer may notify the team twice, nothing worse). */
export const SNS_MAX_ATTEMPTS = MESSAGE_CALL.maxAttempts;
/** Attempts per S3 call (and per part of a multipart upload). */
export const S3_MAX_ATTEMPTS = 5;
/**
 * Attempts per Athena call. StartQueryExecution is idempotent across the SDK's retries (the SDK
 * fills in one `ClientRequestToken` per call and resends it), the others only read or stop.
 */
export const ATHENA_MAX_ATTEMPTS = 5;
/** Athena's small calls (start, poll, stop, a page of results) take the small-call timeout of Scheduler's. */
export const ATHENA_CALL: CallBudget = { maxAttempts: ATHENA_MAX_ATTEMPTS, requestTimeoutMs: SCHEDULER_CALL.requestTimeoutMs };

/**
 * The SDK's standard mode waits before retry `i` (0-based) a random share of
 * min(base × 2^i, 20 s), the base being 1 s after a throttle (50 ms otherwise): the longest wait.
 */
const THROTTLING_BACKOFF_BASE_MS = 1_000;
const MAX_BACKOFF_MS = 20_000;
const backoffCapMs = (retry: number) => Math.min(THROTTLING_BACKOFF_BASE_MS * 2 ** retry, MAX_BACKOFF_MS);

/**
 * The longest one call can take before it fails for good: every attempt running into its request
 * timeout, with the longest backoff between them. What a function's timeout must cover for each
 * call it makes in a row.
 */
export function worstCaseCallMs({ maxAttempts, requestTimeoutMs }: CallBudget): number {
  let total = maxAttempts * requestTimeoutMs;
  for (let retry = 0; retry < maxAttempts - 1; retry++) total += backoffCapMs(retry);
  return total;
}

/**
 * Without a connection timeout a socket stuck in the connect phase hangs until the Lambda times
 * out, and no retry ever happens; with it the SDK sees a retryable error after 3 s. (The request
 * timeout counts from the same start, so it bounds the whole attempt.)
 */
export const CONNECTION_TIMEOUT_MS = 3_000;
/** The HTTP handler options of a call with this budget. */
export const httpFor = ({ requestTimeoutMs }: CallBudget) =>
  ({ connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true }) as const;

/** The EventBridge Scheduler client for {@link EventBridgeTouchScheduler}. */
export function createSchedulerClient(overrides: SchedulerClientConfig = {}): SchedulerClient {
  return new SchedulerClient({
    retryMode: 'standard',
    maxAttempts: SCHEDULER_CALL.maxAttempts,
    requestHandler: httpFor(SCHEDULER_CALL),
    ...overrides,
  });
}

/** The DynamoDB client for {@link DynamoDbCustomerStore} (wrap it with `createDocumentClient`). */
export function createDynamoDbClient(overrides: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    retryMode: 'standard',
    maxAttempts: DYNAMODB_CALL.maxAttempts,
    requestHandler: httpFor(DYNAMODB_CALL),
    ...overrides,
  });
}

/**
 * Error names of a service refusing a request before acting on it: throttles, and a request the
 * service turned away for a skewed clock (a local, passing problem).
 */
const REFUSAL_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'Throttled',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'RequestTimeTooSkewed',
  'RequestExpired',
]);

/** Network errors of a connection that never opened: the request never reached the service. */
const NEVER_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** What the adapters need to know of an AWS SDK v3 error; every field may be missing. */
interface AwsErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/**
 * How a failed call that must not run twice (a message send) failed:
 * - `refused`: the service did not act — a throttle, one of `refusals` (service-specific names
 *   such as a quota reached or sending paused), or a connection that never opened. Nothing was
 *   sent; trying again later is safe.
 * - `rejected`: a definite 4xx answer; the request is wrong and stays so. Nothing was sent.
 * - `unknown`: a 5xx, a timeout, a connection reset, anything else. The service may have acted
 *   (a 5xx can come from a front end after the back end accepted, and a lost answer looks like a
 *   timeout), so the message may be out.
 */
export type SendFailure = 'refused' | 'rejected' | 'unknown';

export function classifySendFailure(error: unknown, refusals: ReadonlySet<string> = new Set()): SendFailure {
  if (typeof error !== 'object' || error === null) return 'unknown';
  const { name, code, $fault, $retryable, $metadata } = error as AwsErrorShape;
  const status = $metadata?.httpStatusCode;
  if (status === 429 || $retryable?.throttling === true) return 'refused';
  if (typeof name === 'string' && (REFUSAL_NAMES.has(name) || refusals.has(name))) return 'refused';
  if (status === undefined && typeof code === 'string' && NEVER_CONNECTED_CODES.has(code)) return 'refused';
  if ((status !== undefined && status >= 500) || $fault === 'server') return 'unknown';
  if ((status !== undefined && status >= 400) || $fault === 'client') return 'rejected';
  return 'unknown';
}

/**
 * The SDK retry strategy of the message clients: it retries only a {@link classifySendFailure}
 * `refused` failure (a throttle, a connection that never opened), never one whose outcome is
 * unknown, so no retry can send a message twice. It waits as the SDK's standard mode does after
 * a throttle: a random share of min(1 s × 2^retry, 20 s).
 */
export class RetryOnlyUnsentStrategy implements RetryStrategyV2 {
  constructor(
    private readonly maxAttempts: number,
    /** Tests pass `() => 0` to skip the waits. */
    private readonly random: () => number = Math.random,
  ) {}

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return retryToken(0, 0);
  }

  async refreshRetryTokenForRetry(previous: RetryToken, { error }: RetryErrorInfo): Promise<RetryToken> {
    const retry = previous.getRetryCount();
    // The SDK's retry middleware rethrows the call's own error when this throws.
    if (retry + 1 >= this.maxAttempts || classifySendFailure(error) !== 'refused') throw new Error('not retried');
    return retryToken(retry + 1, Math.floor(this.random() * backoffCapMs(retry)));
  }

  recordSuccess(): void {}
}

function retryToken(count: number, delayMs: number): RetryToken {
  return { getRetryCount: () => count, getRetryDelay: () => delayMs };
}

/**
 * A {@link ChannelError} for a failed send, naming only the service's error name, the HTTP
 * status and the request id. The SDK's own message is left out on purpose: the SMS service and
 * SES echo the destination (phone number, e-mail address) in theirs, and this message reaches
 * logs and the customer's decision log. The original error is not attached as `cause` for the same reason.
 *
 * Retryable only when the service refused (nothing was sent). A send whose outcome is unknown is
 * not retryable, and says so (`outcome unknown`): the engine records the touch as failed rather
 * than risk a second message (at most one message per touch).
 */
export function toChannelError(operation: string, error: unknown, refusals: ReadonlySet<string> = new Set()): ChannelError {
  const { name, $metadata } = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape;
  const parts = [typeof name === 'string' ? name : 'UnknownError'];
  if ($metadata?.httpStatusCode !== undefined) parts.push(`HTTP ${$metadata.httpStatusCode}`);
  if ($metadata?.requestId) parts.push(`request ${$metadata.requestId}`);
  const failure = classifySendFailure(error, refusals);
  return new ChannelError(
    `${operation} ${failure === 'unknown' ? 'outcome unknown' : 'failed'}: ${parts.join(', ')}`,
    failure === 'refused',
    failure === 'unknown',
  );
}
