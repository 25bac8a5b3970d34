import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake endpoint received. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the fake endpoint answers. */
export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface FakeAwsEndpoint {
  /** e.g. `http://127.0.0.1:40123`, for a client's `endpoint`. */
  endpoint: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A tiny HTTP server standing in for an AWS service, for tests that need a REAL SDK client:
 * aws-sdk-client-mock replaces `client.send`, so the retry middleware and the protocol's error
 * parsing never run under it. `answer` gets each request and its 0-based index.
 */
export async function startFakeAwsEndpoint(answer: (request: RecordedRequest, index: number) => FakeAnswer): Promise<FakeAwsEndpoint> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const { status, headers = {}, body = '' } = answer(request, requests.length - 1);
      res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Credentials and region for a client pointed at a fake endpoint (the SDK insists on both). */
export const fakeAwsConfig = {
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
} as const;
