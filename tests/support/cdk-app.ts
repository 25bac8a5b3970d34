import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { expect } from 'vitest';
import { buildWinback } from '#lib/winback-app';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

/**
 * The sender address the infra tests deploy e-mail with. cdk.json ships without one (a deployment
 * without a sender sends no e-mail); the tests of a deployment that sends e-mail give this one.
 */
export const TEST_SENDER = 'winback@mail.operator-test.eu';

/**
 * Synthesizes the Winback app from cdk.json's context with {@link TEST_SENDER} as the sender,
 * `winback` overriding its settings (`sesFromAddress: ""`: no sender), with cdk-nag's AWS
 * Solutions checks: the templates of both stacks, the stacks and the output folder.
 * `bundle: false` skips building the functions' code, for tests of the templates alone.
 */
export function synthWinback(winback: Record<string, unknown> = {}, options: { bundle?: boolean } = {}) {
  const settings = { ...(cdkJson.context.winback as object), sesFromAddress: TEST_SENDER, ...winback };
  // Without bundling (`bundle: false`) the templates are the same, without building the functions' code.
  const bundling = options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {};
  const app = new App({ context: { ...cdkJson.context, ...bundling, winback: settings } });
  const stacks = buildWinback(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // cdk-nag findings without a written acknowledgement make synth throw.
  app.synth();
  return { data: Template.fromStack(stacks.stateful), engine: Template.fromStack(stacks.stateless), stacks, outdir: app.outdir };
}

export type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
export const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** Every statement of every inline policy attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleLogicalId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

/** The logical id of the one resource of this type with these properties (fails unless exactly one). */
export function onlyLogicalId(template: Template, type: string, props: Record<string, unknown>): string {
  const found = Object.keys(template.findResources(type, { Properties: props }));
  expect(found, `${type} ${JSON.stringify(props)}`).toHaveLength(1);
  return found[0]!;
}
