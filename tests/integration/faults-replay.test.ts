import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { replayDeadLetters } from '#shared/adapters/aws/dead-letter-replay';
import {
  deadLetterOutputKeys,
  deadLetterRoutes,
  DEAD_LETTER_QUEUE_NAMES,
  outputsFromCdkFile,
  outputsFromDescribeStacks,
  redriveOf,
  type DeadLetterRoute,
} from '#shared/adapters/aws/dead-letter-routes';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { ingestNotifications } from '#shared/adapters/aws/engagement-notifications';
import { encodeCustomerTag } from '#shared/adapters/aws/ses-email-channel';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import type { TouchDue } from '#shared/domain/journey/timers';
import type { EngineDeps } from '#shared/engine/deps';
import { ingestEvent } from '#shared/engine/ingest-event';
import { sendTouch } from '#shared/engine/send-touch';
import { churnEvent } from '../fixtures/events.ts';
import { AsyncLambda, MemoryQueue, mockDeadLetterAws, schedulerDeadLetter, snsEnvelope, snsEvent } from '../support/faults-lambda.ts';
import { customerIdIn, makeDeps } from '../support/fakes.ts';

/**
 * `npm run dlq:replay`'s module: the formats of each queue, re-driving with SQS and Lambda behind
 * aws-sdk-client-mock, and a replay into the real send-touch use case on DynamoDB Local, twice,
 * that sends one message.
 */

const queues = Object.fromEntries(DEAD_LETTER_QUEUE_NAMES.map((name) => [name, new MemoryQueue(`winback-${name}-dlq`)])) as Record<
  (typeof DEAD_LETTER_QUEUE_NAMES)[number],
  MemoryQueue
>;
const FUNCTIONS = {
  timer: 'WinbackEngine-send-touch',
  send: 'WinbackEngine-send-touch',
  engagement: 'WinbackEngine-engagement',
  nightly: 'WinbackEngine-nightly',
} as const;
const routes: DeadLetterRoute[] = DEAD_LETTER_QUEUE_NAMES.map((queue) => ({
  queue,
  queueUrl: queues[queue].url,
  functionName: FUNCTIONS[queue],
}));
const message = (body: string, attributes: Record<string, string> = {}, sentAt?: number) => {
  const queue = new MemoryQueue('scratch');
  queue.send(body, attributes, sentAt);
  return queue.receive(1)[0]!;
};
const clients = () => ({ sqs: new SQSClient({ region: 'eu-west-1' }), lambda: new LambdaClient({ region: 'eu-west-1' }) });
const due: TouchDue = { customerId: 'c-1', touchId: 't-1', timerName: 'wb-timer-1' };

describe('reading the routes from the stack outputs', () => {
  it('finds each queue and its function under the keys the stack writes', () => {
    // Prepare
    const outputs = Object.fromEntries(
      routes.flatMap((route) => [
        [deadLetterOutputKeys(route.queue).queueUrl, route.queueUrl],
        [deadLetterOutputKeys(route.queue).functionName, route.functionName],
      ]),
    );

    // Act & Assess
    expect(deadLetterRoutes(outputs)).toEqual(routes);
    expect(deadLetterRoutes(outputsFromCdkFile({ WinbackEngine: { ...outputs, ApiUrl: 'https://x' } }, 'WinbackEngine'))).toEqual(routes);
    expect(
      deadLetterRoutes(outputsFromDescribeStacks(Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })))),
    ).toEqual(routes);
  });

  it('names every output missing, as from a stack deployed before the outputs existed', () => {
    // Act & Assess
    expect(() => deadLetterRoutes({ TimerDeadLetterQueueUrl: 'https://q' })).toThrow(
      /TimerDeadLetterFunction, SendDeadLetterQueueUrl, .*NightlyDeadLetterFunction/,
    );
  });
});

describe('what each dead letter is re-driven with', () => {
  it('gives a Scheduler dead letter (the target input) and a Lambda one (the original event) to send-touch as they are', () => {
    // Prepare
    const timer = new MemoryQueue('t');
    schedulerDeadLetter(timer, {
      name: due.timerName,
      group: 'g',
      targetArn: 'arn:fn',
      input: JSON.stringify(due),
      scheduledTime: '2026-02-04T14:07:00Z',
    });

    // Act & Assess
    expect(redriveOf('timer', timer.receive(1)[0]!)).toEqual({ event: due });
    expect(
      redriveOf('send', message(JSON.stringify(due), { RequestID: 'r', ErrorCode: '200', ErrorMessage: 'ChannelError: throttled' })),
    ).toEqual({ event: due });
  });

  it('leaves a payload Scheduler truncated, and a body that is not JSON', () => {
    // Act & Assess
    expect(redriveOf('timer', message('{"customerId":"c-1","tou', { IS_PAYLOAD_TRUNCATED: 'true' }))).toEqual({
      unreadable: 'Scheduler truncated the payload',
    });
    expect(redriveOf('send', message('not json'))).toEqual({ unreadable: 'the body is not JSON' });
  });

  it('wraps an SNS subscription dead letter (the envelope) as the event Lambda would have received, and keeps a Lambda one', () => {
    // Prepare
    const envelope = snsEnvelope(
      'arn:aws:sns:eu-west-1:123456789012:sms-events',
      '{"eventType":"TEXT_DELIVERED"}',
      '2026-02-04T14:08:00.000Z',
    );

    // Act
    const wrapped = redriveOf('engagement', message(JSON.stringify(envelope)));
    const kept = redriveOf('engagement', message(JSON.stringify(snsEvent(envelope))));

    // Assess
    expect(wrapped).toEqual({
      event: {
        Records: [
          expect.objectContaining({
            EventSource: 'aws:sns',
            Sns: expect.objectContaining({
              MessageId: envelope.MessageId,
              Message: envelope.Message,
              Timestamp: envelope.Timestamp,
              TopicArn: envelope.TopicArn,
              SigningCertUrl: envelope.SigningCertURL,
            }),
          }),
        ],
      },
    });
    expect(kept).toEqual({ event: snsEvent(envelope) });
    expect(redriveOf('engagement', message('{"hello":"world"}'))).toEqual({ unreadable: 'neither an SNS event nor an SNS notification' });
  });

  it('writes into a nightly input without a date the night it was for, not the night of the replay', () => {
    // Act & Assess
    expect(redriveOf('nightly', message('{}', { SCHEDULED_TIME: '2026-03-02T02:30:00Z' }))).toEqual({ event: { date: '2026-03-02' } });
    expect(redriveOf('nightly', message('{}', { RequestID: 'r' }, Date.parse('2026-03-03T03:15:00Z')))).toEqual({
      event: { date: '2026-03-03' },
    });
    expect(redriveOf('nightly', message('{"date":"2026-01-01"}', { SCHEDULED_TIME: '2026-03-02T02:30:00Z' }))).toEqual({
      event: { date: '2026-01-01' },
    });
  });
});

describe('replayDeadLetters with SQS and Lambda behind aws-sdk-client-mock', () => {
  let aws: ReturnType<typeof mockDeadLetterAws> | undefined;
  const calls: unknown[] = [];

  afterEach(() => {
    aws?.restore();
    calls.length = 0;
    for (const queue of Object.values(queues)) queue.clear();
  });

  it('invokes each message synchronously, deletes it once the function answered, and counts per queue', async () => {
    // Prepare
    aws = mockDeadLetterAws(Object.values(queues), {
      [FUNCTIONS.timer]: async (event) => calls.push(event),
      [FUNCTIONS.engagement]: async (event) => calls.push(event),
    });
    queues.timer.send(JSON.stringify(due));
    queues.send.send(JSON.stringify({ ...due, touchId: 't-2' }));

    // Act
    const reports = await replayDeadLetters(clients(), routes);

    // Assess
    expect(reports.map((r) => [r.queue, r.received, r.replayed, r.failed, r.unreadable])).toEqual([
      ['timer', 1, 1, 0, 0],
      ['send', 1, 1, 0, 0],
      ['engagement', 0, 0, 0, 0],
      ['nightly', 0, 0, 0, 0],
    ]);
    expect(calls).toEqual([due, { ...due, touchId: 't-2' }]);
    // Synchronously, so that the answer says whether it worked.
    expect(aws.invocations.map((i) => [i.functionName, i.invocationType])).toEqual([
      [FUNCTIONS.timer, 'RequestResponse'],
      [FUNCTIONS.send, 'RequestResponse'],
    ]);
    expect(queues.timer.depth + queues.send.depth).toBe(0);
  });

  it('leaves a message whose function failed in its queue, and names the error type only', async () => {
    // Prepare
    aws = mockDeadLetterAws(Object.values(queues), {
      [FUNCTIONS.timer]: async () => {
        throw Object.assign(new Error('SMS SendTextMessage failed: ThrottlingException'), { name: 'ChannelError' });
      },
    });
    queues.timer.send(JSON.stringify(due));

    // Act
    const [report] = await replayDeadLetters(clients(), routes, { queue: 'timer' });

    // Assess
    expect(report).toMatchObject({
      queue: 'timer',
      received: 1,
      replayed: 0,
      failed: 1,
      problems: [{ problem: 'Unhandled: ChannelError' }],
    });
    expect(queues.timer.depth).toBe(1);
  });

  it('in a dry run invokes nothing, deletes nothing, and leaves every message visible again', async () => {
    // Prepare
    aws = mockDeadLetterAws(Object.values(queues), { [FUNCTIONS.timer]: async (event) => calls.push(event) });
    queues.timer.send(JSON.stringify(due));
    queues.timer.send('not json');

    // Act
    const [report] = await replayDeadLetters(clients(), routes, { queue: 'timer', dryRun: true });

    // Assess
    expect(report).toMatchObject({ received: 2, replayed: 1, unreadable: 1, failed: 0 });
    expect(calls).toEqual([]);
    expect(aws.invocations).toEqual([]);
    expect(queues.timer.receive(10)).toHaveLength(2);
  });
});

describe('replaying into the real send-touch use case on DynamoDB Local', () => {
  const tableName = `winback-faults-replay-${randomUUID()}`;
  /** The fakes for the scheduler, the channels and the clock; the store is DynamoDB Local's. */
  const fakes = makeDeps();
  let dynamo: DynamoDBClient;
  let deps: EngineDeps;
  let aws: ReturnType<typeof mockDeadLetterAws>;

  beforeAll(async () => {
    dynamo = localDynamoClient(inject('dynamodbEndpoint'));
    await ensureTable(dynamo, tableName);
    deps = {
      ...fakes,
      store: new DynamoDbCustomerStore({ client: createDocumentClient(dynamo), tableName, phoneHashKey: 'replay-phone-key' }),
    };
  });

  afterAll(async () => {
    aws?.restore();
    await dynamo?.send(new DeleteTableCommand({ TableName: tableName }));
    dynamo?.destroy();
  });

  it('sends a dead-lettered touch once, however often and from however many queues it is replayed', async () => {
    // Prepare: a port-out whose first SMS is throttled through all of Lambda's retries, so the
    // timer lands in the send queue; Scheduler also dead-lettered a duplicate delivery of it.
    const customerId = customerIdIn('treatment', undefined, 'replay');
    await ingestEvent(deps, churnEvent({ customerId, consents: { sms: true, email: false, push: false } }));
    const [timer] = fakes.scheduler.due(Number.MAX_SAFE_INTEGER);
    fakes.clock.set(Date.parse(timer!.dueAt));
    const send = new AsyncLambda('send-touch', (event: TouchDue) => sendTouch(deps, event), queues.send, 2);
    fakes.channels.sms.failNext(3, true);
    expect(await send.invoke(timer!.payload)).toBe('dead-lettered');
    schedulerDeadLetter(queues.timer, {
      name: timer!.name,
      group: 'g',
      targetArn: 'arn:fn',
      input: JSON.stringify(timer!.payload),
      scheduledTime: timer!.dueAt,
    });
    queues.send.duplicateAll();
    aws = mockDeadLetterAws(Object.values(queues), { [FUNCTIONS.timer]: (event: TouchDue) => sendTouch(deps, event) });

    // Act
    const first = await replayDeadLetters(clients(), routes);
    const recordAfterFirst = await deps.store.get(customerId);
    queues.timer.send(JSON.stringify(timer!.payload));
    const second = await replayDeadLetters(clients(), routes);

    // Assess
    expect(fakes.channels.sms.sent.map((m) => m.touchId)).toEqual([(timer!.payload as TouchDue).touchId]);
    expect(first.filter((r) => r.queue !== 'engagement' && r.queue !== 'nightly').map((r) => [r.queue, r.replayed, r.failed])).toEqual([
      ['timer', 1, 0],
      ['send', 2, 0],
    ]);
    expect(second.find((r) => r.queue === 'timer')).toMatchObject({ replayed: 1, failed: 0 });
    // The second replay changed nothing at all: same version, same record.
    expect(await deps.store.get(customerId)).toEqual(recordAfterFirst);
    expect(recordAfterFirst!.journeys[0]!.touches[0]).toMatchObject({ status: 'sent' });
  });

  it('ingests a dead-lettered SNS notification once, replayed as an envelope and as an event', async () => {
    // Prepare: a delivery receipt for the SMS sent above.
    const record = (await deps.store.get(customerIdIn('treatment', undefined, 'replay')))!;
    const touch = record.journeys[0]!.touches[0]!;
    const receipt = JSON.stringify({
      eventType: 'TEXT_DELIVERED',
      eventTimestamp: fakes.clock.now(),
      messageId: touch.messageId,
      context: { touchId: touch.touchId, customer: encodeCustomerTag(record.customerId) },
    });
    const envelope = snsEnvelope('arn:aws:sns:eu-west-1:123456789012:sms-events', receipt, new Date(fakes.clock.now()).toISOString());
    queues.engagement.send(JSON.stringify(envelope));
    queues.engagement.send(JSON.stringify(snsEvent(envelope)));
    aws.restore();
    aws = mockDeadLetterAws(Object.values(queues), { [FUNCTIONS.engagement]: (event: SNSEvent) => ingestNotifications(deps, event) });

    // Act
    const [report] = await replayDeadLetters(clients(), routes, { queue: 'engagement' });

    // Assess
    expect(report).toMatchObject({ received: 2, replayed: 2, failed: 0 });
    const after = (await deps.store.get(record.customerId))!;
    expect(after.journeys[0]!.touches[0]!.engagement.delivered).toBeDefined();
    expect(after.version).toBe(record.version + 1);
  });
});
