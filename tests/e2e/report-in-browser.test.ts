import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLake } from '#shared/adapters/local/duckdb-lake';
import { formatNumber, type NumberKind } from '#shared/report/format';
import { REPORT_QUERY_NAMES, ROW_KEYS, type ReportQueryName, runReportQuery } from '#shared/report/queries';
import { readReportSql } from '#shared/report/sql-files';
import { openOffline, type OfflinePage, renderedCharts } from '../support/offline-page.ts';
import { buildReportLake } from '../support/report-cohort.ts';

/**
 * The report as a person sees it: a generated cohort through the real engine and the nightly job,
 * `npm run report` (bin/report.ts), then the file opened in headless Chromium (Debian's, as
 * .ci/run installs it) with every network request blocked. A screenshot is kept in
 * test-artifacts/ (git-ignored).
 */

const run = promisify(execFile);
const NIGHT = '2027-03-01';
const ARTIFACTS = resolve('test-artifacts');
const REPORT_FILE = join(ARTIFACTS, 'report.html');
interface PageNumber {
  query: ReportQueryName;
  key: string;
  column: string;
  kind: NumberKind;
  value: number | null;
  text: string;
}

let dataDir: string;
let browser: OfflinePage;
let page: Page;
const answers = {} as Record<ReportQueryName, Array<Record<string, unknown>>>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'winback-report-e2e-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  await buildReportLake(join(dataDir, 'lake'), { customers: 1000, seed: 7, firstChurn: '2026-01-03T09:00:00Z', months: 3, night: NIGHT });
  await run(process.execPath, ['--import', 'tsx', 'bin/report.ts', '--out', REPORT_FILE], {
    env: { ...process.env, WINBACK_DATA_DIR: dataDir },
  });

  // The query answers the page must show, as the report's own SQL gives them.
  const lake = await openLake(join(dataDir, 'lake'));
  try {
    for (const name of REPORT_QUERY_NAMES) answers[name] = await runReportQuery(lake, readReportSql(), name, NIGHT);
  } finally {
    lake.close();
  }

  browser = await openOffline(REPORT_FILE);
  page = browser.page;
}, 300_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the KPI report in headless Chromium', () => {
  it('loads nothing from the network, runs no script and logs no error', async () => {
    expect(browser.requests).toEqual([]);
    expect(browser.consoleErrors).toEqual([]);
    expect(await page.locator('script').count()).toBe(0);
  });

  it('renders every chart: an SVG with data marks, laid out at a readable size', async () => {
    const charts = await renderedCharts(page);
    expect(charts.map((c) => c.id)).toEqual([
      'programme-rates',
      'programme-incremental',
      'programme-cost',
      'variants',
      'breakdown-exit_reason',
      'breakdown-segment',
      'breakdown-channel',
      'funnel',
      'retention',
      'nps',
      'tasks',
    ]);
    for (const chart of charts) {
      expect(chart.marks, chart.id!).toBeGreaterThan(0);
      expect(chart.width, chart.id!).toBeGreaterThan(250);
      expect(chart.height, chart.id!).toBeGreaterThan(80);
    }
    // One bar per arm and cohort month with a rate: the chart draws what the query answered.
    const programme = answers.groups.filter((row) => row.grain === 'programme');
    const bars = programme.flatMap((row) => [row.treatment_rate, row.control_rate]).filter((rate) => rate !== null);
    expect(await page.locator('[data-chart="programme-rates"] .layer_0_marks > path').count()).toBe(bars.length);
  });

  it('shows exactly the numbers the queries answered, each rounded for people', async () => {
    const numbers: PageNumber[] = await page.locator('[data-query]').evaluateAll((spans) =>
      spans.map((span) => ({
        query: span.getAttribute('data-query') as ReportQueryName,
        key: span.getAttribute('data-key')!,
        column: span.getAttribute('data-column')!,
        kind: span.getAttribute('data-kind') as NumberKind,
        value: JSON.parse(span.getAttribute('data-value')!) as number | null,
        text: span.textContent!,
      })),
    );
    expect(numbers.length).toBeGreaterThan(200);
    for (const number of numbers) {
      const keyOf = ROW_KEYS[number.query] as (row: Record<string, unknown>) => string;
      const rows = answers[number.query].filter((row) => keyOf(row) === number.key);
      expect(rows, `${number.query} ${number.key}`).toHaveLength(1);
      expect(number.value, `${number.query} ${number.key} ${number.column}`).toBe(rows[0]![number.column]);
      expect(number.text).toBe(formatNumber(number.kind, number.value));
    }
    // Every row of the programme and every funnel stage is on the page.
    for (const row of answers.groups.filter((r) => r.grain === 'programme'))
      expect(numbers.some((n) => n.key === ROW_KEYS.groups(row as never) && n.column === 'incremental_winbacks')).toBe(true);
    expect(numbers.filter((n) => n.query === 'funnel').map((n) => n.column)).toEqual(
      expect.arrayContaining(['eligible', 'contacted', 'delivered', 'clicked', 'returned', 'returned_before_contact']),
    );
  });

  it("shows the programme per cohort month as npm run query reads the night's programme rows from winback.kpis", async () => {
    const sql = `SELECT cohort_month, eligible, returned, winback_rate, control_eligible, control_returned, control_rate, lift, lift_ci_low,
        lift_ci_high, relative_lift, incremental_winbacks, incremental_winbacks_ci_low, incremental_winbacks_ci_high, min_detectable_lift,
        cost_per_incremental_winback, incremental_cost_vs_acquisition
      FROM winback.kpis WHERE CAST(dt AS VARCHAR) = '${NIGHT}' AND grain = 'programme' AND arm = 'treatment'
        AND eligible + COALESCE(control_eligible, 0) > 0 ORDER BY cohort_month`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bin/query.ts', '--json', sql], {
      env: { ...process.env, WINBACK_DATA_DIR: dataDir },
    });
    const kpis = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, number | string | null>);
    expect(kpis.length).toBeGreaterThan(1);
    // (Months with no eligible journey, only ineligible churns, are left out of the page.) The page
    // names the treatment arm's columns after the arm; the rest as the table does.
    const onPage: Record<string, string> = {
      eligible: 'treatment_eligible',
      returned: 'treatment_returned',
      winback_rate: 'treatment_rate',
    };
    const values = new Map(
      await page
        .locator('[data-query="groups"][data-key^="programme|"]')
        .evaluateAll((spans) =>
          spans.map((span) => [`${span.getAttribute('data-key')} ${span.getAttribute('data-column')}`, span.getAttribute('data-value')!]),
        ),
    );
    for (const { cohort_month, ...columns } of kpis) {
      for (const [column, value] of Object.entries(columns)) {
        const shown = values.get(`programme|${cohort_month}|| ${onPage[column] ?? column}`);
        // An interval is shown only when both bounds exist.
        if (shown === undefined) expect(value, `${cohort_month} ${column} not shown`).toBeNull();
        else expect(JSON.parse(shown), `${cohort_month} ${column}`).toBe(value);
      }
    }
  });

  it('warns in words wherever a group is too small to read', async () => {
    const small = answers.groups.filter((row) => row.too_small);
    expect(small.length).toBeGreaterThan(0);
    expect(await page.locator('.warning').count()).toBeGreaterThan(0);
    // Every group too small to read has its row marked; the programme's rows are in two tables.
    const programme = small.filter((row) => row.grain === 'programme').length;
    expect(await page.locator('tr.too-small').count()).toBe(small.length + programme);
  });

  it('keeps a full-page screenshot as a test artifact', async () => {
    const png = await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });
});
