import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWinback } from '#lib/winback-app';
import { SettingsError } from '#lib/settings';
import { encodeParquet } from '#shared/adapters/parquet';
import { AUDIENCES_PREFIX } from '#shared/domain/audience';
import { ANALYST_TABLES, DATABASE, type ColumnType, type TableDefinition } from '#shared/domain/kpi/tables';
import { LATEST_VIEWS } from '#shared/domain/kpi/views';
import { REPORTS_PREFIX } from '#shared/report/keys';
import { actionsOf, onlyLogicalId, resourcesOf, statementsOfRole, synthWinback } from '../support/cdk-app.ts';

const namedQueriesDirectory = new URL('../../sql/named/', import.meta.url);

// Not the defaults, so each assertion proves the setting flows through.
const SETTINGS = {
  nightlyRun: { hour: 3, minute: 15 },
  costPerAcquisition: 120,
  scanSegments: 8,
  kpiEngine: 'athena',
  athenaScanLimitGb: 5,
};

/** An `Fn::Join` of strings and references as one string, each reference shown as `<ref>`. */
function joined(value: unknown): string {
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return typeof value === 'string' ? value : '<ref>';
  return join[1].map((part) => (typeof part === 'string' ? part : '<ref>')).join(join[0]);
}

/** The references inside an `Fn::Join`, to compare with what they should point at. */
const referencesIn = (value: unknown) =>
  ((value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1] ?? []).filter((part) => typeof part !== 'string');

/** What Athena (Hive DDL) calls each column type of tables.ts. */
const GLUE_TYPE: Record<ColumnType, string> = {
  string: 'string',
  int: 'int',
  double: 'double',
  boolean: 'boolean',
  timestamp: 'timestamp',
};

/** The Athena type a Parquet column (physical type + converted type) is read as. */
function athenaTypeOfParquet(physical: string | null, converted: string | null): string {
  if (physical === 'BYTE_ARRAY' && converted === 'UTF8') return 'string';
  if (physical === 'INT32' && (converted === null || converted === 'INT_32')) return 'int';
  if (physical === 'DOUBLE') return 'double';
  if (physical === 'BOOLEAN') return 'boolean';
  if (physical === 'INT64' && (converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS')) return 'timestamp';
  return `unmapped ${physical}/${converted}`;
}

const glueTableInput = (template: Template, table: TableDefinition) => {
  const found = Object.values(
    template.findResources('AWS::Glue::Table', { Properties: { TableInput: Match.objectLike({ Name: table.name }) } }),
  );
  expect(found, table.name).toHaveLength(1);
  return found[0]!.Properties.TableInput;
};

describe('Analytics: Glue tables, Athena workgroup, named queries and the nightly job', () => {
  let engine: Template;
  let data: Template;
  let nightlyId: string;
  let nightly: {
    Role: { 'Fn::GetAtt': [string, string] };
    Environment: { Variables: Record<string, unknown> };
    DeadLetterConfig: { TargetArn: unknown };
  } & Record<string, unknown>;
  let workGroupId: string;
  let databaseId: string;
  let outdir: string;
  const scratch = mkdtempSync(join(tmpdir(), 'winback-analytics-'));

  beforeAll(() => {
    ({ engine, data, outdir } = synthWinback(SETTINGS));
    nightlyId = onlyLogicalId(engine, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Nightly KPIs') });
    nightly = engine.findResources('AWS::Lambda::Function')[nightlyId]!.Properties;
    workGroupId = onlyLogicalId(engine, 'AWS::Athena::WorkGroup', { Name: 'winback' });
    databaseId = onlyLogicalId(engine, 'AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: DATABASE }) });
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('declares each Glue table with exactly the columns of tables.ts: names, order, types and comments', () => {
    for (const table of ANALYST_TABLES) {
      const input = glueTableInput(engine, table);
      expect(input.StorageDescriptor.Columns).toEqual(
        table.columns.map((c) => ({ Name: c.name, Type: GLUE_TYPE[c.type], Comment: c.comment })),
      );
      expect(input.PartitionKeys).toEqual([expect.objectContaining({ Name: 'dt', Type: 'string' })]);
      expect(input.StorageDescriptor).toMatchObject({
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
      });
      expect(joined(input.StorageDescriptor.Location)).toBe(`s3://<ref>/${table.prefix}`);
    }
  });

  it('declares the columns the Parquet writer actually writes, as Athena reads them', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      for (const table of ANALYST_TABLES) {
        // Prepare
        const file = join(scratch, `${table.name}.parquet`);
        writeFileSync(file, encodeParquet(table, []));
        // Act
        const schema = (
          await connection.runAndReadAll(
            `SELECT name, type, converted_type FROM parquet_schema('${file}') WHERE num_children IS NULL ORDER BY column_id`,
          )
        ).getRowObjectsJson() as Array<{ name: string; type: string | null; converted_type: string | null }>;
        // Assess
        const glueColumns = (glueTableInput(engine, table).StorageDescriptor.Columns as Array<{ Name: string; Type: string }>).map((c) => ({
          name: c.Name,
          type: c.Type,
        }));
        expect(schema.map((c) => ({ name: c.name, type: athenaTypeOfParquet(c.type, c.converted_type) }))).toEqual(glueColumns);
      }
    } finally {
      connection.closeSync();
    }
  });

  it('projects dt= partitions by date from the lake, with no crawler', () => {
    for (const table of ANALYST_TABLES) {
      const params = glueTableInput(engine, table).Parameters;
      expect(params).toMatchObject({
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': expect.stringMatching(/^\d{4}-\d{2}-\d{2},NOW$/),
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
      });
      expect(joined(params['storage.location.template'])).toBe(`s3://<ref>/${table.prefix}dt=\${dt}/`);
      // The same bucket the nightly job writes to.
      expect(referencesIn(params['storage.location.template'])).toEqual([nightly.Environment.Variables.LAKE_BUCKET]);
    }
    engine.resourceCountIs('AWS::Glue::Crawler', 0);
    data.resourceCountIs('AWS::Glue::Crawler', 0);
  });

  it('has a workgroup that enforces its result location under athena-results/, SSE-S3 and the scan limit from the settings', () => {
    const workGroup = engine.findResources('AWS::Athena::WorkGroup')[workGroupId]!.Properties;
    expect(workGroup.WorkGroupConfiguration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      BytesScannedCutoffPerQuery: SETTINGS.athenaScanLimitGb * 1024 ** 3,
      ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } },
    });
    const output = workGroup.WorkGroupConfiguration.ResultConfiguration.OutputLocation;
    expect(joined(output)).toBe('s3://<ref>/athena-results/');
    expect(referencesIn(output)).toEqual([nightly.Environment.Variables.LAKE_BUCKET]);
  });

  it('declares the views of the latest night as Athena stores a view: the SQL and every column with its type', () => {
    for (const view of LATEST_VIEWS) {
      const input = glueTableInput(engine, { ...view.table, name: view.name });
      expect(input).toMatchObject({
        TableType: 'VIRTUAL_VIEW',
        Parameters: { presto_view: 'true' },
        ViewExpandedText: '/* Presto View */',
      });
      const encoded = /^\/\* Presto View: ([A-Za-z0-9+/=]+) \*\/$/.exec(input.ViewOriginalText)![1]!;
      const definition = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
      const trino = { string: 'varchar', int: 'integer', double: 'double', boolean: 'boolean', timestamp: 'timestamp(3)' } as const;
      expect(definition).toEqual({
        originalSql: view.sql,
        catalog: 'awsdatacatalog',
        schema: DATABASE,
        columns: [...view.table.columns.map((c) => ({ name: c.name, type: trino[c.type] })), { name: 'dt', type: 'varchar' }],
      });
      expect(input.StorageDescriptor.Columns.map((c: { Name: string; Type: string }) => [c.Name, c.Type])).toEqual([
        ...view.table.columns.map((c) => [c.name, GLUE_TYPE[c.type]]),
        ['dt', 'string'],
      ]);
    }
  });

  it('has one named query per sql/named file, in database winback and the workgroup', () => {
    const files = readdirSync(namedQueriesDirectory).filter((f) => f.endsWith('.sql'));
    expect(files.length).toBeGreaterThanOrEqual(1);
    const queries = Object.values(engine.findResources('AWS::Athena::NamedQuery')).map((q) => q.Properties);
    expect(queries.map((q) => q.Name).sort()).toEqual(files.map((f) => basename(f, '.sql')).sort());
    for (const file of files) {
      const sql = readFileSync(new URL(file, namedQueriesDirectory), 'utf8');
      const query = queries.find((q) => q.Name === basename(file, '.sql'))!;
      expect(query).toMatchObject({ Database: { Ref: databaseId }, WorkGroup: { Ref: workGroupId }, QueryString: sql });
      expect(query.Description).toBe(
        sql
          .split('\n')
          .find((line) => line.startsWith('-- '))!
          .slice(3)
          .trim(),
      );
    }
  });

  it('starts the nightly function every night from a Scheduler cron, with a retry policy and a dead-letter queue', () => {
    const dlq = nightly.DeadLetterConfig.TargetArn;
    engine.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(15 3 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [nightlyId, 'Arn'] },
        Input: '{}',
        DeadLetterConfig: { Arn: dlq },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      }),
    });
    // The dead-letter queue is encrypted, TLS-only, and alarmed.
    const [queueId] = (dlq as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    expect(engine.findResources('AWS::SQS::Queue')[queueId]!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    engine.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    engine.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
    });
    engine.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: nightlyId } }],
    });
  });

  it("lets the schedule's role invoke the nightly function and dead-letter, nothing else", () => {
    const schedule = Object.values(engine.findResources('AWS::Scheduler::Schedule'))[0]!.Properties;
    const [roleId] = schedule.Target.RoleArn['Fn::GetAtt'] as [string, string];
    const statements = statementsOfRole(engine, roleId);
    expect(statements).toHaveLength(2);
    const invoke = statements.find((s) => actionsOf(s).includes('lambda:InvokeFunction'))!;
    expect(actionsOf(invoke)).toEqual(['lambda:InvokeFunction']);
    expect(resourcesOf(invoke)).toEqual([
      { 'Fn::GetAtt': [nightlyId, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [nightlyId, 'Arn'] }, ':*']] },
    ]);
    const deadLetter = statements.find((s) => s !== invoke)!;
    expect(deadLetter).toMatchObject({ Action: 'sqs:SendMessage', Resource: nightly.DeadLetterConfig.TargetArn });
  });

  it('lets the nightly function read the journeys table and only put a record, and query Athena only in its workgroup and tables', () => {
    const statements = statementsOfRole(engine, nightly.Role['Fn::GetAtt'][0]);
    const dynamodb = statements.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'));
    expect(dynamodb).toEqual(expect.arrayContaining(['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:GetItem']));
    // It writes a customer item only to resolve a claim stuck in `sending`: one conditional put.
    expect(dynamodb).toContain('dynamodb:PutItem');
    for (const write of ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:*'])
      expect(dynamodb).not.toContain(write);
    // It never creates touch timers (nor passes the Scheduler role); it may delete a stuck claim's lease timer, in its group only.
    const scheduler = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('scheduler:')));
    expect(scheduler.map(actionsOf)).toEqual([['scheduler:DeleteSchedule']]);
    expect(JSON.stringify(scheduler[0]!.Resource)).toContain(':schedule/WinbackEngine-touches/*');
    expect(statements.flatMap(actionsOf)).not.toContain('iam:PassRole');

    const athena = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('athena:')));
    expect(athena).toHaveLength(1);
    expect(actionsOf(athena[0]!)).toEqual(
      expect.arrayContaining(['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults']),
    );
    expect(resourcesOf(athena[0]!)).toHaveLength(1);
    expect(joined(resourcesOf(athena[0]!)[0])).toMatch(/^arn:.*:athena:.*:workgroup\/<ref>$/);
    expect(referencesIn(resourcesOf(athena[0]!)[0]).at(-1)).toEqual({ Ref: workGroupId });

    const glue = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('glue:')));
    expect(glue).toHaveLength(1);
    expect(actionsOf(glue[0]!).sort()).toEqual(['glue:GetDatabase', 'glue:GetPartitions', 'glue:GetTable']);
    const glueResources = resourcesOf(glue[0]!).map(joined);
    expect(glueResources).toHaveLength(2 + ANALYST_TABLES.length);
    expect(glueResources.filter((r) => r.endsWith(':catalog'))).toHaveLength(1);
    expect(glueResources.filter((r) => r.endsWith(':database/<ref>'))).toHaveLength(1);
    expect(glueResources.filter((r) => r.endsWith(':table/<ref>/<ref>'))).toHaveLength(ANALYST_TABLES.length);

    for (const s of [...athena, ...glue]) expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"|\/\*"/);
    // Lake objects: only the table prefixes, the audiences, the reports and Athena's results, never the whole bucket.
    const objectPatterns = statements
      .filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')))
      .flatMap(resourcesOf)
      .map(joined)
      .filter((r) => r.includes('/'));
    expect([...new Set(objectPatterns)].sort()).toEqual(
      [
        '<ref>/athena-results/*',
        `<ref>/${AUDIENCES_PREFIX}*`,
        `<ref>/${REPORTS_PREFIX}*`,
        ...ANALYST_TABLES.map((t) => `<ref>/${t.prefix}*`),
      ].sort(),
    );
  });

  it('lets the nightly function list, write and clear the hashed audiences under audiences/, but not read them back', () => {
    const statements = statementsOfRole(engine, nightly.Role['Fn::GetAtt'][0]);
    const matches = (granted: string, action: string) =>
      granted === action || (granted.endsWith('*') && action.startsWith(granted.slice(0, -1)));
    const allowedOn = (resource: string) =>
      statements.filter((s) => s.Effect === 'Allow' && resourcesOf(s).map(joined).includes(resource)).flatMap(actionsOf);
    const onAudiences = allowedOn(`<ref>/${AUDIENCES_PREFIX}*`);
    // Put (one PutObject per part), clear a night before re-writing it (list, then delete).
    for (const action of ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'])
      expect(
        onAudiences.some((a) => matches(a, action)),
        action,
      ).toBe(true);
    expect(allowedOn('<ref>').some((a) => matches(a, 's3:ListBucket'))).toBe(true);
    // Hashed contacts are for the ad platforms' uploads, not for reading back (nor for Athena).
    expect(onAudiences.filter((a) => a.startsWith('s3:Get'))).toEqual([]);
    const gets = statements
      .filter((s) => actionsOf(s).some((a) => matches(a, 's3:GetObject')))
      .flatMap(resourcesOf)
      .map(joined);
    expect(gets.filter((r) => r.includes(AUDIENCES_PREFIX))).toEqual([]);
    for (const table of ANALYST_TABLES) expect(table.prefix.startsWith(AUDIENCES_PREFIX)).toBe(false);
  });

  it('expires audience files after a week, so hashed contacts of erased customers do not linger in old nights', () => {
    data.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'audiences', Prefix: AUDIENCES_PREFIX, ExpirationInDays: 7, Status: 'Enabled' }),
          // What expiring leaves behind in the versioned bucket goes 30 days later.
          Match.objectLike({ Id: 'old-versions', NoncurrentVersionExpiration: Match.objectLike({ NoncurrentDays: 30 }) }),
        ]),
      },
    });
  });

  it("lets the nightly function run the KPI SQL as an UNLOAD: Athena reads and writes S3 with the function's rights", () => {
    const statements = statementsOfRole(engine, nightly.Role['Fn::GetAtt'][0]);
    const allowed = (action: string, resource: string) =>
      statements.some(
        (s) =>
          s.Effect === 'Allow' &&
          actionsOf(s).some((a) => a === action || (a.endsWith('*') && action.startsWith(a.slice(0, -1)))) &&
          resourcesOf(s).map(joined).includes(resource),
      );
    // Start, follow, stop (at the timeout) and read the count of the query, in the workgroup.
    const athena = statements.find((s) => actionsOf(s).some((a) => a.startsWith('athena:')))!;
    expect(actionsOf(athena)).toEqual(
      expect.arrayContaining([
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:StopQueryExecution',
        'athena:GetQueryResults',
      ]),
    );
    // Read the facts, check the target is empty and clear it, write the KPI files, and the manifest
    // and metadata under the result location.
    for (const [action, resource] of [
      ['s3:GetObject', '<ref>/journey_facts/*'],
      ['s3:ListBucket', '<ref>'],
      ['s3:GetBucketLocation', '<ref>'],
      ['s3:PutObject', '<ref>/kpis/*'],
      ['s3:AbortMultipartUpload', '<ref>/kpis/*'],
      ['s3:DeleteObject', '<ref>/kpis/*'],
      ['s3:PutObject', '<ref>/athena-results/*'],
      ['s3:GetObject', '<ref>/athena-results/*'],
    ] as const) {
      expect(allowed(action, resource), `${action} on ${resource}`).toBe(true);
    }
  });

  it('gives the nightly function the engine environment, the lake, the KPI settings and Athena names', () => {
    expect(nightly).toMatchObject({ Timeout: 900, MemorySize: 1769, Runtime: 'nodejs24.x' });
    expect(nightly.Environment.Variables).toMatchObject({
      LAKE_BUCKET: expect.anything(),
      COST_PER_ACQUISITION: '120',
      SCAN_SEGMENTS: '8',
      KPI_ENGINE: 'athena',
      ATHENA_WORKGROUP: { Ref: workGroupId },
      ATHENA_DATABASE: { Ref: databaseId },
      TABLE_NAME: expect.anything(),
      KEYS_SECRET_ARN: expect.anything(),
    });
  });

  it('defaults the nightly function to in-process KPIs', () => {
    const { engine: defaults } = synthWinback({});
    const id = onlyLogicalId(defaults, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Nightly KPIs') });
    expect(defaults.findResources('AWS::Lambda::Function')[id]!.Properties.Environment.Variables.KPI_ENGINE).toBe('in-process');
  });

  it('bundles sql/kpis.sql into the nightly function for Athena, without DuckDB', () => {
    // The function's code asset, as synth wrote it: `asset.<hash>/` for the S3 key `<hash>.zip`.
    const hash = basename((nightly.Code as { S3Key: string }).S3Key, '.zip');
    const bundle = readFileSync(join(outdir, `asset.${hash}`, 'index.mjs'), 'utf8');
    // (Booleans, not toContain: a failure would print the whole minified bundle.)
    expect(/@duckdb|duckdb\.node|DuckDBInstance/.test(bundle), 'DuckDB in the nightly bundle').toBe(false);
    // The query's lines (those without backticks, which the bundle escapes), and the UNLOAD around it.
    const kpiSqlLines = readFileSync(new URL('../../sql/kpis.sql', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.includes('`'));
    expect(kpiSqlLines.length).toBeGreaterThan(100);
    expect(kpiSqlLines.filter((line) => !bundle.includes(line))).toEqual([]);
    expect(bundle.includes("WITH (format = 'PARQUET', compression = 'SNAPPY')")).toBe(true);
  });
});

describe('Analytics settings', () => {
  it('refuses a bad nightly time, scan segments, cost per acquisition or scan limit, naming each', () => {
    const attempt = () =>
      buildWinback(
        new App({
          context: {
            winback: {
              sesFromAddress: 'a@b.co',
              nightlyRun: { hour: 25, minute: 30 },
              scanSegments: 0,
              costPerAcquisition: -5,
              athenaScanLimitGb: 0,
              kpiEngine: 'spark',
            },
          },
        }),
      );
    expect(attempt).toThrow(SettingsError);
    expect(attempt).toThrow(/nightlyRun\.hour/);
    expect(attempt).toThrow(/scanSegments/);
    expect(attempt).toThrow(/costPerAcquisition/);
    expect(attempt).toThrow(/athenaScanLimitGb/);
    expect(attempt).toThrow(/kpiEngine: must be "in-process" or "athena"/);
    // A misspelt key is an error, not a silent default.
    expect(() => buildWinback(new App({ context: { winback: { sesFromAddress: 'a@b.co', nightlyRun: { hours: 3 } } } }))).toThrow(
      /nightlyRun/,
    );
  });
});
