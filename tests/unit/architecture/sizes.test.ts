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

  it(`has no .ts file over ${MAX_LINES} lines`, () => {
    const oversized = sizes.filter(({ lines }) => lines > MAX_LINES).map(({ path, lines }) => `${path}: ${lines} lines`);
    expect(oversized, `split these by concept into files of at most ${MAX_LINES} lines`).toEqual([]);
  });
});
