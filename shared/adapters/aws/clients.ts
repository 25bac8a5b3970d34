import { AthenaClient, type AthenaClientConfig } from '@aws-sdk/client-athena';
import { PinpointSMSVoiceV2Client, type PinpointSMSVoiceV2ClientConfig } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SchedulerClient, type SchedulerClientConfig } from '@aws-sdk/client-scheduler';
import { SESv2Client, type SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { ChannelError } from '#shared/ports/message-channel';

/**
 * One factory per AWS service the adapters use. Each Lambda calls them once per cold start (at
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
 * - The SDK default (3) for SMS and e-mail: SendTextMessage and SendEmail are not idempotent, and a
 *   retry after a 5xx that the service had in fact accepted sends the message twice. Longer
 *   outages are covered one level up: the send-touch Lambda fails, and EventBridge Scheduler
 *   retries the timer with its own policy and finally dead-letters it.
 *
 * Overrides (endpoint, credentials, region) are for tests and local emulators.
 */

/** Attempts (first try included) per EventBridge Scheduler call. */
export const SCHEDULER_MAX_ATTEMPTS = 5;
/** Attempts per End User Messaging SMS SendTextMessage. */
export const SMS_MAX_ATTEMPTS = 3;
/** Attempts per SES SendEmail. */
export const SES_MAX_ATTEMPTS = 3;
/** Attempts per SNS Publish of a retention task (a retry after a lost answer may notify the team twice, nothing worse). */
export const SNS_MAX_ATTEMPTS = 3;
/** Attempts per S3 call (and per part of a multipart upload). */
export const S3_MAX_ATTEMPTS = 5;
/**
 * Attempts per Athena call. StartQueryExecution is idempotent across the SDK's retries (the SDK
 * fills in one `ClientRequestToken` per call and resends it), the others only read or stop.
 */
export const ATHENA_MAX_ATTEMPTS = 5;

/**
 * Without a connection timeout a socket stuck in the connect phase hangs until the Lambda times
 * out, and no retry ever happens; with it the SDK sees a retryable error after 3 s.
 */
const CONNECTION_TIMEOUT_MS = 3_000;
/**
 * Scheduler, SMS and SES calls are small and answer in well under a second; a whole request
 * taking 10 s is a stuck connection, better retried than waited for.
 */
const SMALL_CALL_HTTP = { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: 10_000, throwOnRequestTimeout: true } as const;

/** The EventBridge Scheduler client for {@link EventBridgeTouchScheduler}. */
export function createSchedulerClient(overrides: SchedulerClientConfig = {}): SchedulerClient {
  return new SchedulerClient({ retryMode: 'standard', maxAttempts: SCHEDULER_MAX_ATTEMPTS, requestHandler: SMALL_CALL_HTTP, ...overrides });
}

/** The End User Messaging SMS (Pinpoint SMS Voice v2) client for {@link EumSmsChannel}. */
export function createSmsClient(overrides: PinpointSMSVoiceV2ClientConfig = {}): PinpointSMSVoiceV2Client {
  return new PinpointSMSVoiceV2Client({ retryMode: 'standard', maxAttempts: SMS_MAX_ATTEMPTS, requestHandler: SMALL_CALL_HTTP, ...overrides });
}

/** The SES v2 client for {@link SesEmailChannel}. */
export function createSesClient(overrides: SESv2ClientConfig = {}): SESv2Client {
  return new SESv2Client({ retryMode: 'standard', maxAttempts: SES_MAX_ATTEMPTS, requestHandler: SMALL_CALL_HTTP, ...overrides });
}

/** The SNS client for {@link SnsTaskChannel}. */
export function createSnsClient(overrides: SNSClientConfig = {}): SNSClient {
  return new SNSClient({ retryMode: 'standard', maxAttempts: SNS_MAX_ATTEMPTS, requestHandler: SMALL_CALL_HTTP, ...overrides });
}

/**
 * The Athena client for {@link AthenaKpiEngine}. Its calls (start, poll, stop, one page of
 * results) are small and answer quickly whatever the query's size — the query itself runs in
 * Athena, and the engine polls for it — so the small-call timeouts apply.
 */
export function createAthenaClient(overrides: AthenaClientConfig = {}): AthenaClient {
  return new AthenaClient({ retryMode: 'standard', maxAttempts: ATHENA_MAX_ATTEMPTS, requestHandler: SMALL_CALL_HTTP, ...overrides });
}

/**
 * The S3 client for {@link S3ObjectStore}. No overall request timeout: a multipart part of
 * several MB may legitimately take a while on a slow link; only the connect phase is bounded.
 * Against s3rver pass `forcePathStyle: true`. (TOOLING.md also suggests `WHEN_REQUIRED`
 * checksums for streamed bodies; {@link S3ObjectStore} never hands a raw stream to PutObject, so
 * it works against s3rver with the defaults too.)
 */
export function createS3Client(overrides: S3ClientConfig = {}): S3Client {
  return new S3Client({ retryMode: 'standard', maxAttempts: S3_MAX_ATTEMPTS, requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS }, ...overrides });
}

/**
 * Error names that mean "try again later" even though some services answer them with a 4xx
 * status (SNS `Throttled` is a 400 in older answers, SES `LimitExceeded` a 400).
 */
const RETRYABLE_ERROR_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'Throttled',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  // A skewed clock the SDK failed to correct is a local, passing problem, not a bad request.
  'RequestTimeTooSkewed',
  'RequestExpired',
]);

/** What the adapters need to know of an AWS SDK v3 error; every field may be missing. */
interface AwsErrorShape {
  name?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/**
 * True when a failed AWS call may succeed if tried again later: throttling, server faults,
 * errors the SDK itself marks `$retryable`, the given service-specific names, and anything that
 * never got an answer from the service (network errors, timeouts, unknown failures). Only a
 * definite 4xx answer from the service is permanent.
 */
export function isRetryableAwsError(error: unknown, alsoRetryable: ReadonlySet<string> = new Set()): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const { name, $fault, $retryable, $metadata } = error as AwsErrorShape;
  if ($retryable !== undefined) return true;
  if (typeof name === 'string' && (RETRYABLE_ERROR_NAMES.has(name) || alsoRetryable.has(name))) return true;
  const status = $metadata?.httpStatusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  if ($fault === 'server') return true;
  // A client fault or a 4xx the service answered: the request itself is wrong and will stay so.
  if ($fault === 'client' || (status !== undefined && status >= 400)) return false;
  return true;
}

/**
 * A {@link ChannelError} for a failed send, naming only the service's error name, the HTTP
 * status and the request id. The SDK's own message is left out on purpose: the SMS service and
 * SES echo the destination (phone number, e-mail address) in theirs, and this message reaches
 * logs and the customer's decision log. The original error is not attached as `cause` for the same reason.
 */
export function toChannelError(operation: string, error: unknown, alsoRetryable: ReadonlySet<string> = new Set()): ChannelError {
  const { name, $metadata } = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape;
  const parts = [typeof name === 'string' ? name : 'UnknownError'];
  if ($metadata?.httpStatusCode !== undefined) parts.push(`HTTP ${$metadata.httpStatusCode}`);
  if ($metadata?.requestId) parts.push(`request ${$metadata.requestId}`);
  return new ChannelError(`${operation} failed: ${parts.join(', ')}`, isRetryableAwsError(error, alsoRetryable));
}
