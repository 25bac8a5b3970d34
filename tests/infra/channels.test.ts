import type { Template } from 'aws-cdk-lib/assertions';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, onlyLogicalId, resourcesOf, type Statement, statementsOfRole, synthWinback } from '../support/cdk-app.ts';

const NUMBER_ID = 'phone-number-id-0123456789abcdef0123456789abcdef';

/** Every IAM statement of the engine stack. */
const statementsOf = (engine: Template): Statement[] =>
  Object.values(engine.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);

/** An ARN as CloudFormation joins it, pseudo parameters written <Partition>, <Region>, <AccountId>. */
const arnOf = (resource: unknown) =>
  JSON.stringify(resource)
    .replace(/\{"Ref":"AWS::(\w+)"\}/g, '<$1>')
    .replace('"Fn::Join":', '')
    .replace(/[",[\]{}]/g, '');

describe('WhatsApp in the CDK app', () => {
  let engine: Template;
  beforeAll(() => {
    // cdk-nag runs in synthWinback: a finding without an acknowledgement throws.
    engine = synthWinback({ whatsapp: { phoneNumberId: NUMBER_ID } }).engine;
  });

  it('lets the send function send WhatsApp messages from the linked phone number id and nothing else', () => {
    const social = statementsOf(engine).filter((s) => actionsOf(s).some((a) => a.startsWith('social-messaging:')));
    expect(social).toHaveLength(1);
    expect(actionsOf(social[0]!)).toEqual(['social-messaging:SendWhatsAppMessage']);
    expect(resourcesOf(social[0]!).map(arnOf)).toEqual([
      'arn:<Partition>:social-messaging:<Region>:<AccountId>:phone-number-id/0123456789abcdef0123456789abcdef',
    ]);
    const sendFunctionId = onlyLogicalId(engine, 'AWS::Lambda::Function', { FunctionName: 'WinbackEngine-send-touch' });
    const sendRoleId = (engine.findResources('AWS::Lambda::Function')[sendFunctionId]!.Properties.Role as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0]!;
    expect(statementsOfRole(engine, sendRoleId)).toContainEqual(social[0]);
    engine.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'WinbackEngine-send-touch',
      Environment: { Variables: Match.objectLike({ WHATSAPP_PHONE_NUMBER_ID: NUMBER_ID }) },
    });
  });

  it('gives End User Messaging Social a topic of its own to publish the account’s events to, read by the engagement function', () => {
    const policies = Object.values(engine.findResources('AWS::SNS::TopicPolicy')).map((p) => JSON.stringify(p.Properties));
    const social = policies.filter((p) => p.includes('social-messaging.amazonaws.com'));
    expect(social).toHaveLength(1);
    expect(social[0]).toContain('sns:Publish');
    expect(social[0]).toContain('aws:SourceAccount');
    const lambdaSubscriptions = engine.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'lambda' } });
    expect(Object.keys(lambdaSubscriptions)).toHaveLength(4);
    engine.hasOutput('WhatsAppEventsTopicArn', {});
  });

  it('grants nothing for WhatsApp and makes no WhatsApp topic when no number is linked, and refuses a malformed id', () => {
    const without = synthWinback({}).engine;
    expect(statementsOf(without).some((s) => actionsOf(s).some((a) => a.startsWith('social-messaging:')))).toBe(false);
    expect(Object.keys(without.findOutputs('WhatsAppEventsTopicArn'))).toEqual([]);
    expect(() => synthWinback({ whatsapp: { phoneNumberId: '+34612345678' } })).toThrow(
      /whatsapp\.phoneNumberId: must be an End User Messaging Social phone number id/,
    );
  });
});
