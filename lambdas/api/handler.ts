import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadLambdaEngine } from '#shared/adapters/aws/lambda-engine';
import { readLambdaEnvironment } from '#shared/config/lambda-environment';
import { fromApiGatewayEvent, toApiGatewayResult } from '#shared/http/api-gateway';
import { createRouter } from '#shared/http/router';
import { v1Routes } from '#shared/http/v1-routes';
import { unsubscribeRoutes } from '#shared/http/unsubscribe-routes';
import { linkRoutes } from '#shared/http/link-routes';
import { partnerPushRoutes } from '#shared/http/partner-push-routes';

const environment = readLambdaEnvironment('api');
const { deps, logger, unsubscribeKey, linkKey, partnerPushSecret } = await loadLambdaEngine(environment.engine, {
  partnerPushSecretArn: environment.partnerPush?.PARTNER_PUSH_SECRET_ARN,
});

// API Gateway has already authenticated the caller (API key with a usage plan, or IAM) before
// this function runs; the local runner checks its key in the same router instead. The
// unsubscribe and tracked-link routes check their signed token themselves, partner receipts their signature.
const routes = [
  ...v1Routes(deps),
  ...unsubscribeRoutes(deps, unsubscribeKey),
  ...linkRoutes(deps, linkKey),
  ...(partnerPushSecret !== undefined ? partnerPushRoutes(deps, partnerPushSecret) : []),
];
const route = createRouter({ routes, authorize: () => {}, logger });

/** The public v1 API: the same routes as the local runner. */
export const handler = middy(
  async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => toApiGatewayResult(await route(fromApiGatewayEvent(event))),
).use(injectLambdaContext(logger));
