import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AWS_CHANNELS } from '#shared/adapters/aws/deployed-channels';
import { SEND_METRICS } from '#shared/adapters/aws/send-metrics';
import { AUDIENCES_PREFIX } from '#shared/domain/audience';
import { ANALYST_TABLES } from '#shared/domain/kpi/tables';
import { REPORT_OUTPUT_KEYS, REPORTS_PREFIX } from '#shared/report/keys';
import { actionsOf, onlyLogicalId, resourcesOf, type Statement, statementsOfRole, synthWinback } from '../support/cdk-app.ts';

/** A dashboard widget as CloudWatch reads it; `metrics` rows are `[namespace, name, dim, value, …, options]`. */
interface Widget {
  type: string;
  properties: {
    title?: string;
    metrics?: unknown[][];
    alarms?: string[];
    annotations?: { alarms?: string[]; horizontal?: Array<{ value: number; label?: string }> };
    stacked?: boolean;
  };
}

/**
 * The dashboard body, parsed: CloudFormation builds it with `Fn::Join` around references (ARNs,
 * topic names, the region); each reference becomes `<Fn::GetAtt:Id.Attr>` or `<Ref:Id>` so the
 * JSON parses and the tests can say what each widget points at.
 */
function dashboardWidgets(template: Template): { name: unknown; widgets: Widget[] } {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const { DashboardBody: body, DashboardName: name } = dashboards[0]!.Properties;
  const parts = body['Fn::Join'][1] as unknown[];
  const text = parts.map((part) => (typeof part === 'string' ? part : reference(part))).join('');
  return { name, widgets: (JSON.parse(text) as { widgets: Widget[] }).widgets };
}

function reference(part: unknown): string {
  const { Ref: ref, 'Fn::GetAtt': getAtt } = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  return ref ? `<Ref:${ref}>` : `<Fn::GetAtt:${getAtt![0]}.${getAtt![1]}>`;
}

/** The metric rows of a widget as `namespace name dim=value …`, options left out. */
const metricsOf = (widget: Widget): string[] =>
  (widget.properties.metrics ?? []).map((row) => {
    const plain = row.filter((cell): cell is string => typeof cell === 'string');
    const [namespace, name, ...dims] = plain;
    const pairs = [];
    for (let i = 0; i < dims.length; i += 2) pairs.push(`${dims[i]}=${dims[i + 1]}`);
    return [namespace, name, ...pairs.sort()].join(' ');
  });

const logicalIdsOf = (template: Template, type: string, props: Record<string, unknown> = {}) =>
  Object.keys(template.findResources(type, props));

let engine: Template;
let outdir: string;
beforeAll(() => {
  ({ engine, outdir } = synthWinback());
});

describe('Operations dashboard', () => {
  let widgets: Widget[];
  let name: unknown;
  const titled = (title: string) => {
    const found = widgets.filter((w) => w.properties.title === title);
    expect(found, title).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(() => {
    ({ name, widgets } = dashboardWidgets(engine));
  });

  it('is one dashboard named after the stack, with no personal data in its name', () => {
    expect(name).toBe('WinbackEngine-operations');
  });

  it('shows the ingest rate and the API 4xx and 5xx answers', () => {
    expect(metricsOf(titled('Ingest: API requests'))).toEqual(['AWS/ApiGateway Count ApiName=WinbackEngine-api']);
    expect(metricsOf(titled('API errors: 4xx (caller) and 5xx (Winback)'))).toEqual([
      'AWS/ApiGateway 4XXError ApiName=WinbackEngine-api',
      'AWS/ApiGateway 5XXError ApiName=WinbackEngine-api',
    ]);
  });

  it('shows sends and failures for every channel the send function sends on, as its metrics name them', () => {
    const channels = [...AWS_CHANNELS, 'task'];
    const expected = (metric: string) =>
      channels.map((channel) => `${SEND_METRICS.namespace} ${metric} channel=${channel} service=${SEND_METRICS.service}`);
    expect(metricsOf(titled('Messages sent, by channel'))).toEqual(expected('TouchesSent'));
    expect(metricsOf(titled('Send failures, by channel'))).toEqual(expected('TouchFailures'));
  });

  it('shows the engagement feedback arriving on each of its topics, and what the engagement function made of it', () => {
    const topics = logicalIdsOf(engine, 'AWS::SNS::Topic').filter((id) => /SesEvents|SmsEvents|SmsInbound/.test(id));
    expect(topics).toHaveLength(3);
    expect(metricsOf(titled('Engagement feedback received, by source')).sort()).toEqual(
      topics.map((id) => `AWS/SNS NumberOfMessagesPublished TopicName=<Fn::GetAtt:${id}.TopicName>`).sort(),
    );
    const [engagement] = logicalIdsOf(engine, 'AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'winback-engagement' } } },
    });
    expect(metricsOf(titled('Engagement feedback handled and failed'))).toEqual([
      `AWS/Lambda Invocations FunctionName=<Ref:${engagement}>`,
      `AWS/Lambda Errors FunctionName=<Ref:${engagement}>`,
    ]);
  });

  it('shows the depth of every dead-letter queue of the stack', () => {
    const deadLetterQueues = logicalIdsOf(engine, 'AWS::SQS::Queue').filter((id) => id.includes('DeadLetters'));
    expect(deadLetterQueues).toHaveLength(4);
    expect(metricsOf(titled('Messages waiting in dead-letter queues')).sort()).toEqual(
      deadLetterQueues.map((id) => `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=<Fn::GetAtt:${id}.QueueName>`).sort(),
    );
  });

  it("shows Scheduler's invocation failures for the touch timers' group", () => {
    const [group] = logicalIdsOf(engine, 'AWS::Scheduler::ScheduleGroup');
    const rows = metricsOf(titled('Scheduler: touch timers that failed to invoke'));
    expect(rows.map((row) => row.split(' ')[1])).toEqual([
      'TargetErrorCount',
      'TargetErrorThrottledCount',
      'InvocationDroppedCount',
      'InvocationsSentToDeadLetterCount',
      'InvocationsFailedToBeSentToDeadLetterCount',
    ]);
    for (const row of rows) expect(row).toMatch(new RegExp(`^AWS/Scheduler \\S+ ScheduleGroup=(WinbackEngine-touches|<Ref:${group}>)$`));
  });

  it("shows the nightly job's duration against its timeout, and its runs and failures", () => {
    const [nightly] = logicalIdsOf(engine, 'AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'winback-nightly' } } },
    });
    const duration = titled('Nightly job: duration (ms)');
    expect(metricsOf(duration)).toEqual([`AWS/Lambda Duration FunctionName=<Ref:${nightly}>`]);
    expect(duration.properties.annotations?.horizontal).toEqual([expect.objectContaining({ value: 15 * 60 * 1000, label: 'timeout' })]);
    // One point per night.
    expect(duration.properties.metrics![0]!.at(-1)).toMatchObject({ stat: 'Maximum', period: 86_400 });
    expect(metricsOf(titled('Nightly job: runs and failures'))).toEqual([
      `AWS/Lambda Invocations FunctionName=<Ref:${nightly}>`,
      `AWS/Lambda Errors FunctionName=<Ref:${nightly}>`,
    ]);
  });

  it('shows every alarm of the stack in its own alarm widget, and all of them in the overview', () => {
    const alarms = logicalIdsOf(engine, 'AWS::CloudWatch::Alarm').map((id) => `<Fn::GetAtt:${id}.Arn>`);
    expect(alarms.length).toBeGreaterThanOrEqual(9);
    const alarmWidgets = widgets.filter((w) => w.properties.annotations?.alarms);
    expect(alarmWidgets.flatMap((w) => w.properties.annotations!.alarms!).sort()).toEqual([...alarms].sort());
    expect(titled('Alarms').properties.alarms!.sort()).toEqual([...alarms].sort());
  });
});

/** An `Fn::Join` of strings and references as one string, each reference shown as `<ref>`. */
function joined(value: unknown): string {
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return typeof value === 'string' ? value : '<ref>';
  return join[1].map((part) => (typeof part === 'string' ? part : '<ref>')).join(join[0]);
}

/** Actions that change an object (put, delete, abort an upload), wildcards included. */
const writes = (action: string) => /^s3:(Put|Delete|Abort|Replicate|Restore|\*)/.test(action);

describe("The report's S3 location and permissions", () => {
  let nightlyRole: string;
  beforeAll(() => {
    const nightly = onlyLogicalId(engine, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Nightly KPIs') });
    nightlyRole = engine.findResources('AWS::Lambda::Function')[nightly]!.Properties.Role['Fn::GetAtt'][0];
  });
  const lakeWrites = (statements: Statement[]) =>
    statements
      .filter((s) => s.Effect === 'Allow' && actionsOf(s).some(writes))
      .flatMap((s) => resourcesOf(s).map((resource) => ({ resource: joined(resource), actions: actionsOf(s).filter(writes) })));

  it('lets the nightly function put pages under reports/ only, and neither read nor delete them there', () => {
    const statements = statementsOfRole(engine, nightlyRole);
    const onReports = statements.filter((s) => resourcesOf(s).map(joined).includes(`<ref>/${REPORTS_PREFIX}*`)).flatMap(actionsOf);
    expect(onReports).toContain('s3:PutObject');
    expect(onReports.filter((a) => !a.startsWith('s3:PutObject') && !a.startsWith('s3:Abort'))).toEqual([]);
  });

  it('lets the nightly function write in the lake only under its tables, the audiences, the reports and Athena results', () => {
    const allowed = [
      ...ANALYST_TABLES.map((t) => `<ref>/${t.prefix}*`),
      `<ref>/${AUDIENCES_PREFIX}*`,
      `<ref>/${REPORTS_PREFIX}*`,
      '<ref>/athena-results/*',
    ];
    // Object writes (the bucket's own ARN, in the same statements, names no object).
    const written = lakeWrites(statementsOfRole(engine, nightlyRole))
      .map((w) => w.resource)
      .filter((resource) => resource.includes('/'));
    expect(written.length).toBeGreaterThan(0);
    expect(written.filter((resource) => !allowed.includes(resource))).toEqual([]);
  });

  it('lets no other role write under reports/', () => {
    const roles = Object.keys(engine.findResources('AWS::IAM::Role')).filter((id) => id !== nightlyRole);
    for (const role of roles)
      expect(
        lakeWrites(statementsOfRole(engine, role)).filter((w) => w.resource.includes(REPORTS_PREFIX)),
        role,
      ).toEqual([]);
  });

  it('outputs the lake bucket and the Athena names that npm run report -- --aws reads', () => {
    const outputs = engine.findOutputs('*');
    for (const key of Object.values(REPORT_OUTPUT_KEYS)) expect(outputs[key], key).toBeDefined();
    // The lake bucket of the data stack, by reference, not a name typed in.
    expect(JSON.stringify(outputs[REPORT_OUTPUT_KEYS.bucket]!.Value)).toMatch(/Lake/);
  });

  it('bundles the report queries into the nightly function', () => {
    const nightly = onlyLogicalId(engine, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Nightly KPIs') });
    const hash = basename(engine.findResources('AWS::Lambda::Function')[nightly]!.Properties.Code.S3Key as string, '.zip');
    const bundle = readFileSync(join(outdir, `asset.${hash}`, 'index.mjs'), 'utf8');
    const directory = new URL('../../sql/report/', import.meta.url);
    for (const file of readdirSync(directory)) {
      const lines = readFileSync(new URL(file, directory), 'utf8')
        .split('\n')
        // Lines esbuild keeps as written: no backticks (escaped) and ASCII only (\u-escaped).
        .filter((line) => line.trim() !== '' && !line.includes('`') && /^[\x20-\x7e]*$/.test(line));
      expect(lines.length, file).toBeGreaterThanOrEqual(5);
      expect(
        lines.filter((line) => !bundle.includes(line)),
        file,
      ).toEqual([]);
    }
  });
});
