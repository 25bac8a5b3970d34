import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { ESM_BUNDLE_FILE, LAMBDA_ESBUILD_OPTIONS, lambdaEntry, OPTIONAL_IMPORTS, RUNTIME_PROVIDED_SDK } from '#lib/bundling';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One Lambda bundle as CDK would deploy it, and what esbuild says went into it. */
export interface LambdaBundle {
  lambda: string;
  /** Absolute path of `index.mjs`. */
  file: string;
  /** Size of the minified `index.mjs` in bytes (the source map not included). */
  bytes: number;
  /** The bundle's code. */
  code: string;
  /** Every source file esbuild put into the bundle, relative to the repository. */
  inputs: string[];
  /** What the bundle still imports at run time (left external): see {@link isProvidedByLambda}. */
  externalImports: string[];
}

/**
 * A folder outside the repository to build bundles into, laid out like a Lambda function: the
 * bundle and nothing else (the SDK is bundled too, but for credential providers Lambda never
 * reaches, see lib/bundling.ts). A bundle that imports a package at run time fails here as it
 * would in Lambda, where inside the repository Node would quietly find it in node_modules.
 */
export function createLambdaRoot(): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'winback-lambda-bundles-'));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** What to bundle: a Lambda's `handler.ts`, or source code given as text (resolved from the repository). */
export type BundleSource = { lambda: string } | { name: string; code: string };

/**
 * Builds `lambdas/<lambda>/handler.ts` with esbuild's JS API and exactly the options CDK gets
 * (lib/bundling.ts), from the repository root as CDK runs esbuild, into `<root>/<lambda>/index.mjs`.
 */
export async function buildLambdaBundle(lambda: string, root: string, define?: Record<string, string>): Promise<LambdaBundle> {
  return buildBundle({ lambda }, root, define ? { define } : {});
}

/**
 * Builds `source` as {@link buildLambdaBundle} does, into `<root>/<name>/index.mjs`. `overrides`
 * replace options of lib/bundling.ts: `npm run bench` uses it to ask "what if" (the SDK left to
 * the runtime); a test that means to run what CDK deploys passes none.
 */
export async function buildBundle(
  source: BundleSource,
  root: string,
  overrides: Pick<esbuild.BuildOptions, 'define' | 'external'> = {},
): Promise<LambdaBundle> {
  const name = 'lambda' in source ? source.lambda : source.name;
  const file = join(root, name, ESM_BUNDLE_FILE);
  const result = await esbuild.build({
    ...LAMBDA_ESBUILD_OPTIONS,
    ...overrides,
    ...('lambda' in source
      ? { entryPoints: [lambdaEntry(source.lambda)] }
      : { stdin: { contents: source.code, resolveDir: REPO_ROOT, sourcefile: `${name}.ts`, loader: 'ts' as const } }),
    outfile: file,
    absWorkingDir: REPO_ROOT,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith(ESM_BUNDLE_FILE))?.[1];
  if (!output) throw new Error(`esbuild wrote no ${ESM_BUNDLE_FILE} for ${name}`);
  const code = readFileSync(file, 'utf8');
  return {
    lambda: name,
    file,
    bytes: Buffer.byteLength(code),
    code,
    inputs: Object.keys(output.inputs),
    externalImports: [...new Set(output.imports.filter((i) => i.external).map((i) => i.path))].sort(),
  };
}

/**
 * True for what a bundle may import at run time: a Node built-in (`node:crypto`, `stream`), one of
 * the SDK packages lib/bundling.ts leaves to the runtime, or an optional import a library does
 * without (`OPTIONAL_IMPORTS`: absent here as in Lambda, so the cold start proves it does).
 */
export function isProvidedByLambda(specifier: string): boolean {
  return (
    specifier.startsWith('node:') ||
    builtinModules.includes(specifier) ||
    (RUNTIME_PROVIDED_SDK as readonly string[]).includes(specifier) ||
    (OPTIONAL_IMPORTS as readonly string[]).includes(specifier)
  );
}

/** What one handler invocation gave back: its result, or what it threw. */
export type Invocation = { ok: true; value: any } | { ok: false; error: { name: string; message: string; stack?: string } };

export interface BundleRun {
  /**
   * Importing the bundle (module scope, top-level await included): how long it took, and how much
   * of the process's CPU time; or what it threw.
   */
  coldStart: { ok: true; initMs: number; cpuMs: number } | { ok: false; error: { name: string; message: string; stack?: string } };
  invocations: Invocation[];
  /** Everything the process wrote (the function's log lines), stdout and stderr. */
  output: string;
}

/**
 * The child: imports the bundle as the Lambda runtime does (a fresh process, so module scope runs
 * as a cold start with this environment), then calls `handler(event, context)` for each event in
 * turn, as one warm container would, and reports through the IPC channel (stdout holds the logs).
 */
const CHILD = `
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
const serialize = (error) => (error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { name: 'NonError', message: String(error) });
process.once('message', async ({ file, events, functionTimeoutMs }) => {
  const started = performance.now();
  const cpu = process.cpuUsage();
  let handler;
  try {
    ({ handler } = await import(pathToFileURL(file).href));
    if (typeof handler !== 'function') throw new TypeError('the bundle exports no handler function');
  } catch (error) {
    process.send({ coldStart: { ok: false, error: serialize(error) }, invocations: [] }, () => process.exit(1));
    return;
  }
  const { user, system } = process.cpuUsage(cpu);
  const coldStart = { ok: true, initMs: Math.round(performance.now() - started), cpuMs: Math.round((user + system) / 1000) };
  const invocations = [];
  for (const event of events) {
    const deadline = Date.now() + functionTimeoutMs;
    const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':123456789012:function:' + name,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: randomUUID(),
      logGroupName: '/aws/lambda/' + name,
      logStreamName: '2026/01/01/[$LATEST]' + randomUUID().replaceAll('-', ''),
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done() {}, fail() {}, succeed() {},
    };
    try {
      invocations.push({ ok: true, value: await handler(event, context) });
    } catch (error) {
      invocations.push({ ok: false, error: serialize(error) });
    }
  }
  process.send({ coldStart, invocations }, () => process.exit(0));
});
`;

export interface RunOptions {
  /** The function's timeout, for `context.getRemainingTimeInMillis()`. @default 30_000 */
  functionTimeoutMs?: number;
  /** How long the process may take, cold start and every invocation. @default 20_000 */
  processTimeoutMs?: number;
}

/**
 * Runs a bundle in a child process with exactly `env` (nothing inherited but PATH) and invokes its
 * handler with each event in turn. Resolves with what happened; rejects only if the process dies
 * without reporting or outlives `processTimeoutMs`.
 */
export async function runBundle(
  bundle: LambdaBundle,
  env: Record<string, string>,
  events: unknown[],
  options: RunOptions = {},
): Promise<BundleRun> {
  const { functionTimeoutMs = 30_000, processTimeoutMs = 20_000 } = options;
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    // The Lambda runtime's working directory is the function's code folder.
    cwd: dirname(bundle.file),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<BundleRun>((resolve, reject) => {
    let report: Omit<BundleRun, 'output'> | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bundle.lambda} did not finish within ${processTimeoutMs} ms. Its output:\n${output}`));
    }, processTimeoutMs);
    child.on('message', (message: Omit<BundleRun, 'output'>) => (report = message));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (report) resolve({ ...report, output });
      else reject(new Error(`${bundle.lambda} exited with ${signal ?? `code ${code}`} before reporting. Its output:\n${output}`));
    });
    child.send({ file: bundle.file, events, functionTimeoutMs });
  });
}
