import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLegacyTimeFiles, retireLegacyTimeFiles } from '#shared/adapters/local/legacy-time-files';
import type { TimerSpec } from '#shared/domain/journey/timers';

const timer = (name: string): TimerSpec => ({
  name,
  dueAt: '2026-02-04T10:00:00.000Z',
  timezone: 'UTC',
  payload: { customerId: 'c-1', touchId: `${name}-touch`, timerName: name },
});

describe('the clock and timer files of an earlier local runner', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'winback-legacy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('are read once: the clock, and the journal replayed (a del removes a put), then renamed out of the way', () => {
    // Prepare
    writeFileSync(join(dir, 'clock.json'), JSON.stringify({ now: '2026-02-01T00:00:00.000Z' }));
    const journal = [
      { op: 'put', timer: timer('wb-a') },
      { op: 'put', timer: timer('wb-b') },
      { op: 'del', name: 'wb-a' },
    ];
    writeFileSync(join(dir, 'timers.jsonl'), `${journal.map((line) => JSON.stringify(line)).join('\n')}\n`);

    // Act
    const legacy = readLegacyTimeFiles(dir);
    retireLegacyTimeFiles(dir);

    // Assess
    expect(legacy).toEqual({ clockMs: Date.parse('2026-02-01T00:00:00.000Z'), timers: [timer('wb-b')] });
    expect(readLegacyTimeFiles(dir)).toBeUndefined();
    expect(existsSync(join(dir, 'timers.jsonl.imported'))).toBe(true);
  });

  it('are absent from a fresh data folder', () => {
    expect(readLegacyTimeFiles(dir)).toBeUndefined();
  });
});
