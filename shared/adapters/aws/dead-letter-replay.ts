import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type DeadLetterQueueName, type DeadLetterRoute, redriveOf } from './dead-letter-routes.ts';

/**
 * Re-drives a deployment's dead-letter queues after an incident: each message goes back to the
 * function it was meant for, invoked synchronously (RequestResponse) so that the answer says
 * whether it worked; the message is deleted only then. What fails stays in its queue.
 *
 * Replaying is safe because every handler is idempotent: send-touch claims its touch before it
 * sends (a second delivery of the same timer finds it claimed and does nothing), engagement events
 * carry stable event ids (a replay answers `duplicate`), and a nightly run replaces its partitions.
 *
 * Which queues there are, their stack outputs, and what each message becomes: `dead-letter-routes.ts`.
 */

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

/** Options of {@link replayDeadLetters}. */
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
    const errorType = (parsed as { errorType?: unknown } | null)?.errorType;
    return typeof errorType === 'string' ? errorType : 'unknown error';
  } catch {
    return 'unknown error';
  }
}
