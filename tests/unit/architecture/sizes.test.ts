import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Files in shared/ stay small enough to read in one sitting: at most 300 lines each, so a file
 * that grows past it is split by concept rather than left to sprawl. (Function length is checked
 * by Biome's `noExcessiveLinesPerFunction` in biome.json.)
 */

const MAX_LINES = 300;
const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));

/**
 * Files known to be over the limit, each being split in a change of its own. An entry here is
 * temporary: once its file is split, the second test below fails until the entry is removed.
 */
const PENDING_SPLIT: ReadonlySet<string> = new Set([
  // Being split separately; remove this entry when that lands.
  'shared/domain/policy.ts',
]);

/** Every `.ts` file under shared/, as a repository path (`shared/…`, forward slashes). */
function sharedTypeScriptFiles(): string[] {
  return readdirSync(SHARED, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => `shared/${file.split(sep).join('/')}`)
    .sort();
}

/** Lines as `wc -l` counts them, plus a last line that has no newline. */
function lineCount(path: string): number {
  const text = readFileSync(join(SHARED, '..', path), 'utf8');
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

describe('file sizes in shared/', () => {
  const sizes = sharedTypeScriptFiles().map((path) => ({ path, lines: lineCount(path) }));

  it('finds the TypeScript files it checks', () => {
    expect(sizes.length).toBeGreaterThan(50);
  });

  it(`has no .ts file over ${MAX_LINES} lines, but those pending a split`, () => {
    const oversized = sizes
      .filter(({ path, lines }) => lines > MAX_LINES && !PENDING_SPLIT.has(path))
      .map(({ path, lines }) => `${path}: ${lines} lines`);
    expect(oversized, `split these by concept into files of at most ${MAX_LINES} lines`).toEqual([]);
  });

  it('lists as pending a split only files that still exist and are still over the limit', () => {
    const stale = [...PENDING_SPLIT]
      .filter((path) => !sizes.some((size) => size.path === path && size.lines > MAX_LINES))
      .map((path) => `${path}: no longer over ${MAX_LINES} lines (or gone)`);
    expect(stale, 'remove these from PENDING_SPLIT').toEqual([]);
  });
});
