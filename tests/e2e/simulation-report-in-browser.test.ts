import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNumber, type NumberKind } from '#shared/report/format';
import type { SimulationSummary } from '#shared/simulator/summary-file';
import { generateCohort } from '../../scripts/cohort.ts';
import { openOffline, type OfflinePage, renderedCharts } from '../support/offline-page.ts';

/**
 * The simulator's report as a person sees it: `npm run simulate` over a generated cohort with two
 * policies, then report.html opened in headless Chromium (Debian's, as .ci/run installs it) with
 * every request but the file itself refused. The screenshot is kept in test-artifacts/
 * (git-ignored).
 */
const run = promisify(execFile);
const OUT = resolve('test-artifacts', 'simulation');
const REPORT = join(OUT, 'report.html');
let workDir: string;
let browser: OfflinePage;
let page: Page;
let summary: SimulationSummary;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'winback-sim-report-'));
  mkdirSync(OUT, { recursive: true });
  const cohort = join(workDir, 'cohort.jsonl');
  writeFileSync(
    cohort,
    generateCohort({ customers: 400, seed: 5, returnShare: 0.12 })
      .map((e) => `${JSON.stringify(e)}\n`)
      .join(''),
  );
  await run(process.execPath, [
    '--import',
    'tsx',
    'bin/simulate.ts',
    '--cohort',
    cohort,
    '--policy',
    'examples/policies/telecom-port-out.v2.json',
    '--policy',
    'examples/policies/telecom-port-out-early.json',
    '--out',
    OUT,
  ]);
  summary = JSON.parse(readFileSync(join(OUT, 'summary.json'), 'utf8'));

  browser = await openOffline(REPORT);
  page = browser.page;
  await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('the simulation report in headless Chromium', () => {
  it('loads nothing from the network, runs no script and logs no error', async () => {
    expect(browser.requests).toEqual([]);
    expect(browser.consoleErrors).toEqual([]);
    expect(await page.locator('script').count()).toBe(0);
  });

  it('renders every chart: an SVG with data marks, at a readable size', async () => {
    const charts = await renderedCharts(page);
    expect(charts.map((c) => c.id)).toEqual(['sends-by-day', 'sends-by-hour', 'channels', 'exclusions', 'workload', 'winbacks', 'costs']);
    for (const chart of charts) {
      expect(chart.marks, chart.id!).toBeGreaterThan(2);
      expect(chart.width, chart.id!).toBeGreaterThan(300);
      expect(chart.height, chart.id!).toBeGreaterThan(100);
    }
    // One bar per day with messages per policy: the two policies' send days, side by side.
    const dayBars = await page.locator('figure[data-chart="sends-by-day"] .mark-rect path').count();
    expect(dayBars).toBe(summary.policies.reduce((sum, p) => sum + p.messages.byDaySinceChurn.length, 0));
  });

  it('shows every figure of summary.json as it is there, rounded for people', async () => {
    const cells = await page.locator('td[data-figure]').evaluateAll((tds) =>
      tds.map((td) => ({
        figure: td.getAttribute('data-figure')!,
        policy: td.getAttribute('data-policy')!,
        kind: td.getAttribute('data-kind')!,
        value: JSON.parse(td.getAttribute('data-value')!) as number | null,
        text: td.textContent!,
      })),
    );
    expect(cells.length).toBeGreaterThan(40);
    const at = (object: unknown, path: string) => path.split('.').reduce<any>((o, key) => o?.[key], object);
    for (const cell of cells) {
      const policy = summary.policies.find((p) => p.policy === cell.policy)!;
      const expected =
        at(policy, cell.figure) ?? (cell.figure.startsWith('excluded.byReason.') || cell.figure.startsWith('escalated.byTeam.') ? 0 : null);
      expect(cell.value, `${cell.policy} ${cell.figure}`).toBe(expected);
      expect(cell.text, `${cell.policy} ${cell.figure}`).toBe(formatNumber(cell.kind as NumberKind, cell.value));
    }
    // The two policies differ where they should: the first send day and the projected win-backs.
    const text = (policy: string, figure: string) => cells.find((c) => c.policy === policy && c.figure === figure)!.value!;
    expect(text('telecom-port-out-early@1', 'projection.winbacks')).toBeLessThan(text('telecom-port-out@2', 'projection.winbacks'));
  });
});
