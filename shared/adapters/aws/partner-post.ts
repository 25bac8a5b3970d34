import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * One HTTP POST to a partner's endpoint, told apart by what the partner may have received:
 * - `answered`: the partner answered, with its status and (the start of) its body;
 * - `unsent`: the request was never written (DNS failed, the connection was refused or never
 *   opened in time, it broke before the body was out): the partner cannot have acted on it;
 * - `unknown`: the request was written, but no answer came in time (or the connection broke): the
 *   partner may have acted on it.
 */
export type PostResult =
  | { kind: 'answered'; status: number; body: string }
  | { kind: 'unsent'; reason: string }
  | { kind: 'unknown'; reason: string };

export interface PostTimeouts {
  /** The connection (and TLS handshake) must open within this. */
  connectionTimeoutMs: number;
  /** The whole request, connection included, must be answered within this. */
  requestTimeoutMs: number;
}

/** The most of an answer's body kept: enough for a partner's reason, never a whole page. */
const MAX_ANSWER_BYTES = 4_096;

/**
 * POSTs `body` to `url` with `headers`. Never throws: a failure is a {@link PostResult}. No
 * keep-alive: a pooled connection the partner closed in the meantime would break after the
 * request was written, which reads as an unknown outcome. Redirects are not followed.
 */
export function postOnce(url: URL, headers: Record<string, string>, body: string, timeouts: PostTimeouts): Promise<PostResult> {
  return new Promise((resolve) => {
    let written = false;
    let status: number | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(requestTimer);
      resolve(result);
    };
    const answered = (): PostResult => ({
      kind: 'answered',
      status: status!,
      body: Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8'),
    });
    // Once the status is in, a body that stalls or breaks still leaves the answer.
    const failure = (error: NodeJS.ErrnoException): PostResult => {
      if (status !== undefined) return answered();
      const reason = error.code ?? error.message;
      return written ? { kind: 'unknown', reason } : { kind: 'unsent', reason };
    };
    const https = url.protocol === 'https:';
    const req = (https ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      agent: false,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    });
    const connectTimer = setTimeout(
      () => req.destroy(Object.assign(new Error('connection timeout'), { code: 'ECONNECTTIMEOUT' })),
      timeouts.connectionTimeoutMs,
    );
    const requestTimer = setTimeout(
      () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
      timeouts.requestTimeoutMs,
    );
    req.on('socket', (socket) => socket.once(https ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer)));
    // Every byte of the request is handed to the connection: from now on the partner may act on it.
    req.on('finish', () => {
      written = true;
    });
    req.on('error', (error: NodeJS.ErrnoException) => settle(failure(error)));
    req.on('response', (response) => {
      status = response.statusCode ?? 0;
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () => settle(answered()));
      response.on('error', (error: NodeJS.ErrnoException) => settle(failure(error)));
    });
    req.end(body);
  });
}
