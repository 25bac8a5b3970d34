import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { fileURLToPath } from 'node:url';

/**
 * How every Winback Lambda is bundled, as esbuild options: the one source for both
 * {@link WinbackFunction} (through {@link toCdkBundling}) and the test that builds the bundles
 * with esbuild's JS API, cold-starts them and calls their handlers
 * (tests/integration/lambda-bundles.test.ts). So the test runs what CDK deploys.
 *
 * - ESM, because the handlers await their settings and secret at module scope (top-level await,
 *   which CommonJS cannot do); the Lambda runtime loads `index.mjs` as a module.
 * - `mainFields` prefers a package's ESM build, so what it imports stays tree-shakable.
 * - The banner gives the bundle a `require`: a CommonJS dependency inlined into an ESM bundle
 *   still calls `require()` for Node built-ins, and ESM has none. No dependency does today (every
 *   one is bundled from its ESM build); the banner keeps the next one from failing at cold start.
 * - Everything is bundled, the AWS SDK too: the SDK the Lambda runtime ships has no published
 *   version per runtime release and may lack packages we use (`lib-dynamodb`, `lib-storage`,
 *   `client-athena`), so the deployed code is exactly the code the tests ran, pinned by the
 *   lockfile. It costs bundle size (see `npm run bench`), not correctness.
 * - `.sql` files are imported as text (the nightly job embeds `sql/kpis.sql`). Here rather than
 *   as one function's override, so the test's build cannot differ from CDK's; a loader changes
 *   nothing in a bundle that imports no such file.
 * - `bundle` and `platform` are fixed by CDK (it always passes `--bundle --platform=node`); they
 *   are here so a direct `esbuild.build` does the same.
 */
export const LAMBDA_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  banner: { js: "import { createRequire as __winbackCreateRequire } from 'node:module'; const require = __winbackCreateRequire(import.meta.url);" },
  external: [],
  loader: { '.sql': 'text' },
} as const satisfies BuildOptions;

/**
 * {@link LAMBDA_ESBUILD_OPTIONS} as CDK `BundlingOptions`, which CDK turns back into esbuild's
 * command line (`--format=esm --minify --sourcemap --target=… --main-fields=… --banner:js=…
 * --external:…`). `define` holds bundle-time constants, e.g. an operator's policies.
 */
export function toCdkBundling(define?: Record<string, string>): BundlingOptions {
  const options = LAMBDA_ESBUILD_OPTIONS;
  return {
    format: options.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
    minify: options.minify,
    sourceMap: options.sourcemap,
    target: options.target,
    mainFields: [...options.mainFields],
    banner: options.banner.js,
    // CDK's default would leave `@aws-sdk/*` out; an explicit empty list bundles it.
    externalModules: [...options.external],
    loader: { ...options.loader },
    ...(define ? { define } : {}),
  };
}

/** The entry point of the Lambda in `lambdas/<lambda>/handler.ts`, as an absolute path. */
export function lambdaEntry(lambda: string): string {
  return fileURLToPath(new URL(`../lambdas/${lambda}/handler.ts`, import.meta.url));
}

/** The file CDK writes an ESM bundle to, which the Lambda runtime loads (`index.handler`). */
export const ESM_BUNDLE_FILE = 'index.mjs';
