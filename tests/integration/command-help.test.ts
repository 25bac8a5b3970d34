import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * Every command an operator runs (`npm run <script>` for a `tsx` script of package.json) prints
 * its help on `--help` and exits 0, and answers an unknown option with one line naming it, the
 * usage and where the help is, exit 2: never a stack trace, and never doing its work anyway.
 */
const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
const commands = Object.entries(scripts)
  .map(([name, line]) => ({ name, file: /^tsx ((?:bin|scripts)\/\S+\.ts)$/.exec(line)?.[1] }))
  .filter((command): command is { name: string; file: string } => command.file !== undefined);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(file: string, args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ['--import', 'tsx', file, ...args], {
      env: { ...process.env, WINBACK_DATA_DIR: '/nonexistent-winback-help-test' },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe.concurrent('every operator command has a --help and refuses an unknown option in one line', () => {
  it('finds the commands in package.json', () => {
    expect(commands.map(({ name }) => name)).toEqual(
      expect.arrayContaining(['start', 'query', 'report', 'policy', 'simulate', 'cohort', 'bench', 'load', 'cost', 'dlq:replay']),
    );
  });

  it.each(commands)('npm run $name -- --help', async ({ name, file }) => {
    const help = await run(file, ['--help']);
    expect(help.code, help.stderr).toBe(0);
    const command = name === 'start' ? 'npm start' : `npm run ${name}`;
    expect(help.stdout).toContain(`Usage:\n  ${command} --`);
    expect(help.stdout).toMatch(/-h, --help +print this help and exit/);
  });

  it.each(commands)('npm run $name -- --no-such-option', async ({ name, file }) => {
    const wrong = await run(file, ['--no-such-option']);
    expect(wrong.code).toBe(2);
    const command = name === 'start' ? 'npm start' : `npm run ${name}`;
    expect(wrong.stderr).toContain(`${command}: Unknown option '--no-such-option'`);
    expect(wrong.stderr).toContain(`help:  ${command} -- --help`);
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
  });
});
