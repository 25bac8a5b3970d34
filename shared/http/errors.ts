import {
  DomainError,
  NotFoundError,
  PayloadTooLargeError,
  RecordTooLargeError,
  UnauthorizedError,
  ValidationError,
} from '#shared/domain/errors';
import type { EngineLogger } from '#shared/ports/logger';
import type { HttpResponse } from './http-types.ts';

/** The one place errors become HTTP answers. 5xx bodies are generic: no internals leak. */
export function errorResponse(error: unknown, logger: EngineLogger): HttpResponse {
  if (error instanceof DomainError) {
    const status =
      error instanceof ValidationError
        ? 400
        : error instanceof UnauthorizedError
          ? 401
          : error instanceof NotFoundError
            ? 404
            : error instanceof PayloadTooLargeError
              ? 413
              : error instanceof RecordTooLargeError
                ? 422
                : undefined;
    if (status !== undefined) return json(status, { error: { code: error.code, message: error.message, details: error.details } });
  }
  logger.error('request failed', {
    error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
  });
  return json(500, { error: { code: 'internal_error', message: 'internal error; the request can be retried safely', details: [] } });
}

export function json(statusCode: number, body: unknown): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}
