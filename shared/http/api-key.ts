import { createHash, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '#shared/domain/errors';
import type { HttpRequest } from './http-types.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Refuses any request whose `x-api-key` is not `apiKey` (compared in constant time). */
export function apiKeyAuthorizer(apiKey: string): (request: HttpRequest) => void {
  const expected = digest(apiKey);
  return (request) => {
    const given = request.headers['x-api-key'];
    if (given === undefined || given === '') throw new UnauthorizedError('missing x-api-key header');
    if (!timingSafeEqual(digest(given), expected)) throw new UnauthorizedError('invalid API key');
  };
}
