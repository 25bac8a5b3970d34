import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { wallClock } from '#shared/domain/local-time';
import { offsetMinutes } from '#shared/domain/time-zone';
import type { TimerSpec } from '#shared/domain/journey/timers';
import type { TouchScheduler } from '#shared/ports/touch-scheduler';

/** Options of {@link EventBridgeTouchScheduler}. */
export interface EventBridgeTouchSchedulerOptions {
  /** Created once per process with `createSchedulerClient()` (`clients.ts`), which sets the retry policy. */
  readonly client: SchedulerClient;
  /** The schedule group holding every touch timer (created by the CDK stack). */
  readonly groupName: string;
  /** ARN of the send-touch Lambda each timer invokes. */
  readonly targetArn: string;
  /** Role EventBridge Scheduler assumes to invoke the target and write to the dead-letter queue. */
  readonly roleArn: string;
  /** SQS queue receiving timers whose target kept failing, so no touch is lost silently. */
  readonly deadLetterArn: string;
  /**
   * How often Scheduler retries an invocation it could not make (the function throttled, for
   * instance) before dead-lettering the timer. Scheduler invokes Lambda asynchronously: once the
   * invocation is accepted, a send-touch failure is retried by Lambda and dead-lettered to the
   * function's own queue instead. Scheduler allows 0–185.
   * @default 5
   */
  readonly maxRetryAttempts?: number;
  /**
   * How long Scheduler keeps retrying, in seconds (60–86400). An hour keeps a retried touch
   * inside the same afternoon's send window most of the time.
   * @default 3600
   */
  readonly maxEventAgeSeconds?: number;
}

export const DEFAULT_MAX_RETRY_ATTEMPTS = 5;
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 3_600;

/** An ISO 8601 instant with `Z` or an offset (`Date.parse` alone would take other formats too). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** Far enough on each side of an instant to see any clock change near it (they move by 30–60 min). */
const DST_PROBE_MS = 3 * 3_600_000;

/**
 * The `at()` schedule expression and the time zone that make EventBridge Scheduler fire at the
 * instant `dueAtIso`.
 *
 * Normally the instant is written as its local wall time in `zone` (what an operator reading
 * the schedule in the console expects to see, in the customer's zone). Near a clock change a
 * wall time can be missing (spring forward) or happen twice (fall back), and what Scheduler
 * does with those is not documented; so when the zone's UTC offset 3 hours before the instant
 * differs from the one 3 hours after, the instant is written in UTC instead, which is exact.
 *
 * Sub-second parts are rounded up to the next second: a timer must never fire before its touch
 * is due. `at()` takes the wall time to the second, without offset: the first 19 characters of
 * an ISO string (never `Date` getters, whose month is 0-based — the bug that makes a model repo
 * schedule everything a month early).
 *
 * @param dueAtIso an ISO 8601 instant with `Z` or an offset, e.g. `2026-03-02T13:05:00.000Z`
 * @param zone an IANA time zone, e.g. `Europe/London`
 * @throws Error when the instant or the zone is invalid
 */
export function atExpression(dueAtIso: string, zone: string): { expression: string; timezone: string } {
  const parsedMs = ISO_INSTANT.test(dueAtIso) ? Date.parse(dueAtIso) : Number.NaN;
  if (Number.isNaN(parsedMs)) throw new Error(`not an ISO 8601 instant: ${dueAtIso}`);
  const instantMs = Math.ceil(parsedMs / 1000) * 1000;
  const { wall } = wallClock(instantMs, zone);
  if (offsetMinutes(zone, instantMs - DST_PROBE_MS) !== offsetMinutes(zone, instantMs + DST_PROBE_MS)) {
    return { expression: `at(${new Date(instantMs).toISOString().slice(0, 19)})`, timezone: 'UTC' };
  }
  return { expression: `at(${wall.slice(0, 19)})`, timezone: zone };
}

/**
 * {@link TouchScheduler} on EventBridge Scheduler: one one-shot schedule per touch timer, named
 * after the timer, invoking the send-touch Lambda with the timer's payload.
 *
 * Why this shape:
 * - The name is the timer's deterministic name, so creating it again (an event replayed, a
 *   use case retried) hits `ConflictException`, which is the port's "already exists, success".
 * - `ActionAfterCompletion: DELETE` removes the schedule once it fired: no cleanup job, and the
 *   group's schedule quota is not eaten by fired timers.
 * - `FlexibleTimeWindow: OFF`: the engine already spread the due times over the send window;
 *   a flexible window could push a touch out of it.
 * - A retry policy and a dead-letter queue on the target: a timer Scheduler cannot deliver is
 *   retried, then lands in the DLQ instead of vanishing (`npm run dlq:replay` re-drives it). A
 *   send that fails once delivered is Lambda's to retry and dead-letter (asynchronous invocation).
 * - Throttling and 5xx answers from Scheduler itself are retried by the SDK (the client's
 *   retry policy, see `clients.ts`), which is safe because both calls are idempotent here.
 */
export class EventBridgeTouchScheduler implements TouchScheduler {
  private readonly client: SchedulerClient;
  private readonly groupName: string;
  private readonly targetArn: string;
  private readonly roleArn: string;
  private readonly deadLetterArn: string;
  private readonly maxRetryAttempts: number;
  private readonly maxEventAgeSeconds: number;

  constructor(options: EventBridgeTouchSchedulerOptions) {
    const maxRetryAttempts = options.maxRetryAttempts ?? DEFAULT_MAX_RETRY_ATTEMPTS;
    const maxEventAgeSeconds = options.maxEventAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS;
    // Scheduler's own limits: fail at cold start rather than on the first schedule.
    if (!Number.isInteger(maxRetryAttempts) || maxRetryAttempts < 0 || maxRetryAttempts > 185) {
      throw new Error(`maxRetryAttempts must be an integer in 0..185, got ${maxRetryAttempts}`);
    }
    if (!Number.isInteger(maxEventAgeSeconds) || maxEventAgeSeconds < 60 || maxEventAgeSeconds > 86_400) {
      throw new Error(`maxEventAgeSeconds must be an integer in 60..86400, got ${maxEventAgeSeconds}`);
    }
    this.client = options.client;
    this.groupName = options.groupName;
    this.targetArn = options.targetArn;
    this.roleArn = options.roleArn;
    this.deadLetterArn = options.deadLetterArn;
    this.maxRetryAttempts = maxRetryAttempts;
    this.maxEventAgeSeconds = maxEventAgeSeconds;
  }

  async schedule(timer: TimerSpec): Promise<void> {
    try {
      await this.client.send(new CreateScheduleCommand(this.createInput(timer)));
    } catch (error) {
      // The schedule exists: created by an earlier try of the same change (names are
      // deterministic), so this is the idempotent success the port promises.
      if (isNamed(error, 'ConflictException')) return;
      throw error;
    }
  }

  async cancel(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.groupName }));
    } catch (error) {
      // Already fired (and deleted after completion) or already cancelled.
      if (isNamed(error, 'ResourceNotFoundException')) return;
      throw error;
    }
  }

  /** The CreateSchedule request for a timer. */
  createInput(timer: TimerSpec): CreateScheduleCommandInput {
    const { expression, timezone } = atExpression(timer.dueAt, timer.timezone);
    return {
      Name: timer.name,
      GroupName: this.groupName,
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: timezone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: this.targetArn,
        RoleArn: this.roleArn,
        Input: JSON.stringify(timer.payload),
        DeadLetterConfig: { Arn: this.deadLetterArn },
        RetryPolicy: { MaximumRetryAttempts: this.maxRetryAttempts, MaximumEventAgeInSeconds: this.maxEventAgeSeconds },
      },
    };
  }
}

// By name rather than `instanceof`: a bundle may hold two copies of the SDK, and the name is
// what the service answered either way.
function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
