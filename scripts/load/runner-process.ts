import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A local runner started for one load run, and what the run needs to watch it. */
export interface LoadRunner {
  url: string;
  apiKey: string;
  /** DynamoDB Local's endpoint, to read back what was stored. */
  dynamoEndpoint: string;
  /** The runner's Node process (its main thread is the event loop). */
  runnerPid: number;
  /** DynamoDB Local's Java process, a child of the runner. */
  javaPid: number;
  /** Stops the runner (which stops DynamoDB Local) and deletes its data folder. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 15_000;
/** How much of the runner's output to keep for an error message. */
const OUTPUT_TAIL_CHARS = 4_000;

/**
 * Starts the local runner exactly as `npm start` does (`tsx bin/local.ts`, default log level),
 * on a free port, with a fresh data folder and DynamoDB Local (`WINBACK_STORE=dynamodb-local`)
 * on a known port, and waits for its "listening on" line. Its output is read and dropped as it
 * comes: a runner writing to a pipe nobody drains would block on its log lines.
 */
export async function startLoadRunner(startTime: string, cpuProfileDir?: string): Promise<LoadRunner> {
  const dataDir = mkdtempSync(join(tmpdir(), 'winback-load-'));
  const apiKey = `load-${randomBytes(8).toString('hex')}`;
  const dynamoPort = await freePort();
  // Node writes the profile when the runner exits (on stop()); Chrome DevTools opens it.
  const profile = cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'bin/local.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      WINBACK_DATA_DIR: dataDir,
      // The load run reads DynamoDB Local back and samples its JVM: the runner's other store, not its default.
      WINBACK_STORE: 'dynamodb-local',
      WINBACK_DYNAMODB_PORT: String(dynamoPort),
      WINBACK_START_TIME: startTime,
      WINBACK_API_KEY: apiKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = once(child, 'exit');

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the runner did not start in ${START_TIMEOUT_MS / 1000} s:\n${output}`)),
      START_TIMEOUT_MS,
    );
    const watch = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off('data', watch);
      resolve(match[1]!);
    };
    child.stdout.on('data', watch);
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`the runner exited with ${code}:\n${output}`));
    });
  });

  const javaPid = childPid(child.pid!, 'java');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    // A runner killed outright never stopped its DynamoDB Local.
    if (javaPid !== undefined && child.signalCode === 'SIGKILL') process.kill(javaPid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (javaPid === undefined) {
    await stop();
    throw new Error('the runner is up but its DynamoDB Local (java) process was not found');
  }
  return { url, apiKey, dynamoEndpoint: `http://127.0.0.1:${dynamoPort}`, runnerPid: child.pid!, javaPid, stop };
}

/** The pid of `parent`'s child process whose command name is `comm`, from /proc. */
function childPid(parent: number, comm: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis.
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && name === comm) return Number(entry);
    } catch {
      // The process ended while /proc was being read.
    }
  }
  return undefined;
}

/** A port free right now (the OS picks it); DynamoDB Local binds it a moment later. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('could not pick a free port');
  return address.port;
}
