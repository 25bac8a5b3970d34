import { execFile, execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { LocalConfigSchema } from '../../bin/local-config.ts';
import { churnInput } from '../fixtures/events.ts';
import { startRunnerProcess, type RunnerProcess } from '../support/local-runner-process.ts';

/**
 * The first minutes of an operator with `npm start`: its help, and every mistake that stops it
 * ending in one clear line and a non-zero exit, never a stack trace.
 */

const START = '2026-01-05T08:00:00Z';
const PORT_OUT = `${telecomPortOut.id}@${telecomPortOut.version}`;

interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (it must end within 60 s). */
function runToEnd(file: string, args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { ...process.env, PORT: '0', POWERTOOLS_LOG_LEVEL: 'WARN', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `npm start` (tsx bin/local.ts) run to its end: only for starts that must fail. */
const startToEnd = (env: Record<string, string>, args: string[] = []) =>
  runToEnd(process.execPath, ['--import', 'tsx', 'bin/local.ts', ...args], env);

/** A stack frame line, as Node prints them. */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

describe('npm start and npm run query: --help', () => {
  it('npm start -- --help lists every option and every setting, exit 0', async () => {
    const run = await runToEnd('npm', ['start', '--silent', '--', '--help']);

    expect(run.code).toBe(0);
    for (const option of ['--reset', '--help']) expect(run.stdout).toContain(option);
    for (const variable of Object.keys(LocalConfigSchema.shape)) expect(run.stdout).toMatch(new RegExp(`^  ${variable} +\\S`, 'm'));
    expect(run.stdout).toContain(
      'WINBACK_DATA_DIR              the data folder: customers, timers, clock, outbox, lake (default: .winback)',
    );
  });

  it('npm run query -- --help lists its options and WINBACK_DATA_DIR, exit 0', async () => {
    const run = await runToEnd('npm', ['run', '--silent', 'query', '--', '--help']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('-f, --file <path.sql>');
    expect(run.stdout).toContain('--json');
    expect(run.stdout).toMatch(/^ {2}WINBACK_DATA_DIR +.*\(default: \.winback\)$/m);
  });

  it('a mistake on the command line: one line naming it, the usage, exit 2', async () => {
    const run = await startToEnd({}, ['--rest']);

    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe("npm start: Unknown option '--rest'");
    expect(run.stderr).toContain('help:  npm start -- --help');
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });
});

describe('npm start: what stops it, and what it says', () => {
  let root: string;
  const folder = (name: string) => join(root, name);
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'winback-startup-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('an invalid setting: every one named, exit 1', async () => {
    const run = await startToEnd({ WINBACK_DATA_DIR: folder('settings'), PORT: 'http', WINBACK_API_KEY: 'short' });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^invalid local runner settings:\n {2}PORT: .+\n {2}WINBACK_API_KEY: must be at least 8 characters\n$/);
  });

  it('bad policy files: every problem of every file named, exit 1, the data folder untouched', async () => {
    // Prepare: a missing file, broken JSON, and a policy with a bad field.
    const broken = join(root, 'broken.json');
    const invalid = join(root, 'invalid.json');
    writeFileSync(broken, '{"id": "x",}');
    writeFileSync(invalid, JSON.stringify({ ...telecomPortOut, quietDays: 'thirty' }));
    const dataDir = folder('policies');

    // Act
    const run = await startToEnd({ WINBACK_DATA_DIR: dataDir, WINBACK_POLICY_FILE: `${join(root, 'missing.json')},${broken},${invalid}` });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')).toEqual([
      `Invalid policy file ${join(root, 'missing.json')}:`,
      '  no such file',
      `Invalid policy file ${broken}:`,
      expect.stringMatching(/^ {2}not valid JSON: .+ \(line 1, column 12\)$/),
      `Invalid policy file ${invalid}:`,
      expect.stringMatching(/^ {2}quietDays: /),
      '',
    ]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('a busy port: one line, exit 1, and the data folder free again', async () => {
    // Prepare: something else listens on the port.
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = folder('busy-port');

    // Act
    const run = await startToEnd({ WINBACK_DATA_DIR: dataDir, PORT: String(port) });
    await new Promise<void>((resolve) => blocker.close(() => resolve()));

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `Port ${port} on 127.0.0.1 is in use (another runner, or another program): stop it, or set PORT to a free port.\n`,
    );
    expect(readdirSync(dataDir)).not.toContain('runner.lock');
  });

  describe('with a runner running', () => {
    let first: RunnerProcess | undefined;
    afterAll(async () => first?.stop());

    it('a second runner on its data folder is refused with one line, exit 1; once the first stops, it starts', async () => {
      // Prepare
      const dataDir = folder('locked');
      first = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir });

      // Act
      const second = await startToEnd({ WINBACK_DATA_DIR: dataDir });
      await first.stop();
      const third = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir });
      await third.stop();

      // Assess
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(
          `^The data folder ${dataDir}/ is in use by another Winback runner \\(pid \\d+\\): stop that one, or start this one with another WINBACK_DATA_DIR\\. .+\\n$`,
        ),
      );
      expect(third.output()).toContain('listening on');
    });
  });

  it('a data folder started from the wall clock refuses WINBACK_START_TIME in one line, exit 1; --reset starts over there', async () => {
    // Prepare: a plain `npm start` first, as a new operator would.
    const dataDir = folder('stale');
    const plain = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir });
    await plain.call('POST', '/v1/events', churnInput({ eventId: 'plain-1', customerId: 'stale-1', occurredAt: new Date().toISOString() }));
    await plain.stop();

    // Act
    const refused = await startToEnd({ WINBACK_DATA_DIR: dataDir, WINBACK_START_TIME: START });
    const reset = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir, WINBACK_START_TIME: START }, { args: ['--reset'] });
    const clock = await reset.call('GET', '/local/clock');
    const customer = await reset.call('GET', '/v1/customers/stale-1');
    await reset.stop();

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^The data folder ${dataDir}/ holds a virtual clock at \\S+ from an earlier run started from the wall clock, so WINBACK_START_TIME=${START} cannot apply: run npm start -- --reset .+\\.\\n$`,
      ),
    );
    expect(clock.body.now).toBe('2026-01-05T08:00:00.000Z');
    expect(reset.output()).toContain('clock:    2026-01-05T08:00:00.000Z   (virtual, started at WINBACK_START_TIME;');
    expect(customer.status).toBe(404);
  });

  it('prints the banner: address, key, clock, data folder, store, policies and what they plan, outbox; warns of churns nothing plans', async () => {
    // Prepare: the operator's own file, port-outs only.
    const file = join(root, 'port-out-only.json');
    writeFileSync(file, JSON.stringify(telecomPortOut));
    const dataDir = folder('banner');

    // Act
    const runner = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir, WINBACK_START_TIME: START, WINBACK_POLICY_FILE: file });
    const cancelled = churnInput({ eventId: 'banner-1', customerId: 'banner-1', occurredAt: START, churnKind: 'cancellation' });
    await runner.call('POST', '/v1/events', cancelled);
    const view = await runner.call('GET', '/v1/customers/banner-1');
    await runner.stop();

    // Assess
    const output = runner.output();
    expect(output).toContain(`Winback local runner listening on ${runner.url}\n`);
    expect(output).toContain('  API key:  local-dev-key   (default; set WINBACK_API_KEY to change it)\n');
    expect(output).toContain(
      '  clock:    2026-01-05T08:00:00.000Z   (virtual, started at WINBACK_START_TIME; POST /local/clock moves it)\n',
    );
    expect(output).toContain(
      `  data:     ${dataDir}/   (store: SQLite, ${join(dataDir, 'winback.db')}; held by this runner: ${join(dataDir, 'runner.lock')})\n`,
    );
    expect(output).toContain(`  policies: ${PORT_OUT}  port_out; all markets and brands\n`);
    expect(output).toContain(`            from WINBACK_POLICY_FILE=${file}\n`);
    expect(output).toContain(`  outbox:   GET /local/outbox   (also ${join(dataDir, 'outbox.jsonl')})\n`);
    expect(output).toContain(
      'warning: no policy plans cancellation churns: they get no journey (decision log: ineligible, no_policy_for_churn)',
    );
    expect(output).toContain('warning: no policy plans lapse churns');
    expect(view.body.status).toBe('no_journey');
    expect(view.body.history).toContainEqual(expect.objectContaining({ decision: 'ineligible', reason: 'no_policy_for_churn' }));
    expect(output).not.toMatch(STACK_FRAME);
  });

  it('stamps its log lines with the virtual clock, not the wall clock, and names events as docs/operations.md says to match them', async () => {
    const runner = await startRunnerProcess({ WINBACK_DATA_DIR: folder('logs'), WINBACK_START_TIME: START, POWERTOOLS_LOG_LEVEL: 'INFO' });
    const posted = await runner.call('POST', '/v1/events', churnInput({ eventId: 'log-1', customerId: 'log-1', occurredAt: START }));
    await runner.call('POST', '/local/clock', { advanceDays: 40 });
    await runner.stop();

    const lines = runner
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message: string; timestamp: string; eventRef?: string });
    const ingested = lines.find((line) => line.message === 'event ingested');
    expect(ingested?.timestamp).toBe('2026-01-05T08:00:00.000Z');
    // As docs/operations.md says ("Matching a log line to an event"): the answer's eventRef finds it,
    // and it is keyed, not the plain hash anyone could work out from an id built from a number.
    const { eventRef } = posted.body as { eventRef: string };
    expect(ingested?.eventRef).toBe(eventRef);
    expect(eventRef).not.toBe(execSync("printf '%s' 'log-1' | sha256sum | cut -c1-16", { encoding: 'utf8' }).trim());
    const sent = lines.find((line) => line.message === 'touch sent' || line.message === 'touch withheld (control group)');
    expect(Date.parse(sent!.timestamp)).toBeGreaterThanOrEqual(Date.parse('2026-02-04T08:00:00Z'));
    expect(Date.parse(sent!.timestamp)).toBeLessThanOrEqual(Date.parse('2026-02-14T08:00:00Z'));
  });
});
