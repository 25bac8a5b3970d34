import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKeySourceType,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Period,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CALL_CHAINS, timeoutFor } from './function-timeouts.ts';
import { WinbackFunction } from './winback-function.ts';

/** Requests per second (steady, and in a burst) per upstream key, and per stage for the keyless routes. */
export const API_THROTTLE = { rateLimit: 200, burstLimit: 400 } as const;

export interface PublicApiProps {
  /** `apiKey`: API keys with a usage plan; `iam`: SigV4-signed requests. */
  readonly auth: 'apiKey' | 'iam';
  /** esbuild `define` for the operator's policies. */
  readonly policyDefine: Record<string, string>;
  /**
   * Serve `POST /v1/push/receipts`, where the deployment has a partner push.
   * @default false
   */
  readonly partnerPushReceipts?: boolean;
}

/**
 * The public v1 API: API Gateway (REST) in front of one ingest function that serves every
 * route with the same router as the local runner.
 *
 * Authentication, justified: upstream systems are servers (an MNP gateway, a billing system),
 * usually outside AWS, so the default is an API key per upstream system with a usage plan —
 * revocable per system, with its own throttle and quota — checked by API Gateway before any
 * code runs. Upstream systems inside AWS can use IAM (SigV4) instead (`apiAuth: "iam"`).
 *
 * The handler's engine rights and environment come from `TouchDelivery.bindEngine`.
 */
export class PublicApi extends Construct {
  readonly api: RestApi;
  readonly handler: WinbackFunction;

  constructor(scope: Construct, id: string, props: PublicApiProps) {
    super(scope, id);
    this.handler = new WinbackFunction(this, 'Handler', {
      lambda: 'api',
      description: 'Winback public API v1: events in, customer view, erasure.',
      define: props.policyDefine,
      timeout: timeoutFor(CALL_CHAINS.api),
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new RestApi(this, 'Api', {
      restApiName: `${Stack.of(this).stackName}-api`,
      description: 'Winback public API (v1)',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      apiKeySourceType: ApiKeySourceType.HEADER,
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'api',
        // Every method, keyless ones (unsubscribe, tracked links) included, is throttled like a usage-plan key.
        throttlingRateLimit: API_THROTTLE.rateLimit,
        throttlingBurstLimit: API_THROTTLE.burstLimit,
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request and response bodies carry phone numbers and e-mail addresses: never logged.
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: false,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
      },
      defaultMethodOptions:
        props.auth === 'iam'
          ? { authorizationType: AuthorizationType.IAM }
          : { apiKeyRequired: true, authorizationType: AuthorizationType.NONE },
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: "API Gateway's account-level logging role; the AWS managed policy is the documented one and only writes logs.",
    });

    const integration = new LambdaIntegration(this.handler);
    this.api.root.addResource('healthz').addMethod('GET', integration);
    const v1 = this.api.root.addResource('v1');
    v1.addResource('events').addMethod('POST', integration);
    v1.addResource('tasks').addMethod('GET', integration);
    const customer = v1.addResource('customers').addResource('{customerId}');
    customer.addMethod('GET', integration);
    customer.addMethod('DELETE', integration);
    // One-click unsubscribe (RFC 8058): a mail client follows the link with no key; the handler
    // verifies the link's HMAC signature instead, and changes nothing on GET.
    const unsubscribe = v1.addResource('unsubscribe');
    for (const method of ['GET', 'POST'])
      unsubscribe.addMethod(method, integration, { apiKeyRequired: false, authorizationType: AuthorizationType.NONE });
    Validations.of(unsubscribe).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'One-click unsubscribe (RFC 8058) is followed by mail clients with no credentials; the handler verifies the HMAC-signed token in the link, and GET changes nothing.',
    });
    // Tracked links from messages: a customer's browser follows them with no key; the handler
    // opens the link's sealed token instead. HEAD answers link previews without a click.
    const link = this.api.root.addResource('r').addResource('{token}');
    for (const method of ['GET', 'HEAD', 'POST'])
      link.addMethod(method, integration, { apiKeyRequired: false, authorizationType: AuthorizationType.NONE });
    Validations.of(link).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Tracked links are followed by customers from an SMS or e-mail with no credentials; the handler verifies the HMAC-sealed token in the link, which names one touch and nothing personal.',
    });

    // Partner push receipts: the partner's servers post them with no key of ours; the handler
    // checks their HMAC signature (the shared secret, a timestamp within 5 minutes) instead.
    if (props.partnerPushReceipts) {
      const receipts = v1.addResource('push').addResource('receipts');
      receipts.addMethod('POST', integration, { apiKeyRequired: false, authorizationType: AuthorizationType.NONE });
      Validations.of(receipts).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          "The partner signs each receipt with the secret it shares with this deployment; the handler refuses one whose HMAC signature or timestamp is wrong. The stage's throttle applies.",
      });
    }

    if (props.auth === 'apiKey') {
      const plan = this.api.addUsagePlan('UpstreamPlan', {
        description: 'Upstream systems posting churn events. Add one API key per system.',
        throttle: API_THROTTLE,
        quota: { limit: 5_000_000, period: Period.DAY },
        apiStages: [{ stage: this.api.deploymentStage }],
      });
      plan.addApiKey(
        this.api.addApiKey('UpstreamKey', { description: 'First upstream system; rotate or add more in the console or with the CLI.' }),
      );
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Every method requires an API key with a usage plan (the chosen scheme for server-to-server upstream systems); IAM is available with apiAuth "iam".',
      });
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'Callers are servers, not end users: API keys (or IAM) rather than a Cognito user pool.',
      });
    } else {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'Callers are servers authenticated with IAM (SigV4), not end users of a Cognito user pool.',
      });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason: 'The handler validates every request with zod and names every invalid field; a gateway validator would answer with less.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason: 'WAF is left to the operator (it costs per web ACL); the usage plan throttles each key.',
    });
  }
}
