/** A transport-neutral HTTP request: API Gateway events and node:http requests both map to it. */
export interface HttpRequest {
  method: string;
  path: string;
  /** Header names lower-cased. */
  headers: Readonly<Record<string, string | undefined>>;
  /** Query string parameters: the last value of a repeated name, as API Gateway's REST proxy gives it. */
  query?: Readonly<Record<string, string | undefined>>;
  body?: string | undefined;
  /** Set by a transport that stopped reading a body over the size limit. */
  bodyTooLarge?: boolean;
  /** Set by a transport whose body bytes were not UTF-8 (`body` is then absent). */
  bodyNotUtf8?: boolean;
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
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, instead of `body` (e.g. an HTML page), with this content type. */
  raw?: { contentType: string; text: string };
  /** More response headers (a redirect's `location`); header names lower-cased. */
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path with `{param}` segments, e.g. `/v1/customers/{customerId}`. */
  path: string;
  /**
   * The route authenticates each request itself (a signed token in the URL) instead of with the
   * API key: the one-click unsubscribe link an e-mail client follows carries no key.
   */
  selfAuthenticated?: boolean;
  /**
   * A GET route that answers HEAD too (the handler sees `method: 'HEAD'`; the transport sends no
   * body): a tracked link, which link previews probe with HEAD.
   */
  answersHead?: boolean;
  /** Hand the body over unparsed (`json` stays undefined): for form posts. */
  rawBody?: boolean;
  handler: (request: RouteRequest) => Promise<RouteResult>;
}
