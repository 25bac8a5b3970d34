import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { environmentVariables, type LambdaName } from '#shared/config/lambda-environment';
import { lambdaEntry, toCdkBundling } from './bundling.ts';

/**
 * Without `environment`: the constructs set each group of variables with `bindEnvironment`
 * (lib/environment.ts), beside the grants the values name.
 */
export interface WinbackFunctionProps extends Omit<NodejsFunctionProps, 'entry' | 'runtime' | 'architecture' | 'environment'> {
  /** Folder under `lambdas/` holding `handler.ts`. */
  readonly lambda: LambdaName;
  /** Bundle-time constants (esbuild `define`), e.g. an operator's policy as JSON. */
  readonly define?: Record<string, string>;
}

/**
 * One Lambda function with Winback's defaults, instead of copy-pasted NodejsFunction blocks:
 * Node.js 24 on arm64, minified ESM with source maps, X-Ray tracing, JSON logs retained for a
 * month. Bundled with the local esbuild (a direct dependency), never Docker.
 */
export class WinbackFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: WinbackFunctionProps) {
    const { lambda, define, bundling, ...rest } = props;
    super(scope, id, {
      entry: lambdaEntry(lambda),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup: new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      environment: environmentVariables('runtime', {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: `winback-${lambda}`,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      }),
      // The esbuild options live in bundling.ts, shared with the test that cold-starts the bundles.
      bundling: { ...toCdkBundling(define), ...bundling },
      ...rest,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The AWS managed basic execution policy only lets the function write its own logs.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions.',
    });
  }
}
