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

/**
 * Refuses a body over the limit or not UTF-8, on every route: a route that ignores its body (a
 * one-click form post) still must not be handed 10 MB through API Gateway.
 */
function checkBody(request: HttpRequest, maxBodyBytes: number): void {
  // Buffer.byteLength counts a lone surrogate as the 3 bytes of U+FFFD, which is what UTF-8 would carry.
  if (request.bodyTooLarge || (request.body !== undefined && Buffer.byteLength(request.body, 'utf8') > maxBodyBytes)) {
    throw new PayloadTooLargeError(`body is larger than ${maxBodyBytes} bytes`, [
      { path: '(body)', code: 'too_big', message: `must be at most ${maxBodyBytes} bytes` },
    ]);
  }
  if (request.bodyNotUtf8)
    throw new ValidationError('body is not UTF-8', [{ path: '(body)', code: 'invalid_encoding', message: 'body is not valid UTF-8' }]);
}

/** JSON.parse builds `__proto__` keys as own properties (no pollution) and nests iteratively (no stack overflow). */
function parseJson(body: string | undefined): unknown {
  if (body === undefined || body === '') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    throw new ValidationError('body is not valid JSON', [{ path: '(body)', code: 'invalid_json', message: 'body is not valid JSON' }]);
  }
}

function decodeParam(value: string, name: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ValidationError(`path parameter ${name} is not valid percent-encoding`, [
      { path: name, code: 'invalid_encoding', message: 'not valid percent-encoding' },
    ]);
  }
}

/** A tiny router over transport-neutral requests: authorize, match, parse JSON, map errors. */
export function createRouter(options: RouterOptions): (request: HttpRequest) => Promise<HttpResponse> {
  const compiled = options.routes.map(compile);
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  return async (request) => {
    try {
      const candidates = compiled.map((c) => ({ c, match: c.pattern.exec(request.path) })).filter((x) => x.match);
      const method = request.method.toUpperCase();
      const hit = candidates.find((x) => x.c.route.method === method || (method === 'HEAD' && x.c.route.answersHead === true));
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
      checkBody(request, maxBodyBytes);
      const result = await route.handler({ ...request, params, json: route.rawBody ? undefined : parseJson(request.body) });
      if (result.raw)
        return {
          statusCode: result.status,
          headers: { 'content-type': result.raw.contentType, 'cache-control': 'no-store', ...result.headers },
          body: result.raw.text,
        };
      const answer = json(result.status, result.body);
      return result.headers ? { ...answer, headers: { ...answer.headers, ...result.headers } } : answer;
    } catch (error) {
      return errorResponse(error, options.logger);
    }
  };
}
