import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, StorageClass } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { WINBACK_TABLE } from '#shared/adapters/aws/dynamodb-table';
import { JOURNEY_FACTS } from '#shared/domain/kpi/tables';
import { AUDIENCES_PREFIX } from '#shared/domain/audience';

/**
 * Days an audience file is kept: each night writes a complete audience, so older nights only
 * hold hashed contacts of customers who may since have been erased, won back or re-consented.
 */
const AUDIENCE_RETENTION_DAYS = 7;

/**
 * Everything that holds data: the journeys table and the lake bucket. Kept apart from compute
 * so a redeploy of Lambdas, API or schedules can never replace or delete data; both are
 * retained when the stack is deleted.
 */
export class WinbackStatefulStack extends Stack {
  /** Customers, journeys, touches and processed event ids (single table). */
  readonly table: Table;
  /** Parquet facts and KPIs for Athena, hashed audience exports, Athena results. */
  readonly lakeBucket: Bucket;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.table = new Table(this, 'Journeys', {
      partitionKey: { name: WINBACK_TABLE.partitionKey.name, type: AttributeType.STRING },
      sortKey: { name: WINBACK_TABLE.sortKey.name, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: WINBACK_TABLE.timeToLiveAttribute,
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const { taskIndex } = WINBACK_TABLE;
    this.table.addGlobalSecondaryIndex({
      indexName: taskIndex.name,
      partitionKey: { name: taskIndex.partitionKey.name, type: AttributeType.STRING },
      sortKey: { name: taskIndex.sortKey.name, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });

    const accessLogs = new Bucket(this, 'LakeAccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log bucket of the lake; logging it into itself would loop.',
    });

    this.lakeBucket = new Bucket(this, 'Lake', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'lake/',
      lifecycleRules: [
        { id: 'athena-results', prefix: 'athena-results/', expiration: Duration.days(30) },
        { id: 'audiences', prefix: AUDIENCES_PREFIX, expiration: Duration.days(AUDIENCE_RETENTION_DAYS) },
        { id: 'old-versions', noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) },
        // The journey facts are read mostly in their first month; the older nights cool down.
        {
          id: 'cool-facts',
          prefix: JOURNEY_FACTS.prefix,
          transitions: [{ storageClass: StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) }],
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
