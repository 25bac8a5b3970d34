import { NotFoundError, PayloadTooLargeError, ValidationError } from '#shared/domain/errors';
import type { EngineLogger } from '#shared/ports/logger';
import { errorResponse, json } from './errors.ts';
import type { HttpRequest, HttpResponse, Route } from './http-types.ts';

/** 1 MiB: a full batch of 500 events fits with room to spare. */
export const MAX_BODY_BYTES = 1_048_576;

export interface RouterOptions {
  routes: readonly Route[];
  /** Throws UnauthorizedError to refuse; runs before routing, so unknown paths leak nothing. */
  authorize: (request: HttpRequest) => void;
  logger: EngineLogger;
  maxBodyBytes?: number;
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
}

function parseBody(request: HttpRequest, maxBodyBytes: number): unknown {
  if (request.bodyTooLarge) throw new PayloadTooLargeError(`body is larger than ${maxBodyBytes} bytes`);
  if (request.body === undefined || request.body === '') return undefined;
  if (Buffer.byteLength(request.body, 'utf8') > maxBodyBytes) throw new PayloadTooLargeError(`body is larger than ${maxBodyBytes} bytes`);
  try {
    return JSON.parse(request.body);
  } catch {
    throw new ValidationError('body is not valid JSON', [{ path: '(body)', code: 'invalid_json', message: 'body is not valid JSON' }]);
  }
}

function decodeParam(value: string, name: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ValidationError(`path parameter ${name} is not valid percent-encoding`, [{ path: name, code: 'invalid_encoding', message: 'not valid percent-encoding' }]);
  }
}

/** A tiny router over transport-neutral requests: authorize, match, parse JSON, map errors. */
export function createRouter(options: RouterOptions): (request: HttpRequest) => Promise<HttpResponse> {
  const compiled = options.routes.map(compile);
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  return async (request) => {
    try {
      const candidates = compiled.map((c) => ({ c, match: c.pattern.exec(request.path) })).filter((x) => x.match);
      const hit = candidates.find((x) => x.c.route.method === request.method.toUpperCase());
      // Authorize before anything else answers, so unknown paths and methods leak nothing.
      if (!hit?.c.route.selfAuthenticated) options.authorize(request);
      if (candidates.length === 0) throw new NotFoundError(`no route for ${request.path}`);
      if (!hit) {
        const allowed = candidates.map((x) => x.c.route.method).join(', ');
        const response = json(405, { error: { code: 'method_not_allowed', message: `use ${allowed}`, details: [] } });
        return { ...response, headers: { ...response.headers, allow: allowed } };
      }
      const params = Object.fromEntries(hit.c.names.map((name, i) => [name, decodeParam(hit.match![i + 1]!, name)]));
      const route = hit.c.route;
      const result = await route.handler({ ...request, params, json: route.rawBody ? undefined : parseBody(request, maxBodyBytes) });
      if (result.raw) return { statusCode: result.status, headers: { 'content-type': result.raw.contentType, 'cache-control': 'no-store' }, body: result.raw.text };
      return json(result.status, result.body);
    } catch (error) {
      return errorResponse(error, options.logger);
    }
  };
}
