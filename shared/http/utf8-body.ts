import type { HttpRequest } from './http-types.ts';

/** Throws on bytes that are not UTF-8, where `Buffer#toString` would put U+FFFD in silently. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A body's bytes as text, or the mark that they are not UTF-8: a replaced byte would change an id
 * or a name without anyone noticing, so the router refuses the request instead.
 */
export function decodeUtf8Body(bytes: Uint8Array): Pick<HttpRequest, 'body' | 'bodyNotUtf8'> {
  try {
    return { body: strictUtf8.decode(bytes) };
  } catch {
    return { bodyNotUtf8: true };
  }
}
