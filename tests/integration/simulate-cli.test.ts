import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicySummary } from '#shared/simulator/summary';
import type { SimulationSummary } from '#shared/simulator/summary-file';
import { cohortCsv, generateCohort } from '../../scripts/cohort.ts';

/**
 * `npm run simulate` end to end: two policies side by side (touch 1 on days 30–45 against 14–21)
 * over one cohort, the files it writes, and its errors.
 */
const dir = mkdtempSync(join(tmpdir(), 'winback-simulate-'));
const events = generateCohort({ customers: 300, seed: 11, returnShare: 0.15 });
const cohortFile = join(dir, 'cohort.jsonl');
writeFileSync(cohortFile, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
const DEFAULT = 'examples/policies/telecom-port-out.v2.json';
const EARLY = 'examples/policies/telecom-port-out-early.json';

function simulate(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/simulate.ts', ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

const days = (p: PolicySummary) => p.messages.byDaySinceChurn.map((d) => d.day);

describe('npm run simulate with two policies', () => {
  const out = join(dir, 'out');
  let run: ReturnType<typeof simulate>;
  let summary: SimulationSummary;
  let base: PolicySummary;
  let early: PolicySummary;

  beforeAll(() => {
    run = simulate(['--cohort', cohortFile, '--policy', DEFAULT, '--policy', EARLY, '--out', out, '--json']);
    summary = JSON.parse(run.stdout);
    [base, early] = summary.policies as [PolicySummary, PolicySummary];
  }, 300_000);

  it('prints the summary it writes to summary.json, with progress on stderr', () => {
    expect(run.status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(summary);
    expect(run.stderr).toMatch(/telecom-port-out@2: 300 of 300 customers simulated/);
    expect(summary.cohort).toMatchObject({ events: events.length, rejected: 0, duplicates: 0, customers: 300, format: 'jsonl' });
    expect(summary.channels).toEqual(['sms', 'email']);
    // Messages are priced by the engine at send, with the local runner's default price table.
    expect(summary.prices).toEqual({ currency: 'USD', asOf: '2026-12-06' });
    expect(summary.policies[0]!.cost.messages).toBeGreaterThan(0);
    expect(summary.policies.map((p) => p.policy)).toEqual(['telecom-port-out@2', 'telecom-port-out-early@1']);
  });

  it('shows the difference in send days', () => {
    const inside = (day: number, windows: Array<[number, number]>) => windows.some(([from, to]) => day >= from && day <= to);
    expect(
      days(base).every((day) =>
        inside(day, [
          [30, 45],
          [60, 90],
        ]),
      ),
    ).toBe(true);
    expect(
      days(early).every((day) =>
        inside(day, [
          [14, 21],
          [60, 90],
        ]),
      ),
    ).toBe(true);
    expect(Math.min(...days(base))).toBe(30);
    expect(Math.min(...days(early))).toBe(14);
    // Same customers, same decisions on who is eligible: only the timing differs.
    expect(early.eligible).toBe(base.eligible);
    expect(early.excluded).toEqual(base.excluded);
  });

  it('shows the difference in cost and projected win-backs', () => {
    expect(early.cost.offers).not.toBe(base.cost.offers);
    // A first message in the first 30 days brings back fewer (2% against 5.4% by default).
    expect(early.projection.winbacks).toBeLessThan(base.projection.winbacks);
    expect(early.projection.costPerIncrementalWinback!).toBeGreaterThan(base.projection.costPerIncrementalWinback!);
    // In the backtest, the early touch reaches more customers before they came back.
    expect(early.backtest!.contactedBefore).toBeGreaterThan(base.backtest!.contactedBefore);
    expect(early.backtest!.returns).toBe(base.backtest!.returns);
  });

  it('reads the same cohort from a CSV export', () => {
    const csv = join(dir, 'cohort.csv');
    writeFileSync(csv, cohortCsv(events));
    const fromCsv = simulate(['--cohort', csv, '--policy', DEFAULT, '--out', join(dir, 'csv'), '--json']);
    expect(fromCsv.status).toBe(0);
    const policy = JSON.parse(fromCsv.stdout).policies[0] as PolicySummary;
    expect({ ...policy, failedTimers: 0 }).toEqual({ ...base, failedTimers: 0 });
  }, 300_000);
});

describe('npm run simulate refuses bad input in a sentence', () => {
  it('a missing cohort, a bad policy file, bad assumptions, a missing option', () => {
    const missing = simulate(['--cohort', join(dir, 'nope.jsonl'), '--policy', DEFAULT]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`cannot read the cohort ${join(dir, 'nope.jsonl')}: no such file`);

    const badPolicy = join(dir, 'bad-policy.json');
    writeFileSync(badPolicy, '{"id": "x"}');
    const policy = simulate(['--cohort', cohortFile, '--policy', badPolicy]);
    expect(policy.status).toBe(1);
    expect(policy.stderr).toMatch(new RegExp(`^Invalid policy file ${badPolicy}:\\n  version: is required \\(a string\\), and missing`));

    const badAssume = join(dir, 'assume.json');
    writeFileSync(badAssume, JSON.stringify({ responseRates: [{ angle: 'fix', rate: 1.5 }], costPerAcquisiton: 100 }));
    const assume = simulate(['--cohort', cohortFile, '--policy', DEFAULT, '--assume', badAssume]);
    expect(assume.status).toBe(1);
    expect(assume.stderr).toBe(
      `Invalid assumptions file ${badAssume}:\n  responseRates[0].rate: Too big: expected number to be <=1\n  (file): Unrecognized key: "costPerAcquisiton"`,
    );

    // A usage mistake: one line, the usage, exit 2.
    const none = simulate(['--policy', DEFAULT]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^npm run simulate: --cohort <file> is required\nusage: npm run simulate -- --cohort/);
    for (const result of [missing, policy, assume, none]) expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
