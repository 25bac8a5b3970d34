import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from './http-types.ts';
import { decodeUtf8Body } from './utf8-body.ts';

/** API Gateway (REST, proxy integration) event → transport-neutral request. */
export function fromApiGatewayEvent(event: APIGatewayProxyEvent): HttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const query: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
  return { method: event.httpMethod, path: event.path, headers, query, ...bodyOf(event) };
}

/** A binary body comes base64-encoded, and may not be UTF-8; a text body API Gateway has decoded already. */
function bodyOf(event: APIGatewayProxyEvent): Pick<HttpRequest, 'body' | 'bodyNotUtf8'> {
  if (event.body === null || event.body === undefined) return {};
  return event.isBase64Encoded ? decodeUtf8Body(Buffer.from(event.body, 'base64')) : { body: event.body };
}

export function toApiGatewayResult(response: HttpResponse): APIGatewayProxyResult {
  return { statusCode: response.statusCode, headers: response.headers, body: response.body };
}
