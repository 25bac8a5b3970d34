import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandError } from '../../../bin/cli.ts';
import { DATA_FOLDER_ENTRIES, LOCK_FILE, lockDataFolder, resetDataFolder } from '../../../bin/data-folder.ts';

/** The id of a process that ran and has exited: what a killed runner leaves in its lock. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('the data folder lock', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'winback-lock-')), 'data');
  });
  afterEach(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  it('writes the holder’s pid, refuses a second holder while it runs, and frees the folder on release', () => {
    // Prepare: the folder held by a process that runs (this test's parent).
    const lock = lockDataFolder(dataDir);
    const file = join(dataDir, LOCK_FILE);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid });
    const held = JSON.stringify({ pid: process.ppid, startedAt: '2026-01-05T08:00:00.000Z' });
    lock.release();
    writeFileSync(file, held);

    // Act
    let refusal: unknown;
    try {
      lockDataFolder(dataDir);
    } catch (error) {
      refusal = error;
    }

    // Assess: one line naming the holder and what to do; the holder's lock untouched.
    expect(refusal).toBeInstanceOf(CommandError);
    expect((refusal as Error).message).toBe(
      `The data folder ${dataDir}/ is in use by another Winback runner (pid ${process.ppid}): stop that one, or start this one with another WINBACK_DATA_DIR. (If no runner is running, delete ${file}.)`,
    );
    expect(readFileSync(file, 'utf8')).toBe(held);
  });

  it('takes over a lock left by a process that no longer runs, or a half-written one', () => {
    for (const stale of [JSON.stringify({ pid: deadPid() }), '{"pid": 12']) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dataDir, LOCK_FILE), stale);

      const lock = lockDataFolder(dataDir);

      expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
      expect(readdirSync(dataDir)).toEqual([LOCK_FILE]);
      lock.release();
      expect(existsSync(lock.file)).toBe(false);
    }
  });

  it('release leaves a lock another runner took meanwhile', () => {
    const lock = lockDataFolder(dataDir);
    const other = JSON.stringify({ pid: process.ppid });
    writeFileSync(lock.file, other);

    lock.release();

    expect(readFileSync(lock.file, 'utf8')).toBe(other);
  });
});

describe('--reset', () => {
  it('removes what a runner wrote, and nothing else', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'winback-reset-'));
    for (const name of DATA_FOLDER_ENTRIES) {
      if (name === 'lake' || name === 'dynamodb') mkdirSync(join(dataDir, name, 'dt=2026-01-05'), { recursive: true });
      else writeFileSync(join(dataDir, name), 'x');
    }
    writeFileSync(join(dataDir, 'notes.txt'), 'mine');
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.pid }));

    resetDataFolder(dataDir);

    expect(readdirSync(dataDir).sort()).toEqual(['notes.txt', LOCK_FILE]);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
