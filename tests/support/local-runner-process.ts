import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { OutboxMessage } from '#shared/adapters/local/outbox-channel';
import type { CustomerView } from '#shared/domain/view';

export interface RunnerProcess {
  url: string;
  apiKey: string;
  /** Calls the runner with the API key (unless `apiKey: null`). */
  call(method: string, path: string, body?: unknown, options?: { apiKey?: string | null }): Promise<{ status: number; body: any }>;
  /** Everything it printed so far, stdout and stderr interleaved as received. */
  output(): string;
  stop(): Promise<void>;
  /**
   * Kills the runner and every process it started outright (SIGKILL to its process group, as
   * `kill -9` would): no shutdown code runs. Only for a runner started with `ownProcessGroup`.
   */
  kill(): Promise<void>;
}

/** Options of {@link startRunnerProcess}. */
export interface RunnerProcessOptions {
  /** Starts the runner as the leader of its own process group, so `kill()` can take down the whole group. */
  ownProcessGroup?: boolean;
  /** Command-line arguments, as after `npm start --`. */
  args?: readonly string[];
}

/**
 * Starts the local runner exactly as `npm start` does (tsx bin/local.ts) in a child process,
 * on a free port, and waits for its "listening on" line.
 */
export async function startRunnerProcess(env: Record<string, string>, options: RunnerProcessOptions = {}): Promise<RunnerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts', ...(options.args ?? [])], {
    env: { ...process.env, PORT: '0', POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup === true,
  });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner did not start in 60 s:\n${output}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runner exited with ${code}:\n${output}`));
    });
  });
  const apiKey = env.WINBACK_API_KEY ?? 'local-dev-key';
  return {
    url,
    apiKey,
    output: () => output,
    async call(method, path, body, options = {}) {
      const key = options.apiKey === undefined ? apiKey : options.apiKey;
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'x-api-key': key }) },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      const isJson = response.headers.get('content-type')?.includes('json');
      return { status: response.status, body: text && isJson ? JSON.parse(text) : text || undefined };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
    async kill() {
      if (!options.ownProcessGroup) throw new Error('kill() needs a runner started with ownProcessGroup');
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    },
  };
}

/** What the runner's outbox holds for one customer, in the order sent. */
export async function outboxFor(runner: RunnerProcess, customerId: string): Promise<OutboxMessage[]> {
  const answer = await runner.call('GET', '/local/outbox');
  return (answer.body.messages as OutboxMessage[]).filter((message) => message.customerId === customerId);
}

/** `GET /v1/customers/{id}`, typed as the API answers it. */
export async function viewOf(runner: RunnerProcess, customerId: string): Promise<CustomerView> {
  const answer = await runner.call('GET', `/v1/customers/${customerId}`);
  if (answer.status !== 200) throw new Error(`GET /v1/customers/${customerId}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as CustomerView;
}
