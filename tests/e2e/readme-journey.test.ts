import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churnInput } from '../fixtures/events.ts';
import { startRunnerProcess } from '../support/local-runner-process.ts';

/**
 * The README's "One minute with curl", run as written: its shell block, taken from README.md, in
 * bash with job control on (as in a terminal, where `kill %1` stops the whole `npm start` job),
 * against a data folder an earlier plain `npm start` left behind, twice. So the README cannot
 * drift from what the commands do.
 */

const README = readFileSync('README.md', 'utf8');

/** The first ```sh block after the "One minute with curl" heading. */
function journeyBlock(): string {
  const section = README.slice(README.indexOf('## One minute with curl'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no sh block under "One minute with curl"');
  return block;
}

/** What the README says the outbox shows: its quoted snippet of the first SMS. */
const quotedSms = () => /# the first SMS \("…(.+?)…"\)/.exec(journeyBlock())?.[1];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the block in bash, as its own process group (killed whole if it overruns). */
function runBlock(env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -m\n${journeyBlock()}\nwait`], {
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`the README block did not finish in 120 s:\n${stdout}\n${stderr}`));
    }, 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the README's curl journey", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-readme-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('works as written after a plain npm start, and again after itself', { timeout: 300_000 }, async () => {
    // Prepare: what a new operator did first: a plain `npm start`, a churn posted today, stopped.
    const plain = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir });
    await plain.call('POST', '/v1/events', churnInput({ eventId: 'evt-today', customerId: 'c-7', occurredAt: new Date().toISOString() }));
    await plain.stop();

    for (const round of [1, 2]) {
      // Act
      const env = { WINBACK_DATA_DIR: dataDir, PORT: String(await freePort()) };
      const ran = await runBlock(env);

      // Assess: each answer as the README's comments say, and the runner stopped by `kill %1`.
      const out = ran.stdout;
      expect(ran.stderr, `round ${round}`).not.toMatch(/curl: \(\d+\)/);
      expect(out).toContain('Winback local runner listening on');
      expect(out).toContain('clock:    2026-01-05T08:00:00.000Z   (virtual, started at WINBACK_START_TIME;');
      expect(out).toMatch(/\{"eventId":"evt-1","status":"accepted","eventRef":"[0-9a-f]{16}"\}/);
      expect(out).toMatch(/\{"eventId":"evt-2","status":"accepted","eventRef":"[0-9a-f]{16}"\}/);
      const clockMoves = [...out.matchAll(/\{"now":"[^"]+","fired":(\d+)\}/g)].map((m) => Number(m[1]));
      expect(clockMoves).toEqual([1, 0]);
      const outbox = JSON.parse(/\{"messages":.*\}/.exec(out)![0]) as {
        messages: Array<{ customerId: string; channel: string; text: string }>;
      };
      expect(outbox.messages).toHaveLength(1);
      expect(outbox.messages[0]).toMatchObject({ customerId: 'c-42', channel: 'sms' });
      expect(outbox.messages[0]!.text).toContain(quotedSms());
      const views = [...out.matchAll(/^\{"customerId":"c-42".*$/gm)].map((m) => JSON.parse(m[0]) as { status: string; journey: any });
      expect(views.map((view) => view.status)).toEqual(['active', 'won_back']);
      expect(views[0]!.journey.touches.map((touch: { status: string }) => touch.status)).toEqual(['planned', 'planned']);
      expect(views[0]!.journey.touches[0].dueAtLocal).toMatch(/\+01:00$/);
      expect(views[0]!.journey.touches[0].text).toContain(quotedSms());
      await expect.poll(() => existsSync(join(dataDir, 'runner.lock')), { timeout: 15_000 }).toBe(false);
    }
  });
});
