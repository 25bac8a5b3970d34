import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeParquet } from '#shared/adapters/parquet';
import { KpiAggregator } from '#shared/domain/kpi/aggregate';
import { KPIS, type Row } from '#shared/domain/kpi/tables';
import { factRow } from '../support/kpi-facts.ts';

/** `npm run query` as an analyst runs it: a child process over a data folder, no AWS. */

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const REPO = fileURLToPath(new URL('../..', import.meta.url));

function query(dataDir: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/query.ts', ...args],
      { cwd: REPO, env: { ...process.env, WINBACK_DATA_DIR: dataDir } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/**
 * The kpis rows of the variant grain for cohort 2026-06, variant A: treatment 18/100 and control
 * 5/50, as the nightly job computes them.
 */
function kpiRows(): Row[] {
  const facts = [
    ...Array.from({ length: 100 }, (_, i) => ({ arm: 'treatment', back: i < 18 })),
    ...Array.from({ length: 50 }, (_, i) => ({ arm: 'control', back: i < 5 })),
  ].map(({ arm, back }, i) =>
    factRow({
      customer_hash: `h${i}`,
      journey_id: `j${i}`,
      cohort_month: '2026-06',
      churned_at: Date.parse('2026-06-01T00:00:00Z'),
      arm,
      ...(back
        ? { status: 'won_back', returned_within_window: true, returned_at: Date.parse('2026-07-11T00:00:00Z'), days_to_return: 40 }
        : {}),
    }),
  );
  const aggregator = new KpiAggregator();
  for (const fact of facts) aggregator.add(fact);
  return aggregator.rows(250).filter((row) => row.grain === 'variant');
}

let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'winback-query-'));
  const folder = join(dataDir, 'lake', 'kpis', 'dt=2026-11-23');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'part-0000.parquet'), encodeParquet(KPIS, kpiRows()));
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm run query', () => {
  it('prints the answer as an aligned table', async () => {
    // Act
    const run = await query(dataDir, 'SELECT arm, eligible, returned, winback_rate, dt FROM winback.kpis ORDER BY arm');

    // Assess
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.split('\n')).toEqual([
      'arm       | eligible | returned | winback_rate | dt',
      '----------+----------+----------+--------------+-----------',
      'control   |       50 |        5 |          0.1 | 2026-11-23',
      'treatment |      100 |       18 |         0.18 | 2026-11-23',
      '(2 rows)',
      '',
    ]);
  });

  it('prints JSON lines with --json', async () => {
    const run = await query(dataDir, '--json', "SELECT arm, returned, NULL AS nothing FROM winback.kpis WHERE arm = 'treatment'");

    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([{ arm: 'treatment', returned: 18, nothing: null }]);
  });

  it('runs a named query file unchanged', async () => {
    const run = await query(dataDir, '--json', '--file', 'sql/named/lift-by-variant.sql');

    expect(run).toMatchObject({ code: 0, stderr: '' });
    const [lift] = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    // 0.18 − 0.10, se = √(0.18·0.82/100 + 0.1·0.9/50) = 0.0572364
    expect(lift).toMatchObject({ cohort_month: '2026-06', variant: 'A', treatment_eligible: 100, control_eligible: 50 });
    expect(lift.lift).toBeCloseTo(0.08, 12);
    expect(lift.lift_ci_low).toBeCloseTo(-0.0321812, 6);
  });

  it('rounds fractions to 4 decimals in the table, never in --json or --csv', async () => {
    // Act: the control rate of the treatment row, 5/50, and a rate with many decimals, 1/6.
    const sql = "SELECT control_rate, CAST(1 AS DOUBLE) / 6 AS sixth FROM winback.kpis WHERE arm = 'treatment'";
    const table = await query(dataDir, sql);
    const json = await query(dataDir, '--json', sql);
    const csv = await query(dataDir, '--csv', sql);

    // Assess: 1/6 = 0.16666… shows as 0.1667; raw elsewhere.
    expect(table.stdout.split('\n')[2]).toBe('         0.1 | 0.1667');
    expect(JSON.parse(json.stdout)).toEqual({ control_rate: 0.1, sixth: 1 / 6 });
    expect(csv).toMatchObject({ code: 0, stderr: '' });
    expect(csv.stdout).toBe(`control_rate,sixth\n0.1,${1 / 6}\n`);
  });

  it('prints CSV with --csv: a header, quoted text, NULL as an empty field', async () => {
    const run = await query(dataDir, '--csv', "SELECT arm, eligible, NULL AS nothing, 'a,\"b' AS text FROM winback.kpis ORDER BY arm;");

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe('arm,eligible,nothing,text\ncontrol,50,,"a,""b"\ntreatment,100,,"a,""b"\n');
  });

  it('refuses --json with --csv', async () => {
    const run = await query(dataDir, '--json', '--csv', 'SELECT 1');

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('give either --json or --csv, not both');
  });

  it('prints the DuckDB message and exits 1 on bad SQL', async () => {
    const run = await query(dataDir, 'SELECT * FROM winback.no_such_table');

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/Catalog Error: Table with name no_such_table does not exist/);
  });

  it('exits 2 with the usage when given nothing to run', async () => {
    const run = await query(dataDir);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: npm run query');
  });

  it('runs over an empty data folder: the tables exist, with no rows', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'winback-query-empty-'));
    try {
      const run = await query(empty, 'SELECT count(*) AS facts FROM winback.journey_facts');

      expect(run.code).toBe(0);
      expect(run.stdout).toContain('    0');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
