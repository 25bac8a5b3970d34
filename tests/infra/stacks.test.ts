import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWinback } from '#lib/winback-app';
import { SettingsError } from '#lib/settings';
import { actionsOf, onlyLogicalId, resourcesOf, statementsOfRole, synthWinback, TEST_SENDER, type Statement } from '../support/cdk-app.ts';

describe('Winback CDK app (API key mode, the default)', () => {
  let data: Template;
  let engine: Template;
  beforeAll(() => ({ data, engine } = synthWinback()));

  it('keeps data in a retained, on-demand table with PITR and TTL, and a locked-down lake bucket', () => {
    data.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    });
    data.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: Match.anyValue(),
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ Id: 'athena-results', Prefix: 'athena-results/', ExpirationInDays: 30 }),
            // The folder the nightly job writes its facts to, not a prefix that matches nothing.
            Match.objectLike({
              Id: 'cool-facts',
              Prefix: 'journey_facts/',
              Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }],
            }),
          ]),
        },
      }),
    });
    // TLS only, on both buckets.
    const denies = Object.values(data.findResources('AWS::S3::BucketPolicy')).map((p) => JSON.stringify(p.Properties.PolicyDocument));
    expect(denies).toHaveLength(2);
    for (const doc of denies) expect(doc).toContain('"aws:SecureTransport":"false"');
  });

  it('lets the Scheduler role invoke the send function and nothing else', () => {
    const roleId = onlyLogicalId(engine, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })] }),
      Description: Match.stringLikeRegexp('send-touch function'),
    });
    const sendFunctionId = onlyLogicalId(engine, 'AWS::Lambda::Function', {
      Handler: 'index.handler',
      Description: Match.stringLikeRegexp('Sends one due touch'),
    });
    const statements = statementsOfRole(engine, roleId);
    const invoke = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(resourcesOf(invoke[0]!)).toEqual([{ 'Fn::GetAtt': [sendFunctionId, 'Arn'] }]);
    // Besides invoking, only dead-lettering what it could not deliver.
    for (const s of statements) expect(actionsOf(s).every((a) => a === 'lambda:InvokeFunction' || a.startsWith('sqs:'))).toBe(true);
  });

  it('lets functions pass only the Scheduler role, and create timers only in their schedule group', () => {
    const roleId = onlyLogicalId(engine, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })] }),
      Description: Match.stringLikeRegexp('send-touch function'),
    });
    const all = Object.values(engine.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    );
    const passRole = all.filter((s) => actionsOf(s).includes('iam:PassRole'));
    expect(passRole.length).toBeGreaterThanOrEqual(3); // API, send, engagement
    for (const s of passRole) expect(resourcesOf(s)).toEqual([{ 'Fn::GetAtt': [roleId, 'Arn'] }]);
    const scheduler = all.filter((s) => actionsOf(s).some((a) => a.startsWith('scheduler:')));
    for (const s of scheduler) {
      // The send function only creates timers (deferrals); the API and engagement also cancel them;
      // the nightly job only deletes the lease timer of a stuck claim it resolves.
      expect([
        ['scheduler:CreateSchedule'],
        ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        ['scheduler:DeleteSchedule'],
      ]).toContainEqual(actionsOf(s).sort());
      expect(JSON.stringify(s.Resource)).toContain(':schedule/WinbackEngine-touches/*');
    }
  });

  it('has no wildcard resource except where the service has no resource to scope to', () => {
    const all = Object.values(engine.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    );
    const wildcard = all.filter((s) => resourcesOf(s).includes('*'));
    // X-Ray tracing calls only, acknowledged with its reason in lib/.
    for (const s of wildcard)
      expect(
        actionsOf(s).every((a) => ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'].includes(a)),
        JSON.stringify(s),
      ).toBe(true);
    // Publishing is for the retention tasks only, by the send function only.
    const sendFunctionId = onlyLogicalId(engine, 'AWS::Lambda::Function', {
      Handler: 'index.handler',
      Description: Match.stringLikeRegexp('Sends one due touch'),
    });
    const sendRoleId = (engine.findResources('AWS::Lambda::Function')[sendFunctionId]!.Properties.Role as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0]!;
    const publish = all.filter((s) => actionsOf(s).some((a) => a.startsWith('sns:')));
    expect(publish).toHaveLength(1);
    expect(statementsOfRole(engine, sendRoleId)).toContainEqual(publish[0]);
    const taskTopicIds = Object.keys(engine.findResources('AWS::SNS::Topic')).filter((id) => id.includes('RetentionTasks'));
    expect(taskTopicIds).toHaveLength(1);
    expect(resourcesOf(publish[0]!)).toEqual([{ Ref: taskTopicIds[0] }]);
  });

  it('indexes retention tasks by team and due date, and lets only the API query that index', () => {
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        {
          IndexName: 'tasks',
          KeySchema: [
            { AttributeName: 'taskTeam', KeyType: 'HASH' },
            { AttributeName: 'taskDueAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
    const all = Object.values(engine.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    );
    const onIndexes = all.filter((s) => JSON.stringify(s.Resource).includes('/index/'));
    expect(onIndexes).toHaveLength(1);
    expect(actionsOf(onIndexes[0]!)).toEqual(['dynamodb:Query']);
    expect(JSON.stringify(onIndexes[0]!.Resource)).toContain('/index/tasks');
  });

  it("lets only the API read event receipts in batches (BatchGetItem), on the table alone: a batch's receipts are read at once", () => {
    const apiFunction = onlyLogicalId(engine, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Winback public API v1') });
    const apiRole = engine.findResources('AWS::Lambda::Function')[apiFunction]!.Properties.Role['Fn::GetAtt'][0] as string;
    const all = Object.values(engine.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    );
    const batchReads = all.filter((s) => actionsOf(s).includes('dynamodb:BatchGetItem'));
    expect(batchReads).toHaveLength(1);
    expect(statementsOfRole(engine, apiRole)).toContainEqual(batchReads[0]);
    // (CDK merges it into the API's statement on the table.)
    expect(resourcesOf(batchReads[0]!)).toHaveLength(1);
    expect(JSON.stringify(batchReads[0]!.Resource)).not.toContain('/index/');
  });

  it('e-mails each team only its own tasks', () => {
    const { engine } = synthWinback({
      retentionTeams: { partner: ['partners@example.com'], sales: ['sales@example.com', 'sales-lead@example.com'] },
    });
    const subscriptions = Object.values(engine.findResources('AWS::SNS::Subscription'))
      .map((s) => s.Properties)
      .filter((s) => s.Protocol === 'email');
    expect(subscriptions.map((s) => [s.Endpoint, s.FilterPolicy]).sort()).toEqual([
      ['partners@example.com', { team: ['partner'] }],
      ['sales-lead@example.com', { team: ['sales'] }],
      ['sales@example.com', { team: ['sales'] }],
    ]);
  });

  it('lets only the send function send texts, with its configuration set and this account’s origination identities', () => {
    const sendFunctionId = onlyLogicalId(engine, 'AWS::Lambda::Function', {
      Handler: 'index.handler',
      Description: Match.stringLikeRegexp('Sends one due touch'),
    });
    const sendRoleId = (engine.findResources('AWS::Lambda::Function')[sendFunctionId]!.Properties.Role as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0]!;
    const all = Object.values(engine.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    );
    const sms = all.filter((s) => actionsOf(s).some((a) => a.startsWith('sms-voice:')));
    expect(sms).toHaveLength(1);
    expect(statementsOfRole(engine, sendRoleId)).toContainEqual(sms[0]);
    expect(actionsOf(sms[0]!)).toEqual(['sms-voice:SendTextMessage']);
    // The ARNs as CloudFormation joins them, pseudo parameters written <Partition>, <Region>, <AccountId>.
    const arnOf = (resource: unknown) =>
      JSON.stringify(resource)
        .replace(/\{"Ref":"AWS::(\w+)"\}/g, '<$1>')
        .replace('"Fn::Join":', '')
        .replace(/[",[\]{}]/g, '');
    expect(resourcesOf(sms[0]!).map(arnOf).sort()).toEqual([
      'arn:<Partition>:sms-voice:<Region>:<AccountId>:configuration-set/WinbackEngine-sms',
      'arn:<Partition>:sms-voice:<Region>:<AccountId>:phone-number/*',
      'arn:<Partition>:sms-voice:<Region>:<AccountId>:pool/*',
      'arn:<Partition>:sms-voice:<Region>:<AccountId>:sender-id/*',
    ]);
  });

  it('runs every function on Node.js 24, arm64, traced, with the engine settings in its environment', () => {
    const functions = Object.values(engine.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }));
    expect(functions).toHaveLength(4); // API, send-touch, engagement, nightly
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
        expect.arrayContaining([
          'TABLE_NAME',
          'SCHEDULE_GROUP_NAME',
          'SEND_TOUCH_FUNCTION_ARN',
          'SCHEDULER_ROLE_ARN',
          'TIMER_DLQ_ARN',
          'KEYS_SECRET_ARN',
        ]),
      );
    }
    engine.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Sends one due touch'),
      FunctionName: 'WinbackEngine-send-touch',
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({
          SES_FROM_ADDRESS: TEST_SENDER,
          SES_CONFIGURATION_SET: Match.anyValue(),
          UNSUBSCRIBE_BASE_URL: Match.anyValue(),
          LINK_BASE_URL: Match.anyValue(),
          SMS_CONFIGURATION_SET: 'WinbackEngine-sms',
          SMS_MESSAGE_TYPE: 'PROMOTIONAL',
        }),
      },
    });
    // The API function builds the send function's ARN from its fixed name.
    engine.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('public API'),
      Environment: {
        Variables: Match.objectLike({
          SEND_TOUCH_FUNCTION_ARN: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':function:WinbackEngine-send-touch$')])] },
        }),
      },
    });
  });

  it('has a dead-letter queue on every hop, each with an alarm, and alarms on errors and API 5xx', () => {
    engine.resourceCountIs('AWS::SQS::Queue', 4); // timer, send, engagement, nightly
    const alarms = Object.values(engine.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(4);
    expect(alarms.filter((a) => a.MetricName === 'Errors')).toHaveLength(4);
    expect(alarms.filter((a) => a.MetricName === '5XXError')).toHaveLength(1);
    for (const alarm of alarms) expect(alarm.AlarmActions).toHaveLength(1);
    engine.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    engine.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
  });

  it('has the schedule group (deleted with the stack), the SES configuration set with its events topic, and encrypted topics', () => {
    engine.hasResource('AWS::Scheduler::ScheduleGroup', { Properties: { Name: 'WinbackEngine-touches' }, DeletionPolicy: 'Delete' });
    engine.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: Match.arrayWith(['delivery', 'bounce', 'complaint', 'open', 'click']),
        SnsDestination: Match.anyValue(),
      }),
    });
    for (const topic of Object.values(engine.findResources('AWS::SNS::Topic'))) expect(topic.Properties.KmsMasterKeyId).toBeDefined();
  });

  it('has the SMS configuration set, its receipts and the inbound SMS on encrypted topics End User Messaging may publish to, all feeding the engagement function', () => {
    const configurationSets = Object.values(engine.findResources('AWS::SMSVOICE::ConfigurationSet')).map((r) => r.Properties);
    expect(configurationSets).toHaveLength(1);
    const [configurationSet] = configurationSets;
    expect(configurationSet.ConfigurationSetName).toBe('WinbackEngine-sms');
    expect(configurationSet.EventDestinations).toHaveLength(1);
    const destination = configurationSet.EventDestinations[0];
    expect(destination).toMatchObject({ Enabled: true, SnsDestination: { TopicArn: { Ref: expect.any(String) } } });
    expect([...destination.MatchingEventTypes].sort()).toEqual(
      [
        'TEXT_DELIVERED',
        'TEXT_SUCCESSFUL',
        'TEXT_BLOCKED',
        'TEXT_INVALID',
        'TEXT_UNREACHABLE',
        'TEXT_CARRIER_UNREACHABLE',
        'TEXT_TTL_EXPIRED',
        'TEXT_SPAM',
        'TEXT_UNKNOWN',
      ].sort(),
    );
    const smsEventsTopicId: string = destination.SnsDestination.TopicArn.Ref;

    // End User Messaging may publish: receipts only from this configuration set, replies from this account.
    const topicPolicies = Object.values(engine.findResources('AWS::SNS::TopicPolicy')).map((p) => p.Properties);
    const smsPublishers = topicPolicies.filter((p) => JSON.stringify(p.PolicyDocument).includes('sms-voice.amazonaws.com'));
    expect(smsPublishers).toHaveLength(2);
    const receiptsPolicy = smsPublishers.find((p) => p.Topics.some((t: { Ref: string }) => t.Ref === smsEventsTopicId));
    expect(JSON.stringify(receiptsPolicy?.PolicyDocument)).toContain(':configuration-set/WinbackEngine-sms');
    const inboundTopicId: string = smsPublishers.find((p) => p !== receiptsPolicy)!.Topics[0].Ref;
    // The messaging key lets the service encrypt what it publishes.
    const keyPolicy = JSON.stringify(Object.values(engine.findResources('AWS::KMS::Key'))[0]!.Properties.KeyPolicy);
    expect(keyPolicy).toContain('sms-voice.amazonaws.com');
    // …and every AWS service the key trusts, only on this account's behalf (no confused deputy).
    const keyStatements = Object.values(engine.findResources('AWS::KMS::Key'))[0]!.Properties.KeyPolicy.Statement as Statement[];
    const forServices = keyStatements.filter((statement) =>
      JSON.stringify((statement as { Principal?: unknown }).Principal ?? '').includes('"Service"'),
    );
    const services = forServices.flatMap((statement) =>
      [(statement as unknown as { Principal: { Service: string | string[] } }).Principal.Service].flat(),
    );
    expect([...new Set(services)].sort()).toEqual(['cloudwatch.amazonaws.com', 'ses.amazonaws.com', 'sms-voice.amazonaws.com']);
    for (const statement of forServices)
      expect((statement as { Condition?: unknown }).Condition).toMatchObject({
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      });

    // SES events, SMS receipts and inbound SMS: all to the engagement function, each with the dead-letter queue.
    const engagementId = onlyLogicalId(engine, 'AWS::Lambda::Function', {
      Handler: 'index.handler',
      Description: Match.stringLikeRegexp('SMS replies'),
    });
    const subscriptions = Object.values(engine.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'lambda' } })).map(
      (r) => r.Properties,
    );
    expect(subscriptions).toHaveLength(3);
    for (const subscription of subscriptions) {
      expect(subscription.Endpoint).toEqual({ 'Fn::GetAtt': [engagementId, 'Arn'] });
      expect(subscription.RedrivePolicy.deadLetterTargetArn).toBeDefined();
    }
    expect(new Set(subscriptions.map((s) => JSON.stringify(s.RedrivePolicy))).size).toBe(1);
    expect(subscriptions.map((s) => s.TopicArn.Ref)).toEqual(expect.arrayContaining([smsEventsTopicId, inboundTopicId]));
    engine.hasOutput('SmsInboundTopicArn', { Value: { Ref: inboundTopicId } });
  });

  it('requires an API key on every route but the one-click unsubscribe link and tracked links, which carry a signed token', () => {
    const methods = Object.values(engine.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
    const unsubscribeId = onlyLogicalId(engine, 'AWS::ApiGateway::Resource', { PathPart: 'unsubscribe' });
    const linkId = onlyLogicalId(engine, 'AWS::ApiGateway::Resource', { PathPart: '{token}' });
    const isOpen = (m: { ResourceId: { Ref: string } }) => m.ResourceId.Ref === unsubscribeId || m.ResourceId.Ref === linkId;
    const [open, guarded] = [methods.filter(isOpen), methods.filter((m) => !isOpen(m))];
    expect(guarded.map((m) => m.HttpMethod).sort()).toEqual(['DELETE', 'GET', 'GET', 'GET', 'POST']);
    for (const method of guarded) expect(method).toMatchObject({ ApiKeyRequired: true });
    expect(open.map((m) => m.HttpMethod).sort()).toEqual(['GET', 'GET', 'HEAD', 'POST', 'POST']);
    for (const method of open) expect(method).toMatchObject({ ApiKeyRequired: false, AuthorizationType: 'NONE' });
    engine.resourceCountIs('AWS::ApiGateway::UsagePlan', 1);
    engine.hasResourceProperties('AWS::ApiGateway::Stage', { MethodSettings: [Match.objectLike({ DataTraceEnabled: false })] });
  });

  it('throttles the keyless routes like an upstream key, and points the send function’s links at the API', () => {
    // Stage-wide throttling covers the methods no usage plan does: unsubscribe and tracked links.
    engine.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 })],
    });
    engine.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: { RateLimit: 200, BurstLimit: 400 } });
    engine.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'WinbackEngine-send-touch',
      Environment: { Variables: Match.objectLike({ LINK_BASE_URL: Match.anyValue() }) },
    });
  });
});

describe('Winback CDK app, operator settings', () => {
  it('requires SigV4 (IAM) on every route in IAM mode, and still passes cdk-nag', () => {
    const { engine } = synthWinback({ apiAuth: 'iam' });
    const unsubscribeId = onlyLogicalId(engine, 'AWS::ApiGateway::Resource', { PathPart: 'unsubscribe' });
    const linkId = onlyLogicalId(engine, 'AWS::ApiGateway::Resource', { PathPart: '{token}' });
    const isOpen = (m: { ResourceId: { Ref: string } }) => m.ResourceId.Ref === unsubscribeId || m.ResourceId.Ref === linkId;
    const methods = Object.values(engine.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
    const guarded = methods.filter((m) => !isOpen(m));
    expect(guarded).toHaveLength(5);
    for (const method of guarded) expect(method.AuthorizationType).toBe('AWS_IAM');
    for (const method of methods.filter(isOpen)) expect(method.AuthorizationType).toBe('NONE');
    engine.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
  });

  it('points tracked links at the operator’s short domain when set, and refuses one that is not https', () => {
    const { engine } = synthWinback({ linkBaseUrl: 'https://go.example.com' });
    engine.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'WinbackEngine-send-touch',
      Environment: { Variables: Match.objectLike({ LINK_BASE_URL: 'https://go.example.com' }) },
    });
    expect(() => synthWinback({ linkBaseUrl: 'http://go.example.com' })).toThrow(/linkBaseUrl: must be an https:\/\/ URL/);
  });

  it('passes the SMS sender id and alarm e-mail through', () => {
    const { engine } = synthWinback({ smsSenderId: 'Winback', smsOriginationNumber: '+18005550100', alarmEmail: 'ops@example.com' });
    engine.hasResourceProperties('AWS::SMSVOICE::ConfigurationSet', { DefaultSenderId: 'Winback' });
    engine.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SMS_ORIGINATION_IDENTITY: '+18005550100' }) },
    });
    engine.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('refuses bad or missing settings, naming each one', () => {
    const attempt = (winback: unknown) => () => buildWinback(new App({ context: { winback } }));
    expect(attempt({ sesFromAddress: 'not-an-address', apiAuth: 'password', smsSenderId: 'way-too-long-sender' })).toThrow(SettingsError);
    try {
      attempt({ sesFromAddress: 'not-an-address', apiAuth: 'password', smsSenderId: 'way-too-long-sender' })();
    } catch (error) {
      expect((error as Error).message).toMatch(/sesFromAddress/);
      expect((error as Error).message).toMatch(/apiAuth/);
      expect((error as Error).message).toMatch(/smsSenderId/);
    }
    expect(attempt(undefined)).toThrow(/Winback settings missing/);
    expect(attempt({ sesFromAddress: 'a@b.co', policyFile: 'tests/fixtures/no-such-policy.json' })).toThrow(/policy file/);
    expect(attempt({ sesFromAddress: 'a@b.co', retentionTeams: { partner: ['p@b.co'], salse: ['s@b.co'] } })).toThrow(
      /retentionTeams\.salse: no policy routes tasks to this team \(they route to: account-management, partner, sales\)/,
    );
  });
});
