import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The README and docs/ link to each other by relative paths and heading anchors; a renamed page
 * or heading would leave readers at a dead link. The README stays short on purpose: it says what
 * Winback is and where to read on.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const README_MAX_BYTES = 10 * 1024;

/** Markdown without fenced code blocks, where `# comment` is no heading and `](x)` no link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** GitHub's heading anchor: lowercase, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor of a page, with GitHub's `-1`, `-2` suffixes for repeated headings. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, text] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(text!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Relative link targets of a page: `](path)`, `](path#anchor)`, `](#anchor)`; not URLs. */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

const pages = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(ROOT, 'docs', name)),
];

describe('slug', () => {
  it('follows GitHub: punctuation and backticks go, spaces become dashes', () => {
    expect(slug('What it costs per 1,000 churned customers')).toBe('what-it-costs-per-1000-churned-customers');
    expect(slug('Nightly KPI job (`npm run bench:kpi`)')).toBe('nightly-kpi-job-npm-run-benchkpi');
    expect(slug('Change a released policy (make a new version)')).toBe('change-a-released-policy-make-a-new-version');
    expect(slug('2. Settings')).toBe('2-settings');
  });
});

describe('README and docs', () => {
  it(`keeps the README at most ${README_MAX_BYTES} bytes`, () => {
    expect(statSync(join(ROOT, 'README.md')).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('links every docs page from the README', () => {
    const linked = new Set(relativeLinks(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((target) => target.split('#')[0]));
    const docs = pages.filter((page) => page.includes(`${join(ROOT, 'docs')}`)).map((page) => relative(ROOT, page));
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.filter((doc) => !linked.has(doc))).toEqual([]);
  });

  it.each(pages.map((page) => [relative(ROOT, page), page]))('%s: every relative link and anchor resolves', (_name, page) => {
    const broken: string[] = [];
    for (const target of relativeLinks(readFileSync(page, 'utf8'))) {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? page : join(dirname(page), decodeURIComponent(path));
      if (!existsSync(file)) {
        broken.push(`${target}: no file ${relative(ROOT, file)}`);
        continue;
      }
      if (anchor !== undefined && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor))
        broken.push(`${target}: no heading #${anchor} in ${relative(ROOT, file)}`);
    }
    expect(broken).toEqual([]);
  });
});
