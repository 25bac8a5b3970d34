import { createHash, type Hash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PriceSettingsSchema } from '#shared/domain/default-prices';
import { DEFAULT_ASSUMPTIONS } from '#shared/simulator/assumptions';
import { parseJsonlCohort } from '#shared/simulator/cohort';
import { simulate } from '#shared/simulator/simulate';
import { runSimulateCommand } from '../../../bin/simulate.ts';
import { readPolicyFiles } from '../../../bin/policy-file.ts';
import { simulatorCohort } from '../../support/simulator-cohort.ts';

/**
 * The simulator's results do not change when it is made faster: summary.json of a fixed cohort
 * (tests/support/simulator-cohort.ts) under three policies, and a digest of every customer's
 * outcome (each decision, message, instant and cost) per policy, as recorded in
 * tests/fixtures/simulator/same-results.snap. On one thread and on two, the same summary. A
 * change that is meant to change the engine's decisions updates the file (`npx vitest run -u`)
 * and says why.
 */
const POLICIES = [
  'examples/policies/telecom-port-out.v2.json',
  'examples/policies/telecom-port-out-early.json',
  'examples/policies/subscription.v1.json',
];
const dir = mkdtempSync(join(tmpdir(), 'winback-same-results-'));
const cohortFile = join(dir, 'cohort.jsonl');
const text = simulatorCohort()
  .map((event) => JSON.stringify(event))
  .join('\n');
writeFileSync(cohortFile, text);

/** summary.json as `npm run simulate` writes it, with the cohort's file named as in the fixture. */
async function summaryOn(threads: number) {
  const out = join(dir, `out-${threads}`);
  const io = { out: () => {}, err: () => {} };
  const code = await runSimulateCommand(
    ['--cohort', cohortFile, ...POLICIES.flatMap((p) => ['--policy', p]), '--out', out, '--threads', String(threads)],
    io,
  );
  expect(code).toBe(0);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  return { ...summary, cohort: { ...summary.cohort, file: 'simulator-cohort.jsonl' } };
}

/**
 * Per policy: customers with an outcome, and the SHA-256 of their outcomes and of their final
 * records (every decision logged, every touch and timer name), as JSON Lines in cohort order.
 */
async function outcomeDigests() {
  const hashes = new Map<string, { customers: number; outcomes: Hash; records: Hash }>();
  await simulate(parseJsonlCohort(text).events, {
    policies: readPolicyFiles(POLICIES),
    assumptions: DEFAULT_ASSUMPTIONS,
    channels: ['sms', 'email'],
    prices: PriceSettingsSchema.parse(undefined),
    onOutcome: (policy, outcome, record) => {
      const entry = hashes.get(policy) ?? { customers: 0, outcomes: createHash('sha256'), records: createHash('sha256') };
      entry.customers += 1;
      entry.outcomes.update(`${JSON.stringify(outcome)}\n`);
      entry.records.update(`${JSON.stringify(record)}\n`);
      hashes.set(policy, entry);
    },
  });
  const digests = [...hashes].map(([policy, { customers, outcomes, records }]) => [
    policy,
    { customers, outcomes: outcomes.digest('hex'), records: records.digest('hex') },
  ]);
  return Object.fromEntries(digests);
}

describe('the simulator’s results for a fixed cohort', () => {
  let oneThread: unknown;

  beforeAll(async () => {
    oneThread = await summaryOn(1);
  }, 120_000);

  it('are the recorded summary and customer outcomes', async () => {
    const recorded = { summary: oneThread, outcomes: await outcomeDigests() };
    await expect(`${JSON.stringify(recorded, null, 2)}\n`).toMatchFileSnapshot('../../fixtures/simulator/same-results.snap');
  }, 120_000);

  it('are the same on two threads', async () => {
    expect(await summaryOn(2)).toEqual(oneThread);
  }, 120_000);
});
