import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchedulerClient, MESSAGE_CALL, RetryOnlyUnsentStrategy, SCHEDULER_CALL } from '#shared/adapters/aws/clients';
import { createSesClient, createSmsClient } from '#shared/adapters/aws/message-clients';
import { replayDeadLetters, type QueueReport } from '#shared/adapters/aws/dead-letter-replay';
import type { DeadLetterQueueName, DeadLetterRoute } from '#shared/adapters/aws/dead-letter-routes';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ingestNotifications } from '#shared/adapters/aws/engagement-notifications';
import { EventBridgeTouchScheduler } from '#shared/adapters/aws/eventbridge-touch-scheduler';
import { encodeCustomerTag, SesEmailChannel } from '#shared/adapters/aws/ses-email-channel';
import { EumSmsChannel } from '#shared/adapters/aws/sms-channel';
import type { CustomerRecord } from '#shared/domain/journey/record';
import type { TouchDue } from '#shared/domain/journey/timers';
import { parsePolicy } from '#shared/domain/policy';
import { PolicyRegistry } from '#shared/domain/policy-registry';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { DAY_MS } from '#shared/domain/vocabulary';
import { DEFAULT_PRICE_TABLE } from '#shared/domain/default-prices';
import type { EngineDeps } from '#shared/engine/deps';
import { sendTouch } from '#shared/engine/send-touch';
import { createRouter } from '#shared/http/router';
import { v1Routes } from '#shared/http/v1-routes';
import { silentLogger } from '#shared/ports/logger';
import { mulberry32 } from '../../scripts/seeded-random.ts';
import { churnInput } from '../fixtures/events.ts';
import { startSchedulerStub, startSmsStub, type ReceivedSchedule, type SchedulerStub, type SmsStub } from '../support/aws-service-stubs.ts';
import { FakeClock } from '../support/fakes.ts';
import { FaultLayer, noWaitRetry, seededFaults, type Fault, type FaultCall, type FaultKind } from '../support/faults.ts';
import { faultyDynamoDb } from '../support/faulty-dynamodb.ts';
import { AsyncLambda, MemoryQueue, mockDeadLetterAws, schedulerDeadLetter, snsEnvelope, snsEvent } from '../support/faults-lambda.ts';
import { fakeAwsConfig } from '../unit/adapters/fake-aws-endpoint.ts';
import { sesLocalClientConfig, startSesLocal, type SesLocal } from './ses-local.ts';

/**
 * Many generated journeys through the real use cases and the real AWS adapters, with faults
 * injected into every SDK call (DynamoDB Local, the Scheduler and SMS stubs behind the SDK,
 * aws-ses-v2-local): throttles, throughput and transaction conflicts, 5xx before the request,
 * and answers lost after it. Around the functions, AWS's own machinery is modelled
 * (tests/support/faults-lambda.ts): Scheduler and SNS invoke asynchronously, Lambda retries twice
 * and dead-letters; Scheduler and SNS dead-letter what they could not deliver. An operator replays
 * the dead-letter queues every ten days (faults still on), and once more at the end.
 *
 * What must hold, whatever the seed:
 * - Nothing lost. Every event the API answered `accepted` or `duplicate` is stored at that moment;
 *   every other answer is a 503 (or 500) the upstream retries, until stored. Every touch ends in a
 *   recorded state: sent, withheld, skipped, cancelled, or failed with its reason. A touch left
 *   `sending` is one whose invocation failed where everyone sees it: the store could confirm
 *   neither its claim nor its outcome (an answer lost, the SDK's retries or its retry quota spent,
 *   and the settling read failed too).
 * - Nothing sent twice: at most one message per touch, ever, although answers to sends are lost
 *   (no retry resends a send whose outcome is unknown) and every dead letter is replayed twice.
 * - What exhausts its retries is in a dead-letter queue, and a replay with the faults gone empties
 *   every queue; replaying the same messages again changes nothing.
 */

const SEED = 20_261_123;
const CUSTOMERS = 36;
const T0 = Date.parse('2026-01-05T09:00:00Z'); // a Monday
const END = T0 + 130 * DAY_MS;
const GROUP = 'winback-touches';
const SEND_FN = 'WinbackEngine-send-touch';
const ENGAGEMENT_FN = 'WinbackEngine-engagement';
const TOPICS = {
  ses: 'arn:aws:sns:eu-west-1:123456789012:ses-events',
  sms: 'arn:aws:sns:eu-west-1:123456789012:sms-events',
  inbound: 'arn:aws:sns:eu-west-1:123456789012:sms-inbound',
};
/** How often Scheduler, and SNS, cannot invoke the function at all (throttled past their retries). */
const INVOKE_FAILURE_RATE = 0.06;
const ZONES = ['Europe/London', 'Europe/Madrid', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney'];

/** Sporadic faults on every call of DynamoDB and Scheduler… */
const storeAndTimerFaults = seededFaults({
  seed: SEED,
  services: ['dynamodb', 'scheduler'],
  before: 0.12,
  after: 0.05,
  beforeKinds: [
    'ThrottlingException',
    'ProvisionedThroughputExceededException',
    'TransactionConflict',
    'InternalServerError',
    'ServiceUnavailable',
  ],
  afterKinds: ['InternalServerError', 'ServiceUnavailable', 'AnswerLost'],
});
/**
 * Single-item conditional writes (a touch's claim, its outcome) lose their answers often: the
 * case where a retry meets the write it repeats.
 */
const recordWriteFaults = seededFaults({
  seed: SEED,
  operations: ['PutItem'],
  before: 0.1,
  after: 0.3,
  beforeKinds: ['ThrottlingException', 'InternalServerError'],
  afterKinds: ['InternalServerError', 'AnswerLost'],
});
/** …and more on the fewer message sends, so that each kind is met. */
const MESSAGE_SERVICES = new Set(['sms', 'ses']);
const messageFaults = seededFaults({
  seed: SEED,
  before: 0.1,
  after: 0.1,
  beforeKinds: ['ThrottlingException', 'InternalServerError', 'ServiceUnavailable'],
  afterKinds: ['InternalServerError', 'AnswerLost'],
});
/**
 * Incidents: every call of a service fails for a while, longer than all the retries, so that
 * invocations exhaust Lambda's retries and land in the dead-letter queues.
 */
const OUTAGES: Array<{ service: string; operation?: string; fromDay: number; toDay: number; kind: FaultKind }> = [
  // The store throttling as the port-outs arrive: whole batches answered 503, sent again.
  { service: 'dynamodb', fromDay: 0, toDay: 0.01, kind: 'ThrottlingException' },
  // Phone lookups failing: the STOP replies of those days exhaust the engagement function's retries.
  { service: 'dynamodb', operation: 'Query', fromDay: 30, toDay: 46, kind: 'InternalServerError' },
  // SMS throttled for three days inside the first touch's window (days 30–45): replayed in time.
  { service: 'sms', fromDay: 31, toDay: 34, kind: 'ThrottlingException' },
  // SES failing for a day: the outcome of each send is unknown, so none is resent (at most once).
  { service: 'ses', fromDay: 36, toDay: 37, kind: 'ServiceUnavailable' },
  // The store unavailable for six hours in the second touch's window (days 60–90).
  { service: 'dynamodb', fromDay: 62, toDay: 62.25, kind: 'ServiceUnavailable' },
];
function outageFault(call: FaultCall, nowMs: number): Fault | undefined {
  const day = (nowMs - T0) / DAY_MS;
  const outage = OUTAGES.find(
    (o) => o.service === call.service && (o.operation === undefined || o.operation === call.operation) && day >= o.fromDay && day < o.toDay,
  );
  return outage && { kind: outage.kind, phase: 'before' };
}

interface Customer {
  id: string;
  phone?: string;
  email?: string;
  returnsOnDay?: number;
  repliesStop: boolean;
}

/** The instant EventBridge Scheduler fires an `at()` schedule. */
function fireInstant(schedule: ReceivedSchedule): number {
  const wallTime = /^at\((.+)\)$/.exec(schedule.ScheduleExpression ?? '')?.[1] ?? '';
  return DateTime.fromFormat(wallTime, "yyyy-LL-dd'T'HH:mm:ss", { zone: schedule.ScheduleExpressionTimezone ?? 'UTC' }).toMillis();
}

function generateCustomers(random: () => number): Customer[] {
  return Array.from({ length: CUSTOMERS }, (_, i) => {
    const reach = random();
    const customer: Customer = {
      id: `fj-${SEED}-${i}`,
      repliesStop: random() < 0.25,
      ...(random() < 0.3 ? { returnsOnDay: 40 + Math.floor(random() * 30) } : {}),
    };
    if (reach < 0.7) customer.phone = `+4477009${String(10_000 + i).slice(1)}`;
    if (reach >= 0.4) customer.email = `fj${i}@example.com`;
    return customer;
  });
}

describe('journeys under injected faults, with dead letters replayed', () => {
  const random = mulberry32(SEED);
  const clock = new FakeClock(T0);
  const customers = generateCustomers(random);
  const faults = new FaultLayer(
    (call) =>
      outageFault(call, clock.now()) ??
      (MESSAGE_SERVICES.has(call.service)
        ? messageFaults(call)
        : call.operation === 'PutItem'
          ? recordWriteFaults(call)
          : storeAndTimerFaults(call)),
  );
  const tableName = `winback-faults-journeys-${randomUUID()}`;
  const queues: Record<DeadLetterQueueName, MemoryQueue> = {
    timer: new MemoryQueue('timer-dlq'),
    send: new MemoryQueue('send-dlq'),
    engagement: new MemoryQueue('engagement-dlq'),
    nightly: new MemoryQueue('nightly-dlq'),
  };
  const routes: DeadLetterRoute[] = [
    { queue: 'timer', queueUrl: queues.timer.url, functionName: SEND_FN },
    { queue: 'send', queueUrl: queues.send.url, functionName: SEND_FN },
    { queue: 'engagement', queueUrl: queues.engagement.url, functionName: ENGAGEMENT_FN },
  ];

  let dynamo: DynamoDBClient;
  let plainDynamo: DynamoDBClient;
  let schedulerStub: SchedulerStub;
  let smsStub: SmsStub;
  let sesLocal: SesLocal;
  let clients: Array<SchedulerClient | PinpointSMSVoiceV2Client | SESv2Client>;
  let deps: EngineDeps;
  /** The table without faults: what is really stored. */
  let truth: DynamoDbCustomerStore;
  let sendFunction: AsyncLambda;
  let engagementFunction: AsyncLambda;
  let post: (body: unknown) => Promise<{ status: number; body: any }>;
  let aws: ReturnType<typeof mockDeadLetterAws>;

  /** What the run observed, for the assertions. */
  const seen = {
    answers: [] as Array<{ eventId: string; status: number | string; storedThen: boolean }>,
    upstreamEvents: new Set<string>(),
    notifications: new Set<string>(),
    schedulerDeadLetters: 0,
    snsDeadLetters: 0,
    replays: [] as QueueReport[][],
  };

  beforeAll(async () => {
    ({ plain: plainDynamo, faulty: dynamo } = await faultyDynamoDb(tableName, faults));
    [schedulerStub, smsStub, sesLocal] = await Promise.all([startSchedulerStub(), startSmsStub(), startSesLocal()]);
    const scheduler = createSchedulerClient({
      ...fakeAwsConfig,
      endpoint: schedulerStub.endpoint,
      retryStrategy: noWaitRetry(SCHEDULER_CALL.maxAttempts),
    });
    const sms = createSmsClient({
      ...fakeAwsConfig,
      endpoint: smsStub.endpoint,
      retryStrategy: new RetryOnlyUnsentStrategy(MESSAGE_CALL.maxAttempts, () => 0),
    });
    const ses = createSesClient({
      ...sesLocalClientConfig,
      endpoint: sesLocal.endpoint,
      retryStrategy: new RetryOnlyUnsentStrategy(MESSAGE_CALL.maxAttempts, () => 0),
    });
    faults.attach(scheduler, 'scheduler');
    faults.attach(sms, 'sms');
    faults.attach(ses, 'ses');
    clients = [scheduler, sms, ses];

    deps = {
      store: new DynamoDbCustomerStore({ client: createDocumentClient(dynamo), tableName, phoneHashKey: 'faults-phone-key' }),
      scheduler: new EventBridgeTouchScheduler({
        client: scheduler,
        groupName: GROUP,
        targetArn: `arn:aws:lambda:eu-west-1:123456789012:function:${SEND_FN}`,
        roleArn: 'arn:aws:iam::123456789012:role/winback-scheduler',
        deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:timer-dlq',
      }),
      channels: {
        sms: new EumSmsChannel({ client: sms, configurationSetName: 'winback-sms' }),
        // The link names the touch and the customer, so that a stored mail says which touch it was.
        email: new SesEmailChannel({
          client: ses,
          fromAddress: 'offers@mail.example.com',
          configurationSetName: 'winback-email',
          unsubscribeUrl: (m) =>
            `https://winback.example.com/v1/unsubscribe?touch=${m.touchId}&customer=${encodeCustomerTag(m.customerId)}`,
        }),
      },
      clock,
      policies: new PolicyRegistry([parsePolicy(telecomPortOut)]),
      logger: silentLogger,
      prices: DEFAULT_PRICE_TABLE,
      idHashKey: 'faults-hash-key',
    };
    truth = new DynamoDbCustomerStore({ client: createDocumentClient(plainDynamo), tableName, phoneHashKey: 'faults-phone-key' });
    sendFunction = new AsyncLambda(SEND_FN, (event: TouchDue) => sendTouch(deps, event), queues.send, 2);
    engagementFunction = new AsyncLambda(ENGAGEMENT_FN, (event: SNSEvent) => ingestNotifications(deps, event), queues.engagement, 2);
    aws = mockDeadLetterAws(Object.values(queues), { [SEND_FN]: sendFunction.handler, [ENGAGEMENT_FN]: engagementFunction.handler });
    const route = createRouter({ routes: v1Routes(deps), authorize: () => {}, logger: silentLogger });
    post = async (body) => {
      const response = await route({
        method: 'POST',
        path: '/v1/events',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.statusCode, body: JSON.parse(response.body) };
    };
  }, 120_000);

  afterAll(async () => {
    aws?.restore();
    for (const client of clients ?? []) client.destroy();
    await Promise.all([schedulerStub?.close(), smsStub?.close(), sesLocal?.stop()]);
    await plainDynamo?.send(new DeleteTableCommand({ TableName: tableName }));
    plainDynamo?.destroy();
    dynamo?.destroy();
  });

  /**
   * The upstream system: posts the events (a batch, or one), and sends again whatever was not
   * stored, as the API's answer tells it to. Checks on every answer that what the API called
   * stored is stored, at that moment.
   */
  async function deliverUpstream(events: Array<Record<string, unknown>>): Promise<void> {
    for (const event of events) seen.upstreamEvents.add(event.eventId as string);
    let pending = events;
    for (let round = 1; pending.length > 0; round++) {
      if (round > 100) throw new Error(`events still not stored after 100 rounds: ${pending.map((e) => e.eventId).join(', ')}`);
      // An upstream backs off before sending again (an outage may last hours).
      if (round > 1) clock.advance(15 * 60_000);
      if (pending.length === 1) {
        const { status } = await post(pending[0]);
        const eventId = pending[0]!.eventId as string;
        seen.answers.push({ eventId, status, storedThen: status < 300 ? await truth.hasEvent(eventId) : false });
        if (status < 300) pending = [];
        continue;
      }
      const { status, body } = await post({ events: pending });
      const results = body.results as Array<{ eventId: string; status: string }>;
      for (const result of results)
        seen.answers.push({
          eventId: result.eventId,
          status: result.status === 'failed' ? status : result.status,
          storedThen: result.status === 'accepted' || result.status === 'duplicate' ? await truth.hasEvent(result.eventId) : false,
        });
      pending = pending.filter((_, i) => results[i]!.status === 'failed');
    }
  }

  /** SNS publishing a notification to the engagement function (or, unable to, to the subscription's dead-letter queue). */
  async function publish(topicArn: string, message: string): Promise<void> {
    const envelope = snsEnvelope(topicArn, message, new Date(clock.now()).toISOString());
    if (random() < INVOKE_FAILURE_RATE) {
      queues.engagement.send(JSON.stringify(envelope), {}, clock.now());
      seen.snsDeadLetters += 1;
      return;
    }
    await engagementFunction.invoke(snsEvent(envelope));
  }

  let smsSeen = 0;
  let emailsSeen = 0;
  /** The delivery receipts of the messages sent since last time, and a STOP from some SMS customers. */
  async function feedBack(): Promise<void> {
    for (; smsSeen < smsStub.sent.length; smsSeen++) {
      const sent = smsStub.sent[smsSeen]! as { Context: { touchId: string; customer: string }; DestinationPhoneNumber: string };
      const messageId = `sms-message-${smsSeen + 1}`;
      seen.notifications.add(`sms/${messageId}/TEXT_DELIVERED`);
      await publish(
        TOPICS.sms,
        JSON.stringify({ eventType: 'TEXT_DELIVERED', eventTimestamp: clock.now(), messageId, context: sent.Context }),
      );
      const customer = customers.find((c) => c.phone === sent.DestinationPhoneNumber)!;
      const record = await truth.get(customer.id);
      const recordedSent = record?.journeys.some((j) => j.touches.some((t) => t.touchId === sent.Context.touchId && t.status === 'sent'));
      if (customer.repliesStop && recordedSent) {
        const inboundMessageId = randomUUID();
        seen.notifications.add(`sms-inbound/${inboundMessageId}`);
        await publish(
          TOPICS.inbound,
          JSON.stringify({ originationNumber: customer.phone, destinationNumber: '+447700900000', messageBody: 'STOP', inboundMessageId }),
        );
      }
    }
    const emails = await sesLocal.emails();
    for (; emailsSeen < emails.length; emailsSeen++) {
      const email = emails[emailsSeen]!;
      const link = new URL(/^<(.+)>$/.exec(email.headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '')![1]!);
      const at = new Date(clock.now()).toISOString();
      seen.notifications.add(`ses/${email.messageId}/Delivery`);
      await publish(
        TOPICS.ses,
        JSON.stringify({
          eventType: 'Delivery',
          mail: {
            messageId: email.messageId,
            timestamp: at,
            tags: { touchId: [link.searchParams.get('touch')], customerId: [link.searchParams.get('customer')] },
          },
          delivery: { timestamp: at },
        }),
      );
    }
  }

  /** Scheduler firing a one-shot schedule: it invokes the send function asynchronously, or dead-letters the input. */
  async function fire(schedule: ReceivedSchedule, atMs: number): Promise<void> {
    clock.set(Math.max(clock.now(), atMs));
    // One-shot, ActionAfterCompletion DELETE: gone once fired, delivered or dead-lettered.
    schedulerStub.live.delete(schedule.Name);
    const input = schedule.Target!.Input!;
    if (random() < INVOKE_FAILURE_RATE) {
      schedulerDeadLetter(queues.timer, {
        name: schedule.Name,
        group: GROUP,
        targetArn: schedule.Target!.Arn,
        input,
        scheduledTime: new Date(atMs).toISOString(),
      });
      seen.schedulerDeadLetters += 1;
      return;
    }
    await sendFunction.invoke(JSON.parse(input));
  }

  /** The operator: every hidden message back (their visibility timeout ran out), then `npm run dlq:replay`. */
  async function replay(): Promise<QueueReport[]> {
    for (const queue of Object.values(queues)) queue.expireVisibility();
    const reports = await replayDeadLetters(
      { sqs: new SQSClient({ region: 'eu-west-1' }), lambda: new LambdaClient({ region: 'eu-west-1' }) },
      routes,
    );
    seen.replays.push(reports);
    await feedBack();
    return reports;
  }

  const allRecords = async (): Promise<CustomerRecord[]> => Promise.all(customers.map(async (c) => (await truth.get(c.id))!));

  it('loses nothing, sends nothing twice, and dead-letters and replays what exhausted its retries', async () => {
    // Act 1: the port-outs arrive in batches of six on day 0.
    clock.set(T0);
    const churns = customers.map((c, i) =>
      churnInput({
        eventId: `churn-${c.id}`,
        customerId: c.id,
        occurredAt: new Date(T0 - 3_600_000).toISOString(),
        timezone: ZONES[i % ZONES.length]!,
        contacts: { ...(c.phone ? { phone: c.phone } : {}), ...(c.email ? { email: c.email } : {}) },
        consents: { sms: c.phone !== undefined, email: c.email !== undefined, push: false },
      }),
    );
    for (let i = 0; i < churns.length; i += 6) await deliverUpstream(churns.slice(i, i + 6));

    // Act 2: 130 days of timers, returns, feedback and a replay every ten days.
    const returns = customers
      .filter((c) => c.returnsOnDay !== undefined)
      .map((c) => ({ atMs: T0 + c.returnsOnDay! * DAY_MS, customer: c }));
    let nextReplay = T0 + 10 * DAY_MS;
    for (;;) {
      const timer = [...schedulerStub.live.values()]
        .map((s) => ({ s, atMs: fireInstant(s) }))
        .sort((a, b) => a.atMs - b.atMs || a.s.Name.localeCompare(b.s.Name))[0];
      const comeback = returns.sort((a, b) => a.atMs - b.atMs)[0];
      const nextAt = Math.min(timer?.atMs ?? Infinity, comeback?.atMs ?? Infinity, nextReplay);
      if (nextAt > END) break;
      if (nextAt === nextReplay) {
        clock.set(Math.max(clock.now(), nextReplay));
        await replay();
        nextReplay += 10 * DAY_MS;
      } else if (comeback && nextAt === comeback.atMs) {
        returns.shift();
        clock.set(Math.max(clock.now(), comeback.atMs));
        await deliverUpstream([
          {
            eventId: `return-${comeback.customer.id}`,
            type: 'customer.returned',
            occurredAt: new Date(comeback.atMs).toISOString(),
            customerId: comeback.customer.id,
          },
        ]);
      } else {
        await fire(timer!.s, timer!.atMs);
        await feedBack();
      }
    }

    // Act 3: the incident is over; the operator replays everything, then (by mistake, or as SQS
    // may deliver a message twice) the same messages once more.
    faults.enabled = false;
    const leftBeforeFinal = Object.fromEntries(Object.entries(queues).map(([name, queue]) => [name, queue.all()]));
    const final = await replay();
    const recordsAfterFinal = await allRecords();
    const messagesAfterFinal = { sms: smsStub.sent.length, email: (await sesLocal.emails()).length };
    for (const [name, messages] of Object.entries(leftBeforeFinal))
      for (const m of messages) queues[name as DeadLetterQueueName].send(m.body, m.attributes);
    const again = await replay();

    // Assess: the run met what it is meant to meet (else it proves nothing).
    expect(
      faults.of('dynamodb', 'PutItem').filter((f) => f.phase === 'after').length,
      'claims and outcomes whose answer was lost',
    ).toBeGreaterThanOrEqual(5);
    for (const service of ['dynamodb', 'scheduler', 'sms', 'ses']) {
      expect(
        faults.of(service).some((f) => f.phase === 'before'),
        `${service}: faults before the request`,
      ).toBe(true);
      expect(
        faults.of(service).some((f) => f.phase === 'after'),
        `${service}: answers lost`,
      ).toBe(true);
    }
    expect(sendFunction.deadLettered, 'send invocations dead-lettered by Lambda').toBeGreaterThan(0);
    expect(engagementFunction.deadLettered, 'engagement invocations dead-lettered by Lambda').toBeGreaterThan(0);
    expect(seen.schedulerDeadLetters, 'schedules Scheduler dead-lettered').toBeGreaterThan(0);
    expect(seen.snsDeadLetters, 'notifications SNS dead-lettered').toBeGreaterThan(0);
    expect(
      seen.answers.some((a) => a.status === 503),
      'batches answered 503',
    ).toBe(true);

    // Assess: nothing lost — events.
    for (const answer of seen.answers) {
      if (answer.status === 'accepted' || answer.status === 'duplicate' || (typeof answer.status === 'number' && answer.status < 300))
        expect(answer.storedThen, `${answer.eventId} answered ${answer.status}`).toBe(true);
      else expect([500, 503], `${answer.eventId} answered ${answer.status}`).toContain(answer.status);
    }
    for (const eventId of [...seen.upstreamEvents, ...seen.notifications]) expect(await truth.hasEvent(eventId), eventId).toBe(true);

    // Assess: nothing sent twice, and every touch accounted for.
    const smsPerTouch = countBy(smsStub.sent.map((s) => (s as { Context: { touchId: string } }).Context.touchId));
    const emailPerTouch = countBy(
      (await sesLocal.emails()).map(
        (e) => new URL(/^<(.+)>$/.exec(e.headers!.find((h) => h.name === 'List-Unsubscribe')!.value)![1]!).searchParams.get('touch')!,
      ),
    );
    const messagesOf = (touchId: string) => (smsPerTouch.get(touchId) ?? 0) + (emailPerTouch.get(touchId) ?? 0);
    const failedTouches = new Set(sendFunction.failures.map((f) => (f.event as TouchDue).touchId));
    const touches = recordsAfterFinal.flatMap((r) => r.journeys.flatMap((j) => j.touches));
    expect(touches.length).toBeGreaterThanOrEqual(CUSTOMERS);
    for (const touch of touches) {
      expect(messagesOf(touch.touchId), `messages for ${touch.touchId} (${touch.status})`).toBeLessThanOrEqual(1);
      expect(['sent', 'withheld', 'skipped', 'cancelled', 'failed', 'sending'], `${touch.touchId} is ${touch.status}`).toContain(
        touch.status,
      );
      if (touch.status === 'sent') expect(messagesOf(touch.touchId), `${touch.touchId} sent`).toBe(1);
      if (touch.status === 'failed') expect(touch.reason, `${touch.touchId} failed with its reason`).toBeTruthy();
      if (touch.status === 'sending')
        expect(failedTouches.has(touch.touchId), `${touch.touchId} left sending without a failed invocation`).toBe(true);
    }
    expect(touches.filter((t) => t.status === 'sent').length, 'touches sent').toBeGreaterThan(CUSTOMERS / 2);

    // Assess: the dead letters were re-driven, and a second replay of them changed nothing.
    expect(
      final.every((r) => r.failed === 0 && r.unreadable === 0),
      JSON.stringify(final),
    ).toBe(true);
    expect(
      again.every((r) => r.failed === 0 && r.unreadable === 0 && r.replayed === r.received),
      JSON.stringify(again),
    ).toBe(true);
    expect(again.reduce((n, r) => n + r.received, 0)).toBe(Object.values(leftBeforeFinal).reduce((n, m) => n + m.length, 0));
    for (const queue of Object.values(queues)) expect(queue.depth, queue.name).toBe(0);
    expect({ sms: smsStub.sent.length, email: (await sesLocal.emails()).length }).toEqual(messagesAfterFinal);
    expect(await allRecords()).toEqual(recordsAfterFinal);
  }, 600_000);
});

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
