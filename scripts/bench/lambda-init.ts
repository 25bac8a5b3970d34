import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCatchAllStub, startSecretsManagerStub } from '../../tests/support/aws-service-stubs.ts';
import { buildBundle, createLambdaRoot, runBundle, type BundleSource, type LambdaBundle } from '../../tests/support/lambda-bundle.ts';

/**
 * Each Lambda's bundle size and module init time, beside a bare handler.
 *
 * Module init is importing the bundle in a fresh Node process, as the Lambda runtime does at a
 * cold start: module scope, its top-level await included (settings read, the keys secret
 * fetched from a local Secrets Manager stand-in, SDK clients created). Node's own start is not
 * in it. Median of several runs, variants interleaved so that a busy moment of the machine hits
 * them alike.
 *
 * The bare handler imports and constructs the same SDK clients as the function and makes the one
 * call the function makes at init (GetSecretValue: it is that call, not our code, that loads the
 * SDK's credential, signing and HTTP machinery), and nothing else, bundled with the same options.
 * The ratio is what our own code adds to a cold start.
 *
 * "SDK from the runtime" is the same pair built with `@aws-sdk/*` left external, as CDK's default
 * does, resolved from this repository's node_modules as the runtime would resolve its own copy:
 * the CommonJS builds (the SDK packages have no `exports` map, so Node's ESM loader takes `main`,
 * `dist-cjs`, which is also all the Lambda image carries). It answers "what would leaving the
 * SDK to the runtime do to init?". Two effects add up there: each package is a CommonJS module
 * loaded whole through Node's resolution (the bare handlers show that alone), and nothing
 * external can be tree-shaken, so a function loads every client it imports, used or not
 * (shared/adapters/aws/clients.ts imports all five).
 */

export const LAMBDAS = ['api', 'send-touch', 'engagement', 'nightly'] as const;
export type Lambda = (typeof LAMBDAS)[number];

const REPO_NODE_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));
const REGION = 'eu-west-1';
const KEYS_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:123456789012:secret:WinbackEngine-Keys-AbCdEf`;

/** An SDK client a handler creates at init: what to import, and how to create it. */
interface ClientRecipe {
  imports: string;
  create: string;
}

const CLIENTS = {
  dynamodb: {
    imports: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    create: 'DynamoDBDocumentClient.from(new DynamoDBClient({}))',
  },
  scheduler: { imports: "import { SchedulerClient } from '@aws-sdk/client-scheduler';", create: 'new SchedulerClient({})' },
  sms: {
    imports: "import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';",
    create: 'new PinpointSMSVoiceV2Client({})',
  },
  email: { imports: "import { SESv2Client } from '@aws-sdk/client-sesv2';", create: 'new SESv2Client({})' },
  sns: { imports: "import { SNSClient } from '@aws-sdk/client-sns';", create: 'new SNSClient({})' },
  s3: { imports: "import { S3Client } from '@aws-sdk/client-s3';", create: 'new S3Client({})' },
} satisfies Record<string, ClientRecipe>;

/** The clients each handler creates at init (shared/adapters/aws/lambda-engine.ts, lambdas/nightly). */
const LAMBDA_CLIENTS: Record<Lambda, Array<keyof typeof CLIENTS>> = {
  api: ['dynamodb', 'scheduler'],
  'send-touch': ['dynamodb', 'scheduler', 'sms', 'email', 'sns'],
  engagement: ['dynamodb', 'scheduler'],
  nightly: ['dynamodb', 'scheduler', 's3'],
};

/** The bare handler of `lambda`, as source code. */
export function bareHandlerSource(lambda: Lambda): string {
  const clients = LAMBDA_CLIENTS[lambda].map((name) => CLIENTS[name]);
  return [
    "import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
    ...clients.map((client) => client.imports),
    'const secrets = new SecretsManagerClient({});',
    'await secrets.send(new GetSecretValueCommand({ SecretId: process.env.KEYS_SECRET_ARN }));',
    'secrets.destroy();',
    `export const clients = [${clients.map((client) => client.create).join(', ')}];`,
    'export const handler = async () => ({});',
  ].join('\n');
}

/** The settings every handler reads at init, with local values; a handler ignores the others'. */
function environment(endpoints: { secrets: string; elsewhere: string }): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench-session',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secrets,
    // Anything else a handler might call at init is answered locally, never by AWS.
    AWS_ENDPOINT_URL: endpoints.elsewhere,
    // As WinbackFunction sets them: the source map is parsed at cold start, the logger logs.
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    KEYS_SECRET_ARN,
    TABLE_NAME: 'winback-bench',
    SCHEDULE_GROUP_NAME: 'winback-bench-touches',
    SEND_TOUCH_FUNCTION_ARN: `arn:aws:lambda:${REGION}:123456789012:function:winback-bench-send-touch`,
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/winback-bench-scheduler',
    TIMER_DLQ_ARN: `arn:aws:sqs:${REGION}:123456789012:winback-bench-timers`,
    SMS_CONFIGURATION_SET: 'winback-bench-sms',
    SES_FROM_ADDRESS: 'winback@example.com',
    SES_CONFIGURATION_SET: 'winback-bench-email',
    RETENTION_TASK_TOPIC_ARN: `arn:aws:sns:${REGION}:123456789012:winback-bench-retention-tasks`,
    UNSUBSCRIBE_BASE_URL: 'https://example.com/api/v1/unsubscribe',
    LINK_BASE_URL: 'https://example.com/api',
    LAKE_BUCKET: 'winback-bench-lake',
    COST_PER_ACQUISITION: '150',
    SCAN_SEGMENTS: '4',
  };
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Medians of one bundle's cold starts. */
export interface InitFigures {
  bytes: number;
  /** Wall-clock time of the import. */
  initMs: number;
  /** CPU time the import took: steadier than wall time on a busy machine. */
  cpuMs: number;
}

export interface LambdaInit {
  lambda: Lambda;
  handler: InitFigures;
  bare: InitFigures;
  /** The same pair with the SDK left to the runtime. */
  sdkFromRuntime: { handler: InitFigures; bare: InitFigures };
}

type Variant = 'handler' | 'bare' | 'runtimeHandler' | 'runtimeBare';

/** A Lambda root whose node_modules holds only `@aws-sdk`, as the runtime provides it. */
function runtimeSdkRoot(): ReturnType<typeof createLambdaRoot> {
  const root = createLambdaRoot();
  mkdirSync(join(root.root, 'node_modules'));
  symlinkSync(join(REPO_NODE_MODULES, '@aws-sdk'), join(root.root, 'node_modules', '@aws-sdk'));
  return root;
}

/** Every Lambda's four bundles, by `<lambda>/<variant>`. */
async function buildVariants(bundledRoot: string, runtimeRoot: string): Promise<Map<string, LambdaBundle>> {
  const runtimeSdk = { external: ['@aws-sdk/*'] };
  const bundles = new Map<string, LambdaBundle>();
  for (const lambda of LAMBDAS) {
    const bare: BundleSource = { name: `${lambda}-bare`, code: bareHandlerSource(lambda) };
    bundles.set(`${lambda}/handler`, await buildBundle({ lambda }, bundledRoot));
    bundles.set(`${lambda}/bare`, await buildBundle(bare, bundledRoot));
    bundles.set(`${lambda}/runtimeHandler`, await buildBundle({ lambda }, runtimeRoot, runtimeSdk));
    bundles.set(`${lambda}/runtimeBare`, await buildBundle(bare, runtimeRoot, runtimeSdk));
  }
  return bundles;
}

/** Cold-starts every bundle `runs` times, in turn, and returns the medians by key. */
async function coldStarts(
  bundles: Map<string, LambdaBundle>,
  env: Record<string, string>,
  runs: number,
): Promise<Map<string, InitFigures>> {
  const samples = new Map<string, Array<{ initMs: number; cpuMs: number }>>();
  for (let run = 0; run < runs; run++) {
    for (const [key, bundle] of bundles) {
      const { coldStart, output } = await runBundle(bundle, env, []);
      if (!coldStart.ok) throw new Error(`${key} failed its cold start: ${coldStart.error.stack ?? coldStart.error.message}\n${output}`);
      samples.set(key, [...(samples.get(key) ?? []), coldStart]);
    }
  }
  return new Map(
    [...samples].map(([key, runsOf]) => [
      key,
      { bytes: bundles.get(key)!.bytes, initMs: median(runsOf.map((s) => s.initMs)), cpuMs: median(runsOf.map((s) => s.cpuMs)) },
    ]),
  );
}

/** Builds the four variants of every Lambda, cold-starts each `runs` times, and returns the medians. */
export async function measureLambdaInit(runs: number): Promise<LambdaInit[]> {
  const bundled = createLambdaRoot();
  const fromRuntime = runtimeSdkRoot();
  const [secrets, elsewhere] = await Promise.all([
    startSecretsManagerStub({ [KEYS_SECRET_ARN]: 'bench-master-key-0123456789abcdef0123456789' }),
    startCatchAllStub(),
  ]);
  try {
    const bundles = await buildVariants(bundled.root, fromRuntime.root);
    const figures = await coldStarts(bundles, environment({ secrets: secrets.endpoint, elsewhere: elsewhere.endpoint }), runs);
    const of = (lambda: Lambda, variant: Variant) => figures.get(`${lambda}/${variant}`)!;
    return LAMBDAS.map((lambda) => ({
      lambda,
      handler: of(lambda, 'handler'),
      bare: of(lambda, 'bare'),
      sdkFromRuntime: { handler: of(lambda, 'runtimeHandler'), bare: of(lambda, 'runtimeBare') },
    }));
  } finally {
    await Promise.all([secrets.close(), elsewhere.close()]);
    bundled.remove();
    fromRuntime.remove();
  }
}
