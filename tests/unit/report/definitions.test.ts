import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPORT_DEFINITIONS } from '#shared/report/definitions';

const docs = readFileSync(new URL('../../../docs/kpis.md', import.meta.url), 'utf8');
const reportSection = docs.slice(docs.indexOf('## The report'));
/** The section's two-column table rows, cells trimmed (the formatter pads them). */
const documented = new Map(
  reportSection
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter((cells) => cells.length === 4 && cells[0] === '' && cells[3] === '')
    .map((cells) => [cells[1]!, cells[2]!]),
);

describe('the report’s definitions', () => {
  it('are in docs/kpis.md, "The report", word for word, as the page prints them', () => {
    expect(reportSection.startsWith('## The report')).toBe(true);
    for (const { term, meaning } of REPORT_DEFINITIONS) expect(documented.get(term), term).toBe(meaning);
  });

  it('define each term once', () => {
    const terms = REPORT_DEFINITIONS.map((d) => d.term);
    expect(new Set(terms).size).toBe(terms.length);
  });
});
