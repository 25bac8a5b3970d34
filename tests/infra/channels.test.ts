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

describe('partner push in the CDK app', () => {
  const ENDPOINT = 'https://push.bank-partner.example/winback/v1/messages';
  const GIVEN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:winback/partner-push-AbC123';
  let engine: Template;
  let bundled: Readonly<Record<string, string>>;
  beforeAll(() => {
    // cdk-nag runs in synthWinback: a finding without an acknowledgement throws.
    const synth = synthWinback({ partnerPush: { endpoint: ENDPOINT } }, { bundle: false });
    engine = synth.engine;
    bundled = synth.stacks.stateless.bundleConstants;
  });

  /** The role of the function with this description. */
  const roleOf = (template: Template, description: RegExp): string => {
    const found = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) =>
      description.test(String(fn.Properties.Description)),
    );
    expect(found).toHaveLength(1);
    return (found[0]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
  };
  /** The secrets a role may read, as their logical ids or ARNs. */
  const secretsReadBy = (template: Template, roleId: string) =>
    statementsOfRole(template, roleId)
      .filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
      .flatMap((s) => resourcesOf(s).map((r) => (typeof r === 'string' ? r : JSON.stringify(r))));

  it('creates the signing secret, which the send function and the API may read, and no other function', () => {
    const secrets = engine.findResources('AWS::SecretsManager::Secret');
    const signing = Object.keys(secrets).filter((id) => id.startsWith('PartnerPushSigningSecret'));
    expect(signing).toHaveLength(1);
    const readers = ['Sends one due touch', 'public API v1', 'SES events, SMS delivery receipts', 'Nightly KPIs'].map((d) =>
      secretsReadBy(engine, roleOf(engine, new RegExp(d))).some((r) => r.includes(signing[0]!)),
    );
    expect(readers).toEqual([true, true, false, false]);
    // Read only: no statement on it does more than read it.
    const onSecret = statementsOf(engine).filter((s) => JSON.stringify(s.Resource).includes(signing[0]!));
    expect([...new Set(onSecret.flatMap(actionsOf))].sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
  });

  it('tells the send function where to POST, both functions which secret to sign with, and plans push', () => {
    engine.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'WinbackEngine-send-touch',
      Environment: { Variables: Match.objectLike({ PARTNER_PUSH_URL: ENDPOINT, PARTNER_PUSH_SECRET_ARN: Match.anyValue() }) },
    });
    engine.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('public API v1'),
      Environment: { Variables: Match.objectLike({ PARTNER_PUSH_SECRET_ARN: Match.anyValue() }) },
    });
    expect(Object.keys(engine.findOutputs('*')).filter((id) => id.startsWith('PartnerPushSigningSecretArn'))).toHaveLength(1);
    // Every engine bundle plans on push.
    expect(JSON.parse(JSON.parse(bundled.WINBACK_BUNDLED_CHANNELS!))).toEqual(['sms', 'email', 'push']);
  });

  it('serves POST /v1/push/receipts without an API key: the partner signs its receipts instead', () => {
    const resources = engine.findResources('AWS::ApiGateway::Resource');
    const receipts = Object.entries(resources).find(([, r]) => r.Properties.PathPart === 'receipts');
    expect(receipts).toBeDefined();
    engine.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ResourceId: { Ref: receipts![0] },
      ApiKeyRequired: false,
      AuthorizationType: 'NONE',
    });
  });

  it('takes the operator’s secret by its ARN and creates none; without a partner push, no secret, route or variable', () => {
    const given = synthWinback({ partnerPush: { endpoint: ENDPOINT, signingSecretArn: GIVEN } }, { bundle: false }).engine;
    expect(Object.keys(given.findResources('AWS::SecretsManager::Secret')).filter((id) => id.startsWith('PartnerPush'))).toEqual([]);
    expect(secretsReadBy(given, roleOf(given, /Sends one due touch/))).toContainEqual(expect.stringContaining(GIVEN));
    const without = synthWinback({}, { bundle: false }).engine;
    expect(Object.keys(without.findResources('AWS::SecretsManager::Secret')).filter((id) => id.startsWith('PartnerPush'))).toEqual([]);
    expect(Object.values(without.findResources('AWS::ApiGateway::Resource')).some((r) => r.Properties.PathPart === 'push')).toBe(false);
    const send = Object.values(
      without.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'WinbackEngine-send-touch' } }),
    );
    expect(Object.keys(send[0]!.Properties.Environment.Variables)).not.toContain('PARTNER_PUSH_URL');
  });
});
