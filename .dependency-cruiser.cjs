/**
 * The layer table of docs/architecture.md, as rules: each folder imports only what its row allows,
 * and nothing imports in a circle. Run by `npm run lint` (part of `npm test`).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules are one concept split badly: merge them or move the shared part down a layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'shared/domain holds the rules as pure functions: only other domain modules and pure libraries.',
      from: { path: '^shared/domain/' },
      to: { pathNot: ['^shared/domain/', '^node_modules/(zod|libphonenumber-js)/', '^crypto$', '^node:crypto$'] },
    },
    {
      name: 'luxon-is-the-tests-reference',
      severity: 'error',
      comment:
        'Time-zone arithmetic is shared/domain/time-zone.ts and local-time.ts; luxon is only the reference the tests check them against, and stays out of the Lambdas.',
      from: { pathNot: '^tests/' },
      to: { path: '^node_modules/luxon/' },
    },
    {
      name: 'config-is-pure',
      severity: 'error',
      comment:
        'shared/config names the Lambda environment for the CDK (lib) and the composition roots alike: zod only, so lib imports it without loading an adapter or the SDK.',
      from: { path: '^shared/config/' },
      to: { pathNot: ['^shared/config/', '^node_modules/zod/'] },
    },
    {
      name: 'ports-need-only-domain',
      severity: 'error',
      from: { path: '^shared/ports/' },
      to: { pathNot: ['^shared/domain/', '^shared/ports/', '^(node:)?stream$'] },
    },
    {
      name: 'report-renders-query-answers',
      severity: 'error',
      comment:
        'shared/report turns the answers of its SQL into a self-contained page: domain, ports, zod, Vega and node:fs (its SQL files) only; never an adapter, the engine or an SDK.',
      from: { path: '^shared/report/' },
      to: { pathNot: ['^shared/(domain|ports|report)/', '^node_modules/(zod|vega|vega-lite)/', '^(node:)?fs$'] },
    },
    {
      name: 'engine-uses-ports',
      severity: 'error',
      comment: 'Use cases depend on ports, never on adapters or SDKs.',
      from: { path: '^shared/engine/' },
      to: { pathNot: ['^shared/(domain|ports|engine)/', '^node_modules/zod/'] },
    },
    {
      name: 'http-over-engine',
      severity: 'error',
      from: { path: '^shared/http/' },
      to: { pathNot: ['^shared/(domain|ports|engine|http)/', '^node_modules/zod/', '^node:', '^(buffer|http|crypto)$', '^aws-lambda$'] },
    },
    {
      name: 'aws-adapters',
      severity: 'error',
      comment: 'Real adapters implement ports with the AWS SDK; they never reach into the local adapters or the CDK.',
      from: { path: '^shared/adapters/aws/' },
      to: { path: ['^shared/adapters/local/', '^lib/', '^bin/', '^lambdas/', '^node_modules/aws-cdk-lib/'] },
    },
    {
      name: 'local-adapters',
      severity: 'error',
      from: { path: '^shared/adapters/local/' },
      to: { path: ['^lib/', '^bin/', '^lambdas/', '^node_modules/aws-cdk-lib/'] },
    },
    {
      name: 'simulator-runs-locally',
      severity: 'error',
      comment: 'The simulator runs the use cases on the local adapters: never the AWS adapters, HTTP or the CDK.',
      from: { path: '^shared/simulator/' },
      to: { path: ['^shared/adapters/aws/', '^shared/http/', '^lib/', '^bin/', '^lambdas/', '^node_modules/(aws-cdk-lib|@aws-sdk)/'] },
    },
    {
      name: 'handlers-are-thin',
      severity: 'error',
      comment: 'A handler parses, calls one use case and maps the result; SDK clients live in the adapters.',
      from: { path: '^lambdas/' },
      to: { path: ['^node_modules/@aws-sdk/', '^lib/', '^bin/', '^scripts/', '^tests/'] },
    },
    {
      name: 'cdk-stays-in-lib',
      severity: 'error',
      comment: 'Only the CDK code (lib, bin/app) and its tests may import aws-cdk-lib.',
      from: { pathNot: ['^lib/', '^bin/app\\.ts$', '^tests/', '^scripts/'] },
      to: { path: '^node_modules/(aws-cdk-lib|constructs)/' },
    },
    {
      name: 'lib-uses-shared-constants',
      severity: 'error',
      comment: 'Constructs may read the domain (settings, policies, environment names), never run adapters or the engine.',
      from: { path: '^lib/' },
      to: { path: ['^shared/engine/', '^shared/http/', '^bin/', '^tests/', '^scripts/'] },
    },
    {
      name: 'production-never-imports-tests-or-scripts',
      severity: 'error',
      from: { path: '^(shared|lib|lambdas|bin)/' },
      to: { path: '^(tests|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    // Worktrees link node_modules from the main checkout: resolve packages where they are linked.
    preserveSymlinks: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.json'],
    },
    combinedDependencies: true,
  },
};
