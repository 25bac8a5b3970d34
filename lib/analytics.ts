import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { CfnNamedQuery, CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import {
  CfnTable,
  Database,
  DataFormat,
  DateIntervalUnit,
  PartitionProjectionConfiguration,
  S3Table,
  S3TableStorage,
  Schema,
  type Type,
} from 'aws-cdk-lib/aws-glue';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { Construct, type IConstruct } from 'constructs';
import { ANALYST_TABLES, DATABASE, type ColumnType, type TableDefinition } from '#shared/domain/kpi/tables';
import { LATEST_VIEWS, type LatestView } from '#shared/domain/kpi/views';

/** Folder of the analysts' named queries, one `.sql` file each. */
const NAMED_QUERIES_DIRECTORY = fileURLToPath(new URL('../sql/named/', import.meta.url));

/** Where Athena writes query results, under the lake bucket (expired by its lifecycle rule). */
export const ATHENA_RESULTS_PREFIX = 'athena-results/';

/** First night a `dt=` partition can exist; partition projection lists days from here to today. */
const FIRST_PARTITION = '2024-01-01';

const GIB = 1024 ** 3;

/** Athena refuses a smaller per-query scan limit. */
const MIN_SCAN_CUTOFF_BYTES = 10_000_000;

/** The Glue type each column of `shared/domain/kpi/tables.ts` is declared as: the Parquet writer's physical types read back as these. */
const GLUE_TYPE: Record<ColumnType, Type> = {
  string: Schema.STRING,
  int: Schema.INTEGER,
  double: Schema.DOUBLE,
  boolean: Schema.BOOLEAN,
  timestamp: Schema.TIMESTAMP,
};

/** The Trino type of each column type, as a Presto view definition declares its columns (Athena engine 3). */
const TRINO_TYPE: Record<ColumnType, string> = {
  string: 'varchar',
  int: 'integer',
  double: 'double',
  boolean: 'boolean',
  timestamp: 'timestamp(3)',
};

/**
 * A view as Athena stores one in the Glue catalog when it runs `CREATE VIEW`: a `VIRTUAL_VIEW`
 * table whose `ViewOriginalText` is `/* Presto View: <base64 of the definition> *\/` (catalog,
 * schema, SQL and columns with their Trino types), so the view exists from deployment on, with
 * no query to run. `dt` is a string, as in the tables.
 */
export function prestoView(view: LatestView): CfnTable.TableInputProperty {
  const columns = [...view.table.columns, { name: 'dt', type: 'string' as const, comment: 'the night, YYYY-MM-DD' }];
  const definition = {
    originalSql: view.sql,
    catalog: 'awsdatacatalog',
    schema: DATABASE,
    columns: columns.map((c) => ({ name: c.name, type: TRINO_TYPE[c.type] })),
  };
  return {
    name: view.name,
    description: view.description,
    tableType: 'VIRTUAL_VIEW',
    parameters: { presto_view: 'true', comment: 'Presto View' },
    viewOriginalText: `/* Presto View: ${Buffer.from(JSON.stringify(definition)).toString('base64')} */`,
    viewExpandedText: '/* Presto View */',
    storageDescriptor: {
      columns: columns.map((c) => ({ name: c.name, type: GLUE_TYPE[c.type].inputString, comment: c.comment })),
      serdeInfo: {},
    },
  };
}

export interface AnalyticsProps {
  /** The lake bucket: Parquet facts and KPIs under each table's prefix, and Athena's results. */
  readonly lakeBucket: IBucket;
  /**
   * Athena's per-query scan limit of the workgroup, in bytes: a query that would read more is
   * cancelled. At least 10 MB.
   * @default 10 GiB
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /**
   * Folder of the named queries, one `.sql` file each, whose first `-- ` line is its description.
   * @default the repository's `sql/named/`
   */
  readonly namedQueriesDirectory?: string;
}

/**
 * Acknowledges cdk-nag's `AwsSolutions-IAM5[Resource::…]` finding for exactly `resource` (an ARN
 * with a wildcard) on `scope`. The lake bucket's ARN reaches the engine stack as a cross-stack
 * reference (`Fn::GetStackOutput` naming the producing stack, its region and an output), which
 * only takes its final form once references are resolved at synth; so the finding id is computed
 * then — with cdk-nag's own rendering — instead of being written out by hand for one account and
 * region.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  scope.node.addValidation({
    validate: () => {
      const finding = flattenCfnReference(Stack.of(scope).resolve(resource));
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${finding}]`, reason });
      return [];
    },
  });
}

/** One analysts' query: its file name (without `.sql`) names it, its first `-- ` line describes it. */
export interface NamedQueryFile {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/**
 * Reads the named queries in `directory` (none if it does not exist), in file-name order.
 * @throws Error naming a file without a `-- <description>` line
 */
export function readNamedQueries(directory: string = NAMED_QUERIES_DIRECTORY): NamedQueryFile[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(directory, file), 'utf8');
      const description = sql
        .split('\n')
        .find((line) => line.startsWith('-- '))
        ?.slice(3)
        .trim();
      if (!description)
        throw new Error(`${join(directory, file)}: add a "-- <description>" line; it becomes the named query's description in Athena`);
      return { name: basename(file, '.sql'), description, sql };
    });
}

const pascalCase = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

/**
 * Where analysts query the KPIs: the Glue database `winback` with one table per analyst table of
 * `shared/domain/kpi/tables.ts` (the same columns the Parquet writer writes, so they cannot
 * drift), each partitioned by `dt` with partition projection — a new night's folder is queryable
 * at once, with no crawler and no `MSCK REPAIR` — the views of the latest night
 * (`shared/domain/kpi/views.ts`), an Athena workgroup that enforces its result
 * location, result encryption and per-query scan limit, and the analysts' named queries.
 */
export class Analytics extends Construct {
  readonly database: Database;
  /** One Glue table per analyst table, by table name (`journey_facts`, `kpis`). */
  readonly tables: Readonly<Record<string, S3Table>>;
  /** The views of the latest night (`kpis_latest`, `journey_facts_latest`), by name. */
  readonly views: Readonly<Record<string, CfnTable>>;
  readonly workGroup: CfnWorkGroup;
  /** The workgroup's name; referencing it makes a dependant wait for the workgroup. */
  readonly workGroupName: string;
  readonly workGroupArn: string;
  readonly namedQueries: readonly CfnNamedQuery[];
  private readonly lakeBucket: IBucket;

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.lakeBucket = props.lakeBucket;
    const cutoff = props.bytesScannedCutoffPerQuery ?? 10 * GIB;
    if (!Number.isInteger(cutoff) || cutoff < MIN_SCAN_CUTOFF_BYTES)
      throw new Error(
        `bytesScannedCutoffPerQuery must be a whole number of bytes, at least ${MIN_SCAN_CUTOFF_BYTES} (Athena's minimum); got ${cutoff}`,
      );

    this.database = new Database(this, 'Database', {
      databaseName: DATABASE,
      description: 'Winback: nightly journey facts and win-back KPIs (no personal data).',
      // Only metadata: the data stays in the lake bucket, and every table is re-created from code.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const tables: Record<string, S3Table> = {};
    for (const table of ANALYST_TABLES) tables[table.name] = this.glueTable(table);
    this.tables = tables;
    this.views = Object.fromEntries(
      LATEST_VIEWS.map((view) => {
        const table = new CfnTable(this, pascalCase(view.name), {
          catalogId: stack.account,
          databaseName: this.database.databaseName,
          tableInput: prestoView(view),
        });
        // The view reads the tables: created after them, so Athena can resolve it at once.
        for (const base of Object.values(tables)) table.node.addDependency(base);
        return [view.name, table];
      }),
    );

    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: DATABASE,
      description: 'Winback analysts and the nightly job: results in the lake bucket, encrypted, with a per-query scan limit.',
      state: 'ENABLED',
      // The workgroup holds only query history and the named queries below, all re-created from code.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // Clients cannot override the result location, encryption or scan limit.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: cutoff,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.lakeBucket.bucketName}/${ATHENA_RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
    this.workGroupName = this.workGroup.ref;
    this.workGroupArn = stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName });

    this.namedQueries = readNamedQueries(props.namedQueriesDirectory).map(
      (query) =>
        new CfnNamedQuery(this, `Query${pascalCase(query.name)}`, {
          name: query.name,
          description: query.description,
          database: this.database.databaseName,
          workGroup: this.workGroupName,
          queryString: query.sql,
        }),
    );
  }

  /**
   * Lets `grantee` run SQL over the analyst tables in this workgroup: start, follow, read and stop
   * its queries; read the catalog entries of the database and its tables (nothing else in Glue);
   * read the tables' data and write and read results under `athena-results/` (Athena reads and
   * writes S3 with the caller's rights).
   */
  grantQuery(grantee: IGrantable): void {
    const stack = Stack.of(this);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
        resources: [this.workGroupArn],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          this.database.databaseArn,
          ...Object.values(this.tables).map((table) => table.tableArn),
        ],
      }),
    );
    for (const table of ANALYST_TABLES) this.lakeBucket.grantRead(grantee, `${table.prefix}*`);
    this.lakeBucket.grantReadWrite(grantee, `${ATHENA_RESULTS_PREFIX}*`);
    if (Construct.isConstruct(grantee)) {
      for (const table of ANALYST_TABLES) {
        acknowledgeWildcardResource(
          grantee,
          this.lakeBucket.arnForObjects(`${table.prefix}*`),
          `Athena reads the ${table.name} part files of every projected dt= partition a query selects; bounded to that table's prefix.`,
        );
      }
      acknowledgeWildcardResource(
        grantee,
        this.lakeBucket.arnForObjects(`${ATHENA_RESULTS_PREFIX}*`),
        "Athena writes each query's result under a name it makes per query execution; bounded to the workgroup's athena-results/ prefix.",
      );
    }
  }

  private glueTable(table: TableDefinition): S3Table {
    return new S3Table(this, pascalCase(table.name), {
      database: this.database,
      tableName: table.name,
      description: `Winback ${table.name}, one dt= partition per night (columns from shared/domain/kpi/tables.ts).`,
      storage: S3TableStorage.fromBucket(this.lakeBucket),
      s3Prefix: table.prefix,
      dataFormat: DataFormat.PARQUET,
      columns: table.columns.map((column) => ({ name: column.name, type: GLUE_TYPE[column.type], comment: column.comment })),
      partitionKeys: [
        { name: 'dt', type: Schema.STRING, comment: 'the night the job ran, YYYY-MM-DD (a dt= folder, not a column in the files)' },
      ],
      partitionProjection: {
        dt: PartitionProjectionConfiguration.date({
          min: FIRST_PARTITION,
          max: 'NOW',
          format: 'yyyy-MM-dd',
          step: { interval: 1, intervalUnit: DateIntervalUnit.DAYS },
        }),
      },
      parameters: {
        // Where each projected partition lives: the writer's `<prefix>dt=YYYY-MM-DD/` folders.
        'storage.location.template': `s3://${this.lakeBucket.bucketName}/${table.prefix}dt=\${dt}/`,
      },
      // SSE-S3 is decrypted by S3 itself; `true` would declare client-side (CSE-KMS) encryption.
      hasEncryptedData: false,
    });
  }
}
