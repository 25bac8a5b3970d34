import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNEY_FACTS, KPIS } from '#shared/domain/kpi/tables';
import { eraseCustomer } from '#shared/engine/customer-admin';
import { ingestEvent } from '#shared/engine/ingest-event';
import { runNightlyJob, type NightlyDeps } from '#shared/engine/nightly-job';
import { churnEvent, returnedEvent } from '../fixtures/events.ts';
import { customerIdIn, makeDeps, runUntil, type TestDeps } from '../support/fakes.ts';
import { nightlyDepsOf } from '../support/nightly-deps.ts';
import { day } from '../unit/engine/helpers.ts';

async function readTable(lakeRoot: string, prefix: string): Promise<Array<Record<string, unknown>>> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const result = await connection.runAndReadAll(
    `SELECT * FROM read_parquet('${lakeRoot}/${prefix}*/*.parquet', hive_partitioning = true) ORDER BY ALL`,
  );
  const rows = result.getRowObjectsJson() as Array<Record<string, unknown>>;
  connection.closeSync();
  return rows;
}

describe('nightly job', () => {
  let lakeRoot: string;
  let deps: TestDeps;
  let nightly: NightlyDeps;
  const treated = Array.from({ length: 12 }, (_, i) => customerIdIn('treatment', undefined, `night-t${i}`));
  const control = Array.from({ length: 6 }, (_, i) => customerIdIn('control', undefined, `night-c${i}`));
  const phone = (i: number) => `+4477009002${String(i).padStart(2, '0')}`;

  beforeAll(async () => {
    lakeRoot = mkdtempSync(join(tmpdir(), 'winback-lake-'));
    deps = makeDeps();
    nightly = nightlyDepsOf(deps, lakeRoot, { scanSegments: 3, rowsPerPart: 5 });
    // Prepare: 18 port-outs; 4 treated and 1 control customer return at day 50; one treated customer is erased.
    const everyone = [...treated, ...control];
    for (const [i, customerId] of everyone.entries()) {
      await ingestEvent(
        deps,
        churnEvent({
          customerId,
          eventId: `night-churn-${i}`,
          contacts: { phone: phone(i), email: `person${i}@example.net` },
          consents: { sms: true, email: true, push: false },
        }),
      );
    }
    await runUntil(deps, deps.scheduler, day(50));
    for (const customerId of [...treated.slice(0, 4), control[0]!]) {
      await ingestEvent(
        deps,
        returnedEvent({ customerId, eventId: `night-return-${customerId}`, occurredAt: new Date(day(50)).toISOString(), revenue: 30 }),
      );
    }
    await runUntil(deps, deps.scheduler, day(130));
    await eraseCustomer(deps, treated[11]!);
  });
  afterAll(() => rmSync(lakeRoot, { recursive: true, force: true }));

  it('writes one pseudonymous fact row per journey, in bounded Parquet parts, and the KPIs the events imply', async () => {
    // Act
    const summary = await runNightlyJob(nightly, '2026-05-15');

    // Assess: every journey (the erased one too), split into parts of at most 5 rows.
    expect(summary.journeys).toBe(18);
    expect(summary.factFiles.length).toBeGreaterThanOrEqual(4);
    const facts = await readTable(lakeRoot, JOURNEY_FACTS.prefix);
    expect(facts).toHaveLength(18);
    expect(Object.keys(facts[0]!)).toEqual([...JOURNEY_FACTS.columns.map((c) => c.name), 'dt']);
    const everything = JSON.stringify(facts);
    for (let i = 0; i < 18; i++) {
      expect(everything).not.toContain(phone(i).slice(1));
      expect(everything).not.toContain(`person${i}@`);
    }
    for (const id of [...treated, ...control]) expect(everything).not.toContain(`"${id}"`);

    const kpis = await readTable(lakeRoot, KPIS.prefix);
    const programme = kpis.filter((k) => k.grain === 'programme');
    const sum = (arm: string, column: string) => programme.filter((k) => k.arm === arm).reduce((total, k) => total + Number(k[column]), 0);
    expect(sum('treatment', 'eligible')).toBe(12);
    expect(sum('treatment', 'returned')).toBe(4);
    expect(sum('control', 'eligible')).toBe(6);
    expect(sum('control', 'returned')).toBe(1);
    expect(sum('control', 'contacted')).toBe(0);
    expect(sum('treatment', 'revenue_returned')).toBe(120);
  });

  it('replaces a night when re-run, instead of adding to it', async () => {
    // Act
    await runNightlyJob(nightly, '2026-05-15');
    const again = await runNightlyJob({ ...nightly, rowsPerPart: 50 }, '2026-05-15');

    // Assess
    expect(again.factFiles.length).toBeLessThanOrEqual(3);
    expect(await nightly.lake.list('journey_facts/dt=2026-05-15/')).toEqual(again.factFiles);
    expect(await readTable(lakeRoot, JOURNEY_FACTS.prefix)).toHaveLength(18);
  });

  it('refuses a malformed date', async () => {
    await expect(runNightlyJob(nightly, '2026-5-1')).rejects.toThrow('invalid nightly job date');
  });
});
