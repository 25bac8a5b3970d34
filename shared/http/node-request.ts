import type { IncomingMessage } from 'node:http';
import type { HttpRequest } from './http-types.ts';
import { decodeUtf8Body } from './utf8-body.ts';

/**
 * The path (still percent-encoded: the router decodes parameters itself) and the query of a
 * request target, taken apart by hand. `new URL(target, base)` throws on `//` and reads `//v1/x`
 * as host `v1`, path `/x`; a target is a path here, or an absolute URL from a proxy.
 */
export function splitTarget(target: string): { path: string; query: Record<string, string> } {
  const origin = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i.exec(target)?.[0] ?? '';
  const rest = target.slice(origin.length);
  const mark = rest.indexOf('?');
  const query = Object.fromEntries(new URLSearchParams(mark < 0 ? '' : rest.slice(mark + 1)));
  return { path: (mark < 0 ? rest : rest.slice(0, mark)) || '/', query };
}

/** The body, unless it is over `maxBytes` (then not buffered past them) or not UTF-8. */
async function readBody(request: IncomingMessage, maxBytes: number): Promise<Pick<HttpRequest, 'body' | 'bodyNotUtf8' | 'bodyTooLarge'>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return { bodyTooLarge: true };
    chunks.push(chunk);
  }
  return decodeUtf8Body(Buffer.concat(chunks));
}

/** A node:http request → transport-neutral request (the local runner's counterpart of api-gateway.ts). */
export async function fromNodeRequest(request: IncomingMessage, maxBodyBytes: number): Promise<HttpRequest> {
  const { path, query } = splitTarget(request.url ?? '/');
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(',') : value]),
  );
  return { method: request.method ?? 'GET', path, headers, query, ...(await readBody(request, maxBodyBytes)) };
}
