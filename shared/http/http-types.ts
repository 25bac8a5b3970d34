/** A transport-neutral HTTP request: API Gateway events and node:http requests both map to it. */
export interface HttpRequest {
  method: string;
  path: string;
  /** Header names lower-cased. */
  headers: Readonly<Record<string, string | undefined>>;
  body?: string | undefined;
  /** Set by a transport that stopped reading a body over the size limit. */
  bodyTooLarge?: boolean;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface RouteRequest extends HttpRequest {
  params: Record<string, string>;
  /** The parsed JSON body (undefined when there was none). */
  json: unknown;
}

export interface RouteResult {
  status: number;
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path with `{param}` segments, e.g. `/v1/customers/{customerId}`. */
  path: string;
  handler: (request: RouteRequest) => Promise<RouteResult>;
}
