import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  classifySendFailure,
  createSchedulerClient,
  RetryOnlyUnsentStrategy,
  SCHEDULER_MAX_ATTEMPTS,
  SES_MAX_ATTEMPTS,
  toChannelError,
  worstCaseCallMs,
} from '#shared/adapters/aws/clients';
import { createSesClient } from '#shared/adapters/aws/message-clients';
import { SesEmailChannel } from '#shared/adapters/aws/ses-email-channel';
import { EventBridgeTouchScheduler } from '#shared/adapters/aws/eventbridge-touch-scheduler';
import type { TimerSpec } from '#shared/domain/journey/timers';
import { ChannelError } from '#shared/ports/message-channel';
import { fakeAwsConfig, startFakeAwsEndpoint, type FakeAnswer, type FakeAwsEndpoint } from './fake-aws-endpoint.ts';

/**
 * The SDK's retry, proven with REAL clients from the factories against a local HTTP server that
 * speaks the Scheduler's protocol (restJson1: the error type travels in `x-amzn-errortype`).
 * aws-sdk-client-mock cannot show this: it replaces `send`, so no retry middleware runs.
 */

const timer: TimerSpec = {
  name: 'wb-0123456789abcdef-a1b2c3d4e5f6-1',
  dueAt: '2026-02-04T14:07:00.000Z',
  timezone: 'Europe/Paris',
  payload: { customerId: 'cust-0001', touchId: 'a1b2c3d4e5f6-1', timerName: 'wb-0123456789abcdef-a1b2c3d4e5f6-1' },
};

const throttled: FakeAnswer = {
  status: 429,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException', 'x-amzn-requestid': 'req-throttled' },
  body: JSON.stringify({ Message: 'Rate exceeded' }),
};
const created: FakeAnswer = {
  status: 200,
  headers: { 'content-type': 'application/json', 'x-amzn-requestid': 'req-ok' },
  body: JSON.stringify({ ScheduleArn: `arn:aws:scheduler:eu-west-1:123456789012:schedule/winback-touches/${timer.name}` }),
};

describe('createSchedulerClient retries', () => {
  let server: FakeAwsEndpoint | undefined;

  beforeEach(() => {
    // The backoff is "random × base × 2^attempt" (full jitter, 1 s base for throttling); pinning
    // the random factor to 0 keeps the test fast. The number of attempts is what is under test.
    vi.spyOn(Math, 'random').mockReturnValue(0);
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await server?.close();
    server = undefined;
  });

  async function schedulerAgainst(answer: (index: number) => FakeAnswer): Promise<EventBridgeTouchScheduler> {
    server = await startFakeAwsEndpoint((_request, index) => answer(index));
    const client = createSchedulerClient({ ...fakeAwsConfig, endpoint: server.endpoint });
    return new EventBridgeTouchScheduler({
      client,
      groupName: 'winback-touches',
      targetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:send-touch',
      roleArn: 'arn:aws:iam::123456789012:role/scheduler',
      deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:dlq',
    });
  }

  it('succeeds after two throttled answers, on the third request, with the same idempotency token', async () => {
    // Prepare
    const scheduler = await schedulerAgainst((index) => (index < 2 ? throttled : created));

    // Act
    await scheduler.schedule(timer);

    // Assess
    const requests = server!.requests;
    expect(requests).toHaveLength(3);
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual(Array(3).fill(`POST /schedules/${timer.name}`));
    expect(requests.map((r) => r.headers['amz-sdk-request'])).toEqual([
      `attempt=1; max=${SCHEDULER_MAX_ATTEMPTS}`,
      `attempt=2; max=${SCHEDULER_MAX_ATTEMPTS}`,
      `attempt=3; max=${SCHEDULER_MAX_ATTEMPTS}`,
    ]);
    // The retries resend the very same request, client token included: Scheduler cannot tell
    // them from one call, so a retry after a lost answer creates nothing twice.
    const tokens = requests.map((r) => (JSON.parse(r.body) as { ClientToken?: string }).ClientToken);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toBeTruthy();
  });

  it('gives up after the configured number of attempts when every answer is a throttle', async () => {
    // Prepare
    const scheduler = await schedulerAgainst(() => throttled);

    // Act
    const result = scheduler.schedule(timer);

    // Assess
    await expect(result).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429, attempts: SCHEDULER_MAX_ATTEMPTS },
    });
    expect(server!.requests).toHaveLength(SCHEDULER_MAX_ATTEMPTS);
  });

  it('retries a 5xx answer too', async () => {
    // Prepare
    const internal: FakeAnswer = {
      status: 500,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalServerException' },
      body: '{"Message":"oops"}',
    };
    const scheduler = await schedulerAgainst((index) => (index === 0 ? internal : created));

    // Act
    await scheduler.schedule(timer);

    // Assess
    expect(server!.requests).toHaveLength(2);
  });

  it('does not retry a validation error', async () => {
    // Prepare
    const invalid: FakeAnswer = {
      status: 400,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ValidationException' },
      body: '{"Message":"bad expression"}',
    };
    const scheduler = await schedulerAgainst(() => invalid);

    // Act
    const result = scheduler.schedule(timer);

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'ValidationException' });
    expect(server!.requests).toHaveLength(1);
  });

  it('maps a real 409 answer to the idempotent success, and a real 404 on delete too', async () => {
    // Prepare
    const conflict: FakeAnswer = {
      status: 409,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ConflictException' },
      body: '{"Message":"Schedule already exists."}',
    };
    const notFound: FakeAnswer = {
      status: 404,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' },
      body: '{"Message":"Schedule not found."}',
    };
    const scheduler = await schedulerAgainst((index) => (index === 0 ? conflict : notFound));

    // Act
    await scheduler.schedule(timer);
    await scheduler.cancel(timer.name);

    // Assess
    expect(server!.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      `POST /schedules/${timer.name}`,
      `DELETE /schedules/${timer.name}`,
    ]);
    expect(server!.requests[1]?.url).toContain('groupName=winback-touches');
  });
});

describe('classifySendFailure', () => {
  it('calls a throttle, a listed refusal, a skewed clock and a connection that never opened "refused"', () => {
    // Act & Assess
    expect(classifySendFailure({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } })).toBe('refused');
    expect(classifySendFailure({ name: 'Whatever', $fault: 'client', $metadata: { httpStatusCode: 429 } })).toBe('refused');
    expect(
      classifySendFailure({ name: 'Odd', $fault: 'client', $retryable: { throttling: true }, $metadata: { httpStatusCode: 400 } }),
    ).toBe('refused');
    expect(
      classifySendFailure(
        { name: 'LimitExceededException', $fault: 'client', $metadata: { httpStatusCode: 400 } },
        new Set(['LimitExceededException']),
      ),
    ).toBe('refused');
    expect(classifySendFailure({ name: 'RequestTimeTooSkewed', $fault: 'client', $metadata: { httpStatusCode: 403 } })).toBe('refused');
    expect(classifySendFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('refused');
  });

  it('calls a 4xx answer "rejected"', () => {
    // Act & Assess
    expect(classifySendFailure({ name: 'InvalidParameterException', $fault: 'client', $metadata: { httpStatusCode: 400 } })).toBe(
      'rejected',
    );
    expect(classifySendFailure({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 403 } })).toBe('rejected');
    expect(classifySendFailure({ name: 'Unmodelled', $metadata: { httpStatusCode: 404 } })).toBe('rejected');
  });

  it('calls a 5xx, a timeout, a reset and anything unrecognised "unknown": the message may be out', () => {
    // Act & Assess
    expect(classifySendFailure({ name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } })).toBe('unknown');
    expect(classifySendFailure({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } })).toBe('unknown');
    expect(classifySendFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('unknown');
    expect(classifySendFailure(Object.assign(new Error('timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' }))).toBe('unknown');
    expect(classifySendFailure('a string was thrown')).toBe('unknown');
  });
});

describe('createSesClient retries (RetryOnlyUnsentStrategy)', () => {
  let server: FakeAwsEndpoint | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const sesAnswer = (status: number, type: string): FakeAnswer => ({
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: JSON.stringify({ message: type }),
  });
  const sent: FakeAnswer = { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ MessageId: 'ses-1' }) };

  async function channelAgainst(answer: (index: number) => FakeAnswer): Promise<SesEmailChannel> {
    server = await startFakeAwsEndpoint((_request, index) => answer(index));
    const client = createSesClient({
      ...fakeAwsConfig,
      endpoint: server.endpoint,
      retryStrategy: new RetryOnlyUnsentStrategy(SES_MAX_ATTEMPTS, () => 0),
    });
    return new SesEmailChannel({
      client,
      fromAddress: 'offers@mail.example.com',
      configurationSetName: 'cs',
      unsubscribeUrl: () => 'https://winback.example.com/v1/unsubscribe?token=t',
    });
  }
  const mail = {
    channel: 'email',
    to: 'jane@example.com',
    customerId: 'c-1',
    touchId: 't-1',
    text: 'Hello',
    subject: 'Hi',
    variant: 'A',
    locale: 'en',
    timezone: 'UTC',
  } as const;

  it('retries a throttle, up to the configured attempts', async () => {
    // Prepare
    const channel = await channelAgainst((index) => (index < SES_MAX_ATTEMPTS - 1 ? sesAnswer(429, 'TooManyRequestsException') : sent));

    // Act
    const receipt = await channel.send(mail);

    // Assess
    expect(receipt.messageId).toBe('ses-1');
    expect(server!.requests).toHaveLength(SES_MAX_ATTEMPTS);
  });

  it('never retries a 5xx, after which the mail may be out, and reports the outcome as unknown', async () => {
    // Prepare
    const channel = await channelAgainst(() => sesAnswer(500, 'InternalFailure'));

    // Act
    const failure = await channel.send(mail).catch((error: unknown) => error);

    // Assess
    expect(server!.requests).toHaveLength(1);
    expect(failure).toMatchObject({
      name: 'ChannelError',
      retryable: false,
      outcomeUnknown: true,
      message: expect.stringMatching(/^SES SendEmail outcome unknown: InternalFailure, HTTP 500/),
    });
  });
});

describe('worstCaseCallMs', () => {
  it('adds every attempt timing out and the longest throttling backoffs between them', () => {
    // Act & Assess: 3 × 5 s, then waits of at most 1 s and 2 s.
    expect(worstCaseCallMs({ maxAttempts: 3, requestTimeoutMs: 5_000 })).toBe(18_000);
    // The backoff is capped at 20 s: 6 × 1 s + 1 + 2 + 4 + 8 + 16.
    expect(worstCaseCallMs({ maxAttempts: 6, requestTimeoutMs: 1_000 })).toBe(37_000);
  });
});

describe('toChannelError', () => {
  it('names the error, status and request id, and never the service message', () => {
    // Prepare
    const sdkError = Object.assign(new Error('Invalid parameter: PhoneNumber Reason: +447700900123 is not valid'), {
      name: 'InvalidParameterException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, requestId: 'req-1' },
    });

    // Act
    const error = toChannelError('SNS Publish', sdkError);

    // Assess
    expect(error).toBeInstanceOf(ChannelError);
    expect(error.retryable).toBe(false);
    // A refusal: the message certainly did not go out.
    expect(error.outcomeUnknown).toBe(false);
    expect(error.message).toBe('SNS Publish failed: InvalidParameterException, HTTP 400, request req-1');
    expect(error.cause).toBeUndefined();
  });
});
