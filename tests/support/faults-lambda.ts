import { randomUUID } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * What AWS does around the functions when they fail, modelled for tests, with the message
 * formats AWS documents (see `shared/adapters/aws/dead-letter-routes.ts`):
 * - {@link AsyncLambda}: an asynchronous invocation (how Scheduler and SNS invoke): the handler
 *   runs, and again on each retry (`retryAttempts`, as set in `lib/`); past them the original
 *   event goes to the function's dead-letter queue, with `RequestID`, `ErrorCode`, `ErrorMessage`.
 * - {@link schedulerDeadLetter}: a schedule Scheduler could not deliver (the invoke itself failed
 *   past the retry policy): the target input, with Scheduler's attributes.
 * - {@link snsEnvelope} / {@link snsEvent}: what SNS puts in a subscription's dead-letter queue (the
 *   message envelope) and what it invokes a function with (the event).
 * - {@link MemoryQueue} and {@link mockDeadLetterAws}: SQS queues in memory behind the real
 *   SQSClient and LambdaClient (aws-sdk-client-mock), so the replay module runs unchanged.
 *
 * Time does not pass here: retries run at once, and a message hidden by a receive comes back only
 * when the test says the visibility timeout ran out ({@link MemoryQueue.expireVisibility}).
 */

interface QueuedMessage {
  MessageId: string;
  Body: string;
  MessageAttributes: Record<string, { DataType: 'String'; StringValue: string }>;
  SentTimestamp: number;
  /** Set while received and neither deleted nor shown again. */
  receiptHandle?: string;
}

/** A standard SQS queue in memory. */
export class MemoryQueue {
  readonly url: string;
  private readonly messages: QueuedMessage[] = [];

  constructor(readonly name: string) {
    this.url = `https://sqs.eu-west-1.amazonaws.com/123456789012/${name}`;
  }

  send(body: string, attributes: Record<string, string> = {}, sentAt = Date.now()): void {
    const MessageAttributes = Object.fromEntries(
      Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String' as const, StringValue: value }]),
    );
    this.messages.push({ MessageId: randomUUID(), Body: body, MessageAttributes, SentTimestamp: sentAt });
  }

  /** Visible messages, hidden from now on; each receive hands out a new receipt handle. */
  receive(max: number): Message[] {
    return this.messages
      .filter((message) => message.receiptHandle === undefined)
      .slice(0, max)
      .map((message) => {
        message.receiptHandle = randomUUID();
        return {
          MessageId: message.MessageId,
          ReceiptHandle: message.receiptHandle,
          Body: message.Body,
          MessageAttributes: message.MessageAttributes,
          Attributes: { SentTimestamp: String(message.SentTimestamp) },
        };
      });
  }

  delete(receiptHandle: string): void {
    const index = this.messages.findIndex((message) => message.receiptHandle === receiptHandle);
    if (index >= 0) this.messages.splice(index, 1);
  }

  show(receiptHandle: string): void {
    const message = this.messages.find((m) => m.receiptHandle === receiptHandle);
    if (message) delete message.receiptHandle;
  }

  /** Every hidden message visible again, as when their visibility timeout runs out. */
  expireVisibility(): void {
    for (const message of this.messages) delete message.receiptHandle;
  }

  /** Every message, visible or not, as a copy. */
  all(): Array<{ body: string; attributes: Record<string, string> }> {
    return this.messages.map((m) => ({
      body: m.Body,
      attributes: Object.fromEntries(Object.entries(m.MessageAttributes).map(([k, v]) => [k, v.StringValue])),
    }));
  }

  /** Puts every message in the queue a second time, as SQS's at-least-once delivery may. */
  duplicateAll(): void {
    for (const message of [...this.messages]) this.messages.push({ ...message, MessageId: randomUUID(), receiptHandle: undefined });
  }

  clear(): void {
    this.messages.length = 0;
  }

  get depth(): number {
    return this.messages.length;
  }
}

/** A function invoked asynchronously, with Lambda's retries and dead-letter queue. */
export class AsyncLambda {
  /** Every error an attempt ended with, and the event it was for. */
  readonly failures: Array<{ event: unknown; error: unknown }> = [];
  deadLettered = 0;

  constructor(
    readonly name: string,
    readonly handler: (event: any) => Promise<unknown>,
    readonly deadLetters: MemoryQueue,
    /** Lambda's `MaximumRetryAttempts` for async invocations (CDK `retryAttempts`). */
    readonly retryAttempts = 2,
  ) {}

  async invoke(event: unknown): Promise<'succeeded' | 'dead-lettered'> {
    let last: unknown;
    for (let attempt = 0; attempt <= this.retryAttempts; attempt++) {
      try {
        await this.handler(structuredClone(event));
        return 'succeeded';
      } catch (error) {
        this.failures.push({ event, error });
        last = error;
      }
    }
    this.deadLettered += 1;
    const message = last instanceof Error ? `${last.name}: ${last.message}` : String(last);
    this.deadLetters.send(JSON.stringify(event), { RequestID: randomUUID(), ErrorCode: '200', ErrorMessage: message.slice(0, 1024) });
    return 'dead-lettered';
  }
}

/** What Scheduler puts in its dead-letter queue for a schedule it could not deliver. */
export function schedulerDeadLetter(
  queue: MemoryQueue,
  schedule: { name: string; group: string; targetArn: string; input: string; scheduledTime: string },
): void {
  queue.send(schedule.input, {
    ERROR_CODE: 'Lambda.TooManyRequestsException',
    ERROR_MESSAGE: 'Rate Exceeded.',
    EXECUTION_ID: randomUUID(),
    EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
    IS_PAYLOAD_TRUNCATED: 'false',
    RETRY_ATTEMPTS: '5',
    SCHEDULED_TIME: schedule.scheduledTime,
    SCHEDULE_ARN: `arn:aws:scheduler:eu-west-1:123456789012:schedule/${schedule.group}/${schedule.name}`,
    TARGET_ARN: schedule.targetArn,
  });
}

/** The SNS message envelope: what an SQS subscriber, and a subscription's dead-letter queue, receive. */
export function snsEnvelope(topicArn: string, message: string, timestamp: string): Record<string, unknown> {
  const messageId = randomUUID();
  return {
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: topicArn,
    Message: message,
    Timestamp: timestamp,
    SignatureVersion: '1',
    Signature: 'c2lnbmF0dXJl',
    SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000.pem',
    UnsubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:sub`,
  };
}

/** The event SNS invokes a subscribed function with, for one envelope. */
export function snsEvent(envelope: Record<string, unknown>): SNSEvent {
  const e = envelope as Record<string, string>;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${e.TopicArn}:sub`,
        Sns: {
          Type: e.Type!,
          MessageId: e.MessageId!,
          TopicArn: e.TopicArn!,
          Subject: '',
          Message: e.Message!,
          Timestamp: e.Timestamp!,
          SignatureVersion: e.SignatureVersion!,
          Signature: e.Signature!,
          SigningCertUrl: e.SigningCertURL!,
          UnsubscribeUrl: e.UnsubscribeURL!,
          MessageAttributes: {},
        },
      },
    ],
  };
}

/**
 * SQS (receive, delete, change visibility) on the given queues and Lambda (synchronous invoke) on
 * the given handlers, behind the real clients: what the replay module talks to. A handler that
 * throws answers as Lambda does: HTTP 200 with `FunctionError` and the error as payload.
 */
export function mockDeadLetterAws(queues: readonly MemoryQueue[], functions: Readonly<Record<string, (event: any) => Promise<unknown>>>) {
  const sqs = mockClient(SQSClient);
  const lambda = mockClient(LambdaClient);
  const queue = (url: string | undefined) => {
    const found = queues.find((q) => q.url === url);
    if (!found) throw Object.assign(new Error(`no queue ${url}`), { name: 'QueueDoesNotExist' });
    return found;
  };
  const invocations: Array<{ functionName: string; invocationType: string | undefined; event: unknown }> = [];
  sqs.on(ReceiveMessageCommand).callsFake((input: { QueueUrl: string; MaxNumberOfMessages?: number }) => ({
    Messages: queue(input.QueueUrl).receive(input.MaxNumberOfMessages ?? 1),
  }));
  sqs.on(DeleteMessageCommand).callsFake((input: { QueueUrl: string; ReceiptHandle: string }) => {
    queue(input.QueueUrl).delete(input.ReceiptHandle);
    return {};
  });
  sqs.on(ChangeMessageVisibilityCommand).callsFake((input: { QueueUrl: string; ReceiptHandle: string; VisibilityTimeout: number }) => {
    if (input.VisibilityTimeout === 0) queue(input.QueueUrl).show(input.ReceiptHandle);
    return {};
  });
  lambda.on(InvokeCommand).callsFake(async (input: { FunctionName: string; InvocationType?: string; Payload: Uint8Array }) => {
    const handler = functions[input.FunctionName];
    if (!handler)
      throw Object.assign(new Error(`Function not found: ${input.FunctionName}`), {
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 404 },
      });
    const event: unknown = JSON.parse(new TextDecoder().decode(input.Payload));
    invocations.push({ functionName: input.FunctionName, invocationType: input.InvocationType, event });
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value ?? null));
    try {
      return { StatusCode: 200, Payload: encode(await handler(event)) };
    } catch (error) {
      const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
      return { StatusCode: 200, FunctionError: 'Unhandled', Payload: encode({ errorType: name, errorMessage: message }) };
    }
  });
  return {
    invocations,
    restore() {
      sqs.restore();
      lambda.restore();
    },
  };
}
