import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A mail as aws-ses-v2-local's `GET /store` lists it (the fields the tests read). */
export interface StoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  /** Custom headers of Simple content, as sent (the emulator keeps them). */
  headers?: Array<{ name: string; value: string }>;
}

export interface SesLocal {
  /** e.g. `http://127.0.0.1:40123`, for an SESv2Client's `endpoint`. */
  endpoint: string;
  /** Every mail received since the last `clear()`, oldest first. */
  emails(): Promise<StoredEmail[]>;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

type StartServer = (config?: { host?: string; port?: number }) => Promise<Server>;

/**
 * Starts aws-ses-v2-local in this process on a port the OS picks, so test files running side by
 * side never clash. Its store is module state: each file (one worker each) has its own.
 */
export async function startSesLocal(): Promise<SesLocal> {
  // The package is CommonJS with `exports.default`: vitest's module runner hands it over as
  // `.default` (TOOLING.md), plain Node ESM as `.default.default`. Accept both.
  const imported = (await import('aws-ses-v2-local')).default as unknown;
  const start = (typeof imported === 'function' ? imported : (imported as { default: unknown }).default) as StartServer;
  const server = await start({ host: '127.0.0.1', port: 0 });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    emails: async () => ((await (await fetch(`${endpoint}/store`)).json()) as { emails: StoredEmail[] }).emails,
    clear: async () => {
      await fetch(`${endpoint}/clear-store`, { method: 'POST' });
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        // Keep-alive sockets from the SDK would hold close() open.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Credentials and region for a client of the emulator (it checks neither, the SDK wants both). */
export const sesLocalClientConfig = {
  region: 'eu-west-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;
