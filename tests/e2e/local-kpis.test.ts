import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '#shared/domain/policy';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { assign } from '#shared/domain/targeting';
import { liftInterval } from '#shared/domain/kpi/aggregate';
import { churnInput } from '../fixtures/events.ts';
import { customerIdsIn } from '../support/fakes.ts';
import { startRunnerProcess, type RunnerProcess } from '../support/local-runner-process.ts';

const run = promisify(execFile);
const START = '2026-01-05T08:00:00.000Z';
const policy = parsePolicy(telecomPortOut);
const treated = customerIdsIn('treatment', 24, policy, 'kpi-customer');
const control = customerIdsIn('control', 12, policy, 'kpi-customer');
/** Who comes back at day 50: a third of the treated, a sixth of the control group. */
const returning = new Set([...treated.slice(0, 8), ...control.slice(0, 2)]);
const phone = (i: number) => `+3460000${String(1000 + i)}`;

describe('local runner: nightly KPIs queried with npm run query', () => {
  let dataDir: string;
  let runner: RunnerProcess;
  const query = async (args: string[]) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bin/query.ts', '--json', ...args], {
      env: { ...process.env, WINBACK_DATA_DIR: dataDir },
    });
    return stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, any>);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-e2e-kpi-'));
    runner = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir, WINBACK_START_TIME: START });
    // Prepare: 36 port-outs in one batch, returns at day 50, the horizon passed, then the nightly job.
    const everyone = [...treated, ...control];
    const batch = await runner.call('POST', '/v1/events', {
      events: everyone.map((customerId, i) =>
        churnInput({
          eventId: `kpi-churn-${i}`,
          occurredAt: START,
          customerId,
          exitReason: 'price',
          contacts: { phone: phone(i), email: `kpi.person${i}@example.net` },
          consents: { sms: true, email: true, push: false },
          timezone: 'Europe/Madrid',
          locale: 'en',
          monthlyRevenue: 30,
          tenureMonths: 12,
        }),
      ),
    });
    expect(batch.body.accepted).toBe(36);
    const day50 = (await runner.call('POST', '/local/clock', { advanceDays: 50 })).body.now as string;
    for (const customerId of returning) {
      expect(
        (
          await runner.call('POST', '/v1/events', {
            eventId: `kpi-return-${customerId}`,
            type: 'customer.returned',
            occurredAt: day50,
            customerId,
            revenue: 25,
          })
        ).status,
      ).toBe(202);
    }
    await runner.call('POST', '/local/clock', { advanceDays: 80 });
    const nightly = await runner.call('POST', '/local/jobs/nightly', { date: '2026-05-15' });
    expect(nightly.status).toBe(200);
    expect(nightly.body.journeys).toBe(36);
  });
  afterAll(async () => {
    await runner?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the win-back rate by cohort as the posted events imply', async () => {
    const rows = await query(['--file', 'sql/named/winback-rate-by-cohort.sql']);
    expect(rows).toEqual([
      { cohort_month: '2026-01', arm: 'control', journeys: 12, eligible: 12, returned: 2, winback_rate: 2 / 12 },
      { cohort_month: '2026-01', arm: 'treatment', journeys: 24, eligible: 24, returned: 8, winback_rate: 8 / 24 },
    ]);
  });

  it('answers the lift of each variant over control with its 95% interval', async () => {
    const rows = await query(['--file', 'sql/named/lift-by-variant.sql']);
    for (const row of rows) {
      const variantOf = (list: string[]) => list.filter((id) => assign(id, policy).variant === row.variant);
      const t = variantOf(treated);
      const c = variantOf(control);
      const expected = liftInterval(
        t.filter((id) => returning.has(id)).length,
        t.length,
        c.filter((id) => returning.has(id)).length,
        c.length,
      )!;
      expect(row).toMatchObject({ treatment_eligible: t.length, control_eligible: c.length });
      expect(row.lift).toBeCloseTo(expected.lift, 12);
      expect(row.lift_ci_low).toBeCloseTo(expected.low, 12);
      expect(row.lift_ci_high).toBeCloseTo(expected.high, 12);
    }
    expect(rows.map((r) => r.variant).sort()).toEqual(['A', 'B']);
  });

  it('keeps personal data out of the Parquet files', async () => {
    const facts = JSON.stringify(await query(['SELECT * FROM winback.journey_facts']));
    const kpis = JSON.stringify(await query(['SELECT * FROM winback.kpis']));
    expect(JSON.parse(facts)).toHaveLength(36);
    for (const text of [facts, kpis]) {
      for (let i = 0; i < 36; i++) {
        expect(text).not.toContain(phone(i).slice(1));
        expect(text).not.toContain(`kpi.person${i}`);
      }
      for (const id of [...treated, ...control]) expect(text).not.toContain(`"${id}"`);
    }
  });
});
