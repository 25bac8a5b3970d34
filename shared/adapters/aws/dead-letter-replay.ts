import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Re-drives a deployment's dead-letter queues after an incident: each message goes back to the
 * function it was meant for, invoked synchronously (RequestResponse) so that the answer says
 * whether it worked; the message is deleted only then. What fails stays in its queue.
 *
 * Replaying is safe because every handler is idempotent: send-touch claims its touch before it
 * sends (a second delivery of the same timer finds it claimed and does nothing), engagement events
 * carry stable event ids (a replay answers `duplicate`), and a nightly run replaces its partitions.
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

/** Counts for one queue. */
export interface QueueReport {
  queue: DeadLetterQueueName;
  functionName: string;
  /** Messages looked at. */
  received: number;
  /** Re-driven and deleted (in a dry run: would be re-driven). */
  replayed: number;
  /** The function failed; left in the queue. */
  failed: number;
  /** Could not be turned into an event; left in the queue. */
  unreadable: number;
  /** Why, per message id (no body, no payload: they hold phone numbers and addresses). */
  problems: Array<{ messageId: string; problem: string }>;
}

export interface ReplayOptions {
  /** Read and check every message, invoke nothing, delete nothing. */
  dryRun?: boolean;
  /** Only this queue. */
  queue?: DeadLetterQueueName;
}

/** How long a received message stays hidden: longer than any function may run (15 min). */
const IN_FLIGHT_VISIBILITY_SECONDS = 16 * 60;
/** A dry run hides what it reads only while it reads, then shows it again. */
const DRY_RUN_VISIBILITY_SECONDS = 60;
/** Long polling asks every SQS server: an empty answer then means the queue is empty. */
const WAIT_SECONDS = 1;

/**
 * Re-drives every message of the routes' queues (or of `options.queue`), one at a time.
 *
 * Primary course, per message: 1. turn it into the event its function expects; 2. invoke the
 * function synchronously; 3. on success delete the message. A failure leaves the message hidden
 * until its visibility timeout (so this run does not meet it again) and then back in the queue.
 */
export async function replayDeadLetters(
  clients: { sqs: SQSClient; lambda: LambdaClient },
  routes: readonly DeadLetterRoute[],
  options: ReplayOptions = {},
): Promise<QueueReport[]> {
  const selected = routes.filter((route) => options.queue === undefined || route.queue === options.queue);
  const reports: QueueReport[] = [];
  for (const route of selected) reports.push(await replayQueue(clients, route, options.dryRun ?? false));
  return reports;
}

async function replayQueue(
  clients: { sqs: SQSClient; lambda: LambdaClient },
  route: DeadLetterRoute,
  dryRun: boolean,
): Promise<QueueReport> {
  const report: QueueReport = {
    queue: route.queue,
    functionName: route.functionName,
    received: 0,
    replayed: 0,
    failed: 0,
    unreadable: 0,
    problems: [],
  };
  const seen = new Set<string>();
  const hidden: string[] = [];
  for (;;) {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: route.queueUrl,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: WAIT_SECONDS,
        VisibilityTimeout: dryRun ? DRY_RUN_VISIBILITY_SECONDS : IN_FLIGHT_VISIBILITY_SECONDS,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    const fresh = Messages.filter((message) => message.MessageId !== undefined && !seen.has(message.MessageId));
    // Empty, or only messages this run already handled (back after their visibility timeout).
    if (fresh.length === 0) break;
    for (const message of fresh) {
      seen.add(message.MessageId!);
      report.received += 1;
      const outcome = await handle(clients, route, message, dryRun);
      if (outcome === 'replayed') report.replayed += 1;
      else {
        report[outcome.kind] += 1;
        report.problems.push({ messageId: message.MessageId!, problem: outcome.problem });
      }
      if (dryRun && message.ReceiptHandle) hidden.push(message.ReceiptHandle);
    }
  }
  // A dry run leaves the queue as it found it, ready for the real run.
  for (const receiptHandle of hidden)
    await clients.sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: route.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: 0 }),
    );
  return report;
}

type Outcome = 'replayed' | { kind: 'failed' | 'unreadable'; problem: string };

async function handle(
  clients: { sqs: SQSClient; lambda: LambdaClient },
  route: DeadLetterRoute,
  message: Message,
  dryRun: boolean,
): Promise<Outcome> {
  const redrive = redriveOf(route.queue, message);
  if ('unreadable' in redrive) return { kind: 'unreadable', problem: redrive.unreadable };
  if (dryRun) return 'replayed';
  const failure = await invoke(clients.lambda, route.functionName, redrive.event);
  if (failure) return { kind: 'failed', problem: failure };
  await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: route.queueUrl, ReceiptHandle: message.ReceiptHandle }));
  return 'replayed';
}

/**
 * Invokes the function and waits for its answer; undefined when it worked, else why not. A
 * function that threw still answers HTTP 200, with `FunctionError` set and the error as payload.
 */
async function invoke(lambda: LambdaClient, functionName: string, event: unknown): Promise<string | undefined> {
  try {
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    if (!result.FunctionError) return undefined;
    // The error type only: an error message may quote the event, which holds personal data.
    return `${result.FunctionError}: ${errorTypeOf(result.Payload)}`;
  } catch (error) {
    return `invoke failed: ${error instanceof Error ? error.name : 'unknown error'}`;
  }
}

function errorTypeOf(payload: Uint8Array | undefined): string {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(payload));
    return isObject(parsed) && typeof parsed.errorType === 'string' ? parsed.errorType : 'unknown error';
  } catch {
    return 'unknown error';
  }
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
