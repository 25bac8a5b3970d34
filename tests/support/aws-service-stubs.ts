import { startFakeAwsEndpoint, type FakeAwsEndpoint } from '../unit/adapters/fake-aws-endpoint.ts';

/**
 * Small HTTP stand-ins for the AWS services that have no emulator here (Secrets Manager,
 * EventBridge Scheduler, End User Messaging SMS), answering in each service's real wire protocol,
 * so that a Lambda bundle running in another process talks to them through its own, unmodified SDK clients
 * (pointed here with the SDK's `AWS_ENDPOINT_URL_<SERVICE>` variables). Each records what it got.
 */

const requestId = (index: number) => `stub-request-${index + 1}`;

/** Secrets Manager (JSON 1.1 protocol): `GetSecretValue` for the given secret ids. */
export async function startSecretsManagerStub(secrets: Readonly<Record<string, string>>): Promise<FakeAwsEndpoint> {
  return startFakeAwsEndpoint((request, index) => {
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId(index) };
    const { SecretId } = JSON.parse(request.body || '{}') as { SecretId?: string };
    if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || SecretId === undefined || !(SecretId in secrets)) {
      return {
        status: 400,
        headers,
        body: JSON.stringify({ __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." }),
      };
    }
    return {
      status: 200,
      headers,
      body: JSON.stringify({
        ARN: SecretId,
        Name: 'winback-keys',
        SecretString: secrets[SecretId],
        VersionId: 'v1',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_767_225_600,
      }),
    };
  });
}

/** One `CreateSchedule` the Scheduler stub received: the name from the path, the rest from the body. */
export interface ReceivedSchedule {
  Name: string;
  GroupName?: string;
  ScheduleExpression?: string;
  ScheduleExpressionTimezone?: string;
  ActionAfterCompletion?: string;
  FlexibleTimeWindow?: { Mode: string };
  Target?: { Arn: string; RoleArn: string; Input?: string; DeadLetterConfig?: { Arn: string }; RetryPolicy?: Record<string, number> };
}

export interface SchedulerStub extends FakeAwsEndpoint {
  /** Every `CreateSchedule` received, in order (conflicting repeats included). */
  created: ReceivedSchedule[];
  /** The schedules that exist now, by name (a test firing one deletes it, as `ActionAfterCompletion: DELETE` does). */
  live: Map<string, ReceivedSchedule>;
}

/**
 * EventBridge Scheduler (REST-JSON protocol), behaving like the service for one-shot schedules: a
 * name that exists conflicts (409), deleting a missing one is not found (404).
 */
export async function startSchedulerStub(): Promise<SchedulerStub> {
  const created: ReceivedSchedule[] = [];
  const live = new Map<string, ReceivedSchedule>();
  const endpoint = await startFakeAwsEndpoint((request, index) => {
    const headers = { 'content-type': 'application/json', 'x-amzn-requestid': requestId(index) };
    const url = new URL(request.url, 'http://stub');
    const name = decodeURIComponent(/^\/schedules\/([^/]+)$/.exec(url.pathname)?.[1] ?? '');
    const error = (status: number, type: string, message: string) => ({
      status,
      headers: { ...headers, 'x-amzn-errortype': type },
      body: JSON.stringify({ Message: message }),
    });
    if (!name) return error(400, 'ValidationException', `unexpected request ${request.method} ${url.pathname}`);
    if (request.method === 'POST') {
      const schedule = { ...(JSON.parse(request.body || '{}') as Omit<ReceivedSchedule, 'Name'>), Name: name };
      created.push(schedule);
      if (live.has(name)) return error(409, 'ConflictException', `Schedule ${name} already exists.`);
      live.set(name, schedule);
      return {
        status: 200,
        headers,
        body: JSON.stringify({
          ScheduleArn: `arn:aws:scheduler:eu-west-1:123456789012:schedule/${schedule.GroupName ?? 'default'}/${name}`,
        }),
      };
    }
    if (request.method === 'DELETE') {
      if (!live.delete(name)) return error(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
      return { status: 200, headers, body: '{}' };
    }
    return error(400, 'ValidationException', `unexpected method ${request.method}`);
  });
  return { ...endpoint, created, live };
}

export interface SmsStub extends FakeAwsEndpoint {
  /** The body of every `SendTextMessage` received (`DestinationPhoneNumber`, `MessageBody`, `Context`, …). */
  sent: Array<Record<string, unknown>>;
}

/**
 * End User Messaging SMS (Pinpoint SMS Voice v2, AWS JSON 1.0 protocol): `SendTextMessage`,
 * answering a fresh message id each time.
 */
export async function startSmsStub(): Promise<SmsStub> {
  const sent: Array<Record<string, unknown>> = [];
  const endpoint = await startFakeAwsEndpoint((request, index) => {
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId(index) };
    if (request.headers['x-amz-target'] !== 'PinpointSMSVoiceV2.SendTextMessage') {
      return { status: 400, headers, body: JSON.stringify({ __type: 'ValidationException', Message: 'unexpected operation' }) };
    }
    sent.push(JSON.parse(request.body || '{}') as Record<string, unknown>);
    return { status: 200, headers, body: JSON.stringify({ MessageId: `sms-message-${sent.length}` }) };
  });
  return { ...endpoint, sent };
}

/**
 * Where every other AWS call goes (`AWS_ENDPOINT_URL`): it answers 500 and records the request, so
 * a test can assert that a function called no service it was not expected to, and nothing reaches
 * the real AWS.
 */
export async function startCatchAllStub(): Promise<FakeAwsEndpoint> {
  return startFakeAwsEndpoint(() => ({
    status: 500,
    headers: { 'content-type': 'application/json' },
    body: '{"Message":"no stub for this service"}',
  }));
}
