import type { Message } from '@aws-sdk/client-sqs';

/**
 * Where a deployment's dead-letter messages go back to, and the event each becomes: the queues,
 * the stack outputs naming each queue and its function, and the parsing of what each queue holds.
 * The replay itself is `dead-letter-replay.ts`.
 *
 * What the queues hold (and what each becomes):
 * - `timer`: schedules EventBridge Scheduler could not deliver to the send function. The body is the
 *   schedule's target input (the send-touch payload); attributes `ERROR_CODE`, `ERROR_MESSAGE`,
 *   `EXECUTION_ID`, `RETRY_ATTEMPTS`, `SCHEDULE_ARN`, `TARGET_ARN`, `SCHEDULED_TIME`,
 *   `EXHAUSTED_RETRY_CONDITION` (when retries ran out) and `IS_PAYLOAD_TRUNCATED`. Invoked as is;
 *   a truncated body is left in the queue.
 * - `send`: send-touch invocations that failed after Lambda's asynchronous retries. A Lambda
 *   dead-letter message is the original event, unchanged, with attributes `RequestID`,
 *   `ErrorCode`, `ErrorMessage`. Invoked as is.
 * - `engagement`: two sources share it. Lambda's dead letters of the engagement function: the
 *   original SNS event (`{"Records": [...]}`), invoked as is. And the SNS subscriptions' dead
 *   letters (SNS could not invoke the function): the body is the SNS message envelope
 *   (`{"Type": "Notification", "MessageId", "TopicArn", "Message", "Timestamp", …}`), which is
 *   wrapped as the event Lambda would have received (`{"Records": [{"EventSource": "aws:sns",
 *   "Sns": {…}}]}`).
 * - `nightly`: the nightly job's dead letters, from Scheduler (it could not start the job) or from
 *   Lambda (the job failed twice). The job computes "today" when its input has no date, so the
 *   night the message was for is written into it: the `SCHEDULED_TIME` of a Scheduler dead letter,
 *   or the day the message was dead-lettered (its `SentTimestamp`), a few minutes after the run.
 */

/** The deployment's dead-letter queues (what each holds: see above). */
export const DEAD_LETTER_QUEUE_NAMES = ['timer', 'send', 'engagement', 'nightly'] as const;
export type DeadLetterQueueName = (typeof DEAD_LETTER_QUEUE_NAMES)[number];

/** One queue and the function its messages are re-driven to. */
export interface DeadLetterRoute {
  queue: DeadLetterQueueName;
  queueUrl: string;
  functionName: string;
}

/**
 * The stack output keys naming a queue's URL and its function (`lib/stateless-stack.ts` writes
 * them; the replay reads them), e.g. `TimerDeadLetterQueueUrl` and `TimerDeadLetterFunction`.
 */
export function deadLetterOutputKeys(queue: DeadLetterQueueName): { queueUrl: string; functionName: string } {
  const prefix = `${queue[0]!.toUpperCase()}${queue.slice(1)}DeadLetter`;
  return { queueUrl: `${prefix}QueueUrl`, functionName: `${prefix}Function` };
}

/** The routes from a stack's outputs. @throws Error naming every output missing */
export function deadLetterRoutes(outputs: Readonly<Record<string, string>>): DeadLetterRoute[] {
  const missing: string[] = [];
  const routes = DEAD_LETTER_QUEUE_NAMES.map((queue) => {
    const keys = deadLetterOutputKeys(queue);
    for (const key of [keys.queueUrl, keys.functionName]) if (!outputs[key]) missing.push(key);
    return { queue, queueUrl: outputs[keys.queueUrl] ?? '', functionName: outputs[keys.functionName] ?? '' };
  });
  if (missing.length > 0)
    throw new Error(`the stack has no output ${missing.join(', ')}: deploy the current version of the engine stack first`);
  return routes;
}

/** What one message becomes: the event to invoke the function with, or why it cannot be re-driven. */
export type Redrive = { event: unknown } | { unreadable: string };

/** The event to re-drive a dead-letter message of `queue` with. */
export function redriveOf(queue: DeadLetterQueueName, message: Message): Redrive {
  if (attribute(message, 'IS_PAYLOAD_TRUNCATED') === 'true') return { unreadable: 'Scheduler truncated the payload' };
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    return { unreadable: 'the body is not JSON' };
  }
  if (queue === 'engagement') return engagementEvent(body);
  if (queue === 'nightly') return nightlyEvent(body, message);
  return { event: body };
}

/** Parts of an SNS message envelope (the JSON SNS delivers to SQS and to a subscription's DLQ). */
interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string | null;
  Message: string;
  Timestamp: string;
  SignatureVersion?: string;
  Signature?: string;
  SigningCertURL?: string;
  UnsubscribeURL?: string;
  MessageAttributes?: Record<string, unknown>;
}

function engagementEvent(body: unknown): Redrive {
  if (isObject(body) && Array.isArray(body.Records)) return { event: body };
  if (!isObject(body) || body.Type !== 'Notification' || typeof body.Message !== 'string')
    return { unreadable: 'neither an SNS event nor an SNS notification' };
  const envelope = body as unknown as SnsEnvelope;
  // The shape Lambda gives an SNS-invoked function (note `SigningCertUrl`, `UnsubscribeUrl`).
  const sns = {
    Type: envelope.Type,
    MessageId: envelope.MessageId,
    TopicArn: envelope.TopicArn,
    Subject: envelope.Subject ?? null,
    Message: envelope.Message,
    Timestamp: envelope.Timestamp,
    SignatureVersion: envelope.SignatureVersion ?? '',
    Signature: envelope.Signature ?? '',
    SigningCertUrl: envelope.SigningCertURL ?? '',
    UnsubscribeUrl: envelope.UnsubscribeURL ?? '',
    MessageAttributes: envelope.MessageAttributes ?? {},
  };
  return {
    event: {
      Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: `${envelope.TopicArn}:dead-letter-replay`, Sns: sns }],
    },
  };
}

function nightlyEvent(body: unknown, message: Message): Redrive {
  if (!isObject(body)) return { unreadable: 'the nightly input is not an object' };
  if (typeof body.date === 'string') return { event: body };
  const scheduled = attribute(message, 'SCHEDULED_TIME');
  const sent = Number(message.Attributes?.SentTimestamp);
  const instant = scheduled ? Date.parse(scheduled) : sent;
  if (!Number.isFinite(instant)) return { unreadable: 'no date, and nothing tells which night it was for' };
  return { event: { ...body, date: new Date(instant).toISOString().slice(0, 10) } };
}

function attribute(message: Message, name: string): string | undefined {
  return message.MessageAttributes?.[name]?.StringValue;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A stack's outputs from the file `cdk deploy --outputs-file <path>` writes
 * (`{"<stack>": {"<key>": "<value>"}}`). @throws Error when the stack is not in it
 */
export function outputsFromCdkFile(json: unknown, stackName: string): Record<string, string> {
  const stack = isObject(json) ? json[stackName] : undefined;
  if (!isObject(stack)) throw new Error(`the outputs file has no stack ${stackName}`);
  return Object.fromEntries(Object.entries(stack).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/**
 * A stack's outputs from `aws cloudformation describe-stacks --query "Stacks[0].Outputs"` (a list
 * of `{"OutputKey", "OutputValue"}`).
 */
export function outputsFromDescribeStacks(json: unknown): Record<string, string> {
  if (!Array.isArray(json)) throw new Error('describe-stacks returned no list of outputs');
  return Object.fromEntries(
    json
      .filter(
        (output): output is { OutputKey: string; OutputValue: string } =>
          isObject(output) && typeof output.OutputKey === 'string' && typeof output.OutputValue === 'string',
      )
      .map((output) => [output.OutputKey, output.OutputValue]),
  );
}
