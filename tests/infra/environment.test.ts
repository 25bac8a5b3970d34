import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildWinback } from '#lib/winback-app';
import {
  LAMBDA_ENVIRONMENTS,
  type LambdaName,
  RuntimeEnvironment,
  readLambdaEnvironment,
  variablesOf,
} from '#shared/config/lambda-environment';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
const LAMBDAS = Object.keys(LAMBDA_ENVIRONMENTS) as LambdaName[];
/** Stands for a value CloudFormation fills in at deploy time (a `Ref`, an `Fn::Join`): any text will do for the schemas. */
const DEPLOY_TIME_VALUE = 'resolved-at-deploy-time';

/** Each function's environment as synthesized with these operator settings (bundling skipped: only the template matters). */
function synthesizedEnvironments(winback: Record<string, unknown>): Record<LambdaName, Record<string, unknown>> {
  const app = new App({
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], winback: { ...(cdkJson.context.winback as object), ...winback } },
  });
  const functions = Object.values(
    Template.fromStack(buildWinback(app).stateless).findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }),
  );
  expect(functions).toHaveLength(LAMBDAS.length);
  const variablesOfLambda = (lambda: LambdaName) => {
    const found = functions.filter((fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === `winback-${lambda}`);
    expect(found, `the ${lambda} function`).toHaveLength(1);
    return found[0]!.Properties.Environment.Variables as Record<string, unknown>;
  };
  return Object.fromEntries(LAMBDAS.map((lambda) => [lambda, variablesOfLambda(lambda)])) as Record<LambdaName, Record<string, unknown>>;
}

/** What the function's process would see: literal values as synthesized, deploy-time ones as any text. */
const asDeployed = (variables: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : DEPLOY_TIME_VALUE]));

describe('each function’s synthesized environment, against the schemas its handler parses at cold start', () => {
  for (const [variant, settings] of [
    ['the default settings (no sender address: no e-mail)', {}],
    ['a sender address (e-mail deployed)', { sesFromAddress: 'winback@mail.operator-test.eu' }],
    [
      'Athena KPIs, more scan segments, an origination number',
      { kpiEngine: 'athena', scanSegments: 8, smsOriginationNumber: '+18005550100' },
    ],
  ] as const) {
    it(`has every variable its handler reads, and none it does not know, with ${variant}`, () => {
      const environments = synthesizedEnvironments(settings);
      for (const lambda of LAMBDAS) {
        const variables = environments[lambda];
        // Assess: no variable outside the function's groups (a misspelt or stale one)…
        const known = [...variablesOf('runtime'), ...LAMBDA_ENVIRONMENTS[lambda].flatMap(variablesOf)];
        expect(
          Object.keys(variables).filter((name) => !known.includes(name)),
          `${lambda}: variables no schema names`,
        ).toEqual([]);
        // …and the handler's own parse accepts what CDK sets (it throws naming any variable at fault).
        expect(() => readLambdaEnvironment(lambda, asDeployed(variables)), lambda).not.toThrow();
        expect(RuntimeEnvironment.safeParse(asDeployed(variables)).success, `${lambda}: runtime variables`).toBe(true);
      }
    });
  }

  it('sets the nightly settings the operator chose, read back as the function reads them', () => {
    const { nightly } = synthesizedEnvironments({ kpiEngine: 'athena', scanSegments: 8, costPerAcquisition: 120 });
    expect(readLambdaEnvironment('nightly', asDeployed(nightly)).nightly).toMatchObject({
      COST_PER_ACQUISITION: 120,
      SCAN_SEGMENTS: 8,
      KPI_ENGINE: 'athena',
      ATHENA_WORKGROUP: DEPLOY_TIME_VALUE,
      ATHENA_DATABASE: DEPLOY_TIME_VALUE,
    });
  });
});
