import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { fileURLToPath } from 'node:url';

/**
 * AWS SDK packages left out of the bundles: the credential providers the SDK's default chain
 * reaches only when the environment holds no credentials. The Lambda runtime always sets
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, so the chain stops at its
 * first provider (`fromEnv`, bundled) and these are never loaded. The chain imports them with a
 * dynamic `import()`, so leaving them out costs nothing at cold start, and should a function ever
 * reach one (no credentials in its environment), the SDK the Node.js runtime ships provides it,
 * in whatever version the runtime carries. About 100 KB less per bundle (the SSO, STS and
 * sign-in clients come with them).
 */
export const RUNTIME_PROVIDED_SDK = [
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
] as const;

/**
 * Optional packages a bundled library imports only inside a `try` and does without when absent:
 * left out of the bundles and never installed. `canvas`: Vega (the nightly report's charts) uses
 * it to measure text when present; in Lambda it is absent and Vega draws its SVG without it.
 */
export const OPTIONAL_IMPORTS = ['canvas'] as const;

/**
 * How every Winback Lambda is bundled, as esbuild options: the one source for both
 * {@link WinbackFunction} (through {@link toCdkBundling}) and the test that builds the bundles
 * with esbuild's JS API, cold-starts them and calls their handlers
 * (tests/integration/lambda-bundles.test.ts). So the test runs what CDK deploys.
 *
 * - ESM, because the handlers await their settings and secret at module scope (top-level await,
 *   which CommonJS cannot do); the Lambda runtime loads `index.mjs` as a module.
 * - `mainFields` prefers a package's ESM build, so what it imports stays tree-shakable. Import
 *   zod as `import * as z from 'zod'`: with `import { z }` esbuild keeps all of it (~440 KB).
 * - The AWS SDK is bundled, but for {@link RUNTIME_PROVIDED_SDK}. The Node.js 24 runtime does ship
 *   SDK v3 (every client, `lib-dynamodb` too), and an ESM bundle can import it (Lambda resolves ES
 *   module imports through NODE_PATH since Node.js 18), which would bring the bundles from
 *   0.55–0.8 MiB to 0.22–0.3 MiB. We do not, because it makes cold starts slower, not faster: the
 *   runtime's SDK is CommonJS, every package loaded whole through Node's module resolution, and
 *   nothing external can be tree-shaken, where the bundled SDK is only what we use, minified, in
 *   one file (`npm run bench`: 3–4× the module init CPU of the same function, 2.5–3.3× for a
 *   bare handler that only creates the clients; AWS measured the same direction for CDK's
 *   default, aws/aws-cdk#25492, which is why CDK added `bundleAwsSDK`). It
 *   also keeps the SDK version ours, pinned by the lockfile and the one the tests ran: the
 *   runtime's is older and changes under the function (a named export it lacks fails the import,
 *   aws/aws-sdk-js-v3#3230; a client option it predates is ignored without a word). The cost is
 *   bundle size, over the 300 KB target `npm run bench` reports against: size stands in for
 *   init time, and init time is where the bundled SDK wins.
 * - Source maps without the sources' text: the function runs with `--enable-source-maps`, and
 *   Node parses the whole map when it loads the bundle; stack traces need only the mappings
 *   (file, line, column). The map shrinks from ~3 MB to ~1 MB and the cold start by about half
 *   of what the map costs it (~20 ms of CPU for the API function here).
 * - The banner gives the bundle a `require`: a CommonJS dependency inlined into an ESM bundle
 *   still calls `require()` for Node built-ins, and ESM has none. No dependency does today (every
 *   one is bundled from its ESM build); the banner keeps the next one from failing at cold start.
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
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire as __winbackCreateRequire } from 'node:module'; const require = __winbackCreateRequire(import.meta.url);",
  },
  external: [...RUNTIME_PROVIDED_SDK, ...OPTIONAL_IMPORTS],
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
    sourcesContent: options.sourcesContent,
    target: options.target,
    mainFields: [...options.mainFields],
    banner: options.banner.js,
    // Replaces CDK's default (`@aws-sdk/*` left out): the SDK is bundled, but for the few listed.
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
