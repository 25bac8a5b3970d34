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
import type { OutboxMessage } from '#shared/adapters/local/outbox-channel';
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

/**
 * Acceptance: a generated cohort of a few thousand port-outs over two cohort months, with known
 * returns (before the first message, after it, at day 90.2, after the window), through the local
 * runner; the programme rows per cohort month must equal a computation made here, independently,
 * from the posted events and the outbox alone: counts exactly, rates, costs and intervals to 1e-9.
 */
describe('local runner: the programme row per cohort month, computed independently', () => {
  const CUSTOMERS = 2400;
  const DAY = 86_400_000;
  const startMs = Date.parse(START);
  /** Cohort 2026-01 churns at the start, cohort 2026-02 thirty days later. */
  const churnedAtOf = (i: number) => startMs + (i % 2 === 0 ? 0 : 30 * DAY);
  /** When each customer comes back, in days after their churn: before contact, after it, day 90.2, outside the window. */
  const returnDaysOf = (i: number, arm: string): number | undefined => {
    const draw = (i * 7919 + 13) % 100;
    if (draw < 5) return 10;
    if (draw < (arm === 'treatment' ? 20 : 13)) return 50;
    if (draw < (arm === 'treatment' ? 23 : 15)) return 90.2;
    if (draw < (arm === 'treatment' ? 26 : 18)) return 95;
    return undefined;
  };
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => {
    const id = `acc-${i}`;
    const arm = assign(id, policy).arm;
    const returnDays = returnDaysOf(i, arm);
    return { id, i, arm, churnedAt: churnedAtOf(i), returnedAt: returnDays === undefined ? undefined : churnedAtOf(i) + returnDays * DAY };
  });
  let dataDir: string;
  let runner: RunnerProcess;
  let rows: Array<Record<string, any>>;
  let outbox: OutboxMessage[];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-e2e-acceptance-'));
    runner = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir, WINBACK_START_TIME: START });
    // Every event, churns and returns, posted when it happens on the virtual clock.
    const events = customers.flatMap((c) => [
      { at: c.churnedAt, event: acceptanceChurn(c.id, c.i, c.churnedAt) },
      ...(c.returnedAt === undefined ? [] : [{ at: c.returnedAt, event: acceptanceReturn(c.id, c.returnedAt) }]),
    ]);
    const instants = [...new Set(events.map((e) => e.at))].sort((a, b) => a - b);
    for (const at of instants) {
      await runner.call('POST', '/local/clock', { advanceTo: new Date(at).toISOString() });
      const due = events.filter((e) => e.at === at).map((e) => e.event);
      for (let from = 0; from < due.length; from += 500) {
        const batch = await runner.call('POST', '/v1/events', { events: due.slice(from, from + 500) });
        expect(batch.body.accepted).toBe(due.slice(from, from + 500).length);
      }
    }
    await runner.call('POST', '/local/clock', { advanceTo: new Date(startMs + 160 * DAY).toISOString() });
    const date = new Date(startMs + 160 * DAY).toISOString().slice(0, 10);
    expect((await runner.call('POST', '/local/jobs/nightly', { date })).body.journeys).toBe(CUSTOMERS);
    outbox = (await runner.call('GET', '/local/outbox')).body.messages as OutboxMessage[];
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'bin/query.ts',
        '--json',
        "SELECT * FROM winback.kpis_latest WHERE grain = 'programme' ORDER BY cohort_month, arm",
      ],
      { env: { ...process.env, WINBACK_DATA_DIR: dataDir } },
    );
    rows = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
  }, 600_000);
  afterAll(async () => {
    await runner?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('has the counts of the posted events and the outbox', () => {
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      const expected = independentArm(customers, outbox, row.cohort_month, row.arm);
      expect(pick(row, Object.keys(expected.counts))).toEqual(expected.counts);
    }
    // The cohort exercised every case: returns before contact, win-backs, and returns outside the window.
    const treatment = independentArm(customers, outbox, '2026-01', 'treatment');
    expect(treatment.counts.returned_before_contact).toBeGreaterThan(10);
    expect(treatment.counts.returned).toBeGreaterThan(100);
    // Returns at day 90.2 took the second touch's offer, which costs the operator something; every message is priced.
    expect(treatment.offerCost).toBeGreaterThan(0);
    expect(treatment.messageCost).toBeGreaterThan(0);
  });

  it('has the rates, costs and intervals of an independent computation, to 1e-9', () => {
    for (const row of rows.filter((r) => r.arm === 'treatment')) {
      const t = independentArm(customers, outbox, row.cohort_month, 'treatment');
      const c = independentArm(customers, outbox, row.cohort_month, 'control');
      const expected = independentComparison(t, c, 150);
      for (const [name, value] of Object.entries(expected)) {
        if (typeof value === 'boolean' || value === null) expect(row[name], name).toBe(value);
        else expect(Math.abs(row[name] - value), name).toBeLessThan(1e-9);
      }
    }
  });
});

type Customer = { id: string; i: number; arm: string; churnedAt: number; returnedAt: number | undefined };

function acceptanceChurn(customerId: string, i: number, atMs: number) {
  return churnInput({
    eventId: `acc-churn-${i}`,
    occurredAt: new Date(atMs).toISOString(),
    customerId,
    exitReason: (['coverage', 'price', 'support'] as const)[i % 3],
    contacts: { phone: `+34611${String(100000 + i)}`, email: `acc${i}@example.net` },
    // Every fifth customer by e-mail only.
    consents: { sms: i % 5 !== 0, email: true, push: false },
    timezone: 'Europe/Madrid',
    locale: 'en',
    monthlyRevenue: 30,
    tenureMonths: 12,
  });
}

function acceptanceReturn(customerId: string, atMs: number) {
  return {
    eventId: `acc-return-${customerId}`,
    type: 'customer.returned',
    occurredAt: new Date(atMs).toISOString(),
    customerId,
    revenue: 25,
  };
}

const pick = (row: Record<string, any>, names: string[]) => Object.fromEntries(names.map((name) => [name, row[name]]));

/** What an outbox message cost (0 until the channels price their messages) and which offer its text makes. */
function offerCostOf(message: OutboxMessage): number {
  // The tracked link is the touch's own: compared as the policy writes it.
  const text = message.text.replace(/https?:\/\/\S+\/r\/[\w-]+/, '{link}');
  const offer = policy.offers.find((o) => {
    const body = o.text.replaceAll('{brand}', policy.brand);
    return text === (message.channel === 'sms' ? `${body} ${policy.smsFooter}` : body);
  })!;
  return offer.cost + offer.costMonths * 30;
}

/**
 * One arm of one cohort month from the posted events and the outbox: a treated customer's first
 * contact is their first message; a control customer's first message is withheld within days
 * 30–45 (the policy's touch 1), so one back at day 10 came before it and one at day 50 after.
 */
function independentArm(customers: Customer[], outbox: OutboxMessage[], cohortMonth: string, arm: string) {
  const DAY = 86_400_000;
  const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
  const group = customers.filter((c) => c.arm === arm && new Date(c.churnedAt).toISOString().slice(0, 7) === cohortMonth);
  let exposed = 0;
  let contacted = 0;
  let beforeContact = 0;
  let returned = 0;
  let messageCost = 0;
  let offerCost = 0;
  for (const c of group) {
    const messages = outbox.filter((m) => m.customerId === c.id).sort((a, b) => Date.parse(a.sentAt) - Date.parse(b.sentAt));
    // A journey's message cost is its messages' costs summed and rounded to 6 decimals, as docs/kpis.md defines it.
    messageCost += round6(messages.reduce((sum, m) => sum + m.cost, 0));
    const firstContact =
      arm === 'treatment'
        ? messages[0]
          ? Date.parse(messages[0].sentAt)
          : undefined
        : c.returnedAt !== undefined && c.returnedAt < c.churnedAt + 30 * DAY
          ? undefined
          : c.churnedAt + 30 * DAY;
    if (firstContact !== undefined) exposed += 1;
    if (messages.length > 0) contacted += 1;
    if (c.returnedAt === undefined || c.returnedAt >= c.churnedAt + 91 * DAY) continue;
    if (firstContact === undefined || c.returnedAt < firstContact) {
      beforeContact += 1;
      continue;
    }
    returned += 1;
    const last = messages.filter((m) => Date.parse(m.sentAt) <= c.returnedAt!).at(-1);
    if (last) offerCost += offerCostOf(last);
  }
  return {
    counts: { journeys: group.length, eligible: group.length, exposed, contacted, returned_before_contact: beforeContact, returned },
    messageCost: round6(messageCost),
    offerCost: round6(offerCost),
  };
}

/** The treatment row's comparison with its control group, by the formulas of docs/kpis.md. */
function independentComparison(t: ReturnType<typeof independentArm>, c: ReturnType<typeof independentArm>, costPerAcquisition: number) {
  const nt = t.counts.eligible;
  const nc = c.counts.eligible;
  const xt = t.counts.returned;
  const xc = c.counts.returned;
  const pt = xt / nt;
  const pc = xc / nc;
  const z = 1.959963984540054;
  const se = Math.sqrt((pt * (1 - pt)) / nt + (pc * (1 - pc)) / nc);
  const seRelative = Math.sqrt((pt * (1 - pt)) / nt / pc ** 2 + (pt ** 2 * ((pc * (1 - pc)) / nc)) / pc ** 4);
  const pooled = (xt + xc) / (nt + nc);
  const incremental = xt - pc * nt;
  const cost = t.messageCost + t.offerCost;
  return {
    winback_rate: pt,
    winback_rate_exposed: xt / t.counts.exposed,
    control_rate: pc,
    lift: pt - pc,
    lift_ci_low: pt - pc - z * se,
    lift_ci_high: pt - pc + z * se,
    relative_lift: pt / pc - 1,
    relative_lift_ci_low: pt / pc - 1 - z * seRelative,
    relative_lift_ci_high: pt / pc - 1 + z * seRelative,
    incremental_winbacks: incremental,
    incremental_winbacks_ci_low: nt * (pt - pc - z * se),
    incremental_winbacks_ci_high: nt * (pt - pc + z * se),
    min_detectable_lift: (z + 0.8416212335729143) * Math.sqrt(pooled * (1 - pooled) * (1 / nt + 1 / nc)),
    too_small: Math.min(xt, nt - xt, xc, nc - xc) < 5,
    message_cost: t.messageCost,
    offer_cost: t.offerCost,
    cost_per_winback: cost / xt,
    cost_per_incremental_winback: incremental > 0 ? cost / incremental : null,
    cost_per_acquisition: costPerAcquisition,
    cost_vs_acquisition: cost / xt / costPerAcquisition,
  };
}
