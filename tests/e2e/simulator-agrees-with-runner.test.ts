import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '#shared/domain/channels';
import { PriceSettingsSchema } from '#shared/domain/default-prices';
import { parsePolicy } from '#shared/domain/policy';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { DAY_MS } from '#shared/domain/vocabulary';
import { DEFAULT_ASSUMPTIONS } from '#shared/simulator/assumptions';
import { parseJsonlCohort } from '#shared/simulator/cohort';
import type { CustomerOutcome } from '#shared/simulator/outcome';
import { SIMULATED_LINK_BASE_URL, simulate } from '#shared/simulator/simulate';
import { generateCohort } from '../../scripts/cohort.ts';
import { startRunnerProcess, type RunnerProcess } from '../support/local-runner-process.ts';

/**
 * Acceptance: a cohort posted through the local runner (each event at its `occurredAt`, the clock
 * then run past the horizon) and the same cohort simulated give the same decisions: the same
 * eligible, excluded (with the same reasons), held-out and escalated customers, and the same
 * messages (and withheld ones) at the same instants.
 */
const events = [
  ...generateCohort({ customers: 60, seed: 7, days: 3, returnShare: 0.25 }),
  // Two customers withdraw SMS consent between their touches.
  ...['c0000003', 'c0000011'].map((customerId) => ({
    eventId: `stop-${customerId}`,
    type: 'consent.changed',
    occurredAt: '2026-04-10T12:00:00.000Z',
    customerId,
    channel: 'sms',
    granted: false,
  })),
];
const cohort = parseJsonlCohort(events.map((event) => JSON.stringify(event)).join('\n'));
const ordered = [...cohort.events].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));

/** One customer's decisions and messages, as both sides are compared on. */
/**
 * A touch by its number in the journey: journey ids are keyed with the deployment's secret, which
 * the runner has and the simulator (no deployment) does not, so only the number compares.
 */
const touchNumber = (touchId: string) => touchId.slice(touchId.lastIndexOf('-') + 1);

interface Decisions {
  status: 'eligible' | 'excluded';
  reasons: string[];
  arm: string;
  team?: string;
  sent: string[];
  withheld: string[];
}

function fromSimulation(outcome: CustomerOutcome): Decisions {
  const journey = outcome.journeys.at(-1)!;
  const key = (m: { touchId: string; channel: string; atMs: number }) =>
    `${touchNumber(m.touchId)} ${m.channel} ${new Date(m.atMs).toISOString()}`;
  return {
    status: journey.status === 'ineligible' ? 'excluded' : 'eligible',
    reasons: [...journey.ineligibleReasons].sort(),
    arm: journey.arm,
    ...(journey.escalation ? { team: journey.escalation.team } : {}),
    // A sent message as the outbox shows it: with its billed parts and its cost.
    sent: journey.messages
      .filter((m) => !m.withheld)
      .map((m) => `${key(m)} ${m.parts} ${m.cost}`)
      .sort(),
    withheld: journey.messages
      .filter((m) => m.withheld)
      .map(key)
      .sort(),
  };
}

describe('the simulator and the local runner', () => {
  let dataDir: string;
  let runner: RunnerProcess;
  const simulated = new Map<string, Decisions>();
  const posted = new Map<string, Decisions>();

  beforeAll(async () => {
    await simulate(cohort.events, {
      policies: [parsePolicy(telecomPortOut)],
      assumptions: DEFAULT_ASSUMPTIONS,
      // The local runner has an adapter for every channel.
      channels: CHANNELS,
      // The local runner's default prices.
      prices: PriceSettingsSchema.parse(undefined),
      onOutcome: (_, outcome) => simulated.set(outcome.customerId, fromSimulation(outcome)),
    });

    dataDir = mkdtempSync(join(tmpdir(), 'winback-sim-vs-runner-'));
    // Links under the simulator's base URL: an SMS's parts and price depend on its link's length.
    runner = await startRunnerProcess({
      WINBACK_DATA_DIR: dataDir,
      WINBACK_START_TIME: ordered[0]!.occurredAt,
      WINBACK_PUBLIC_URL: SIMULATED_LINK_BASE_URL,
    });
    for (const event of ordered) {
      const now = (await runner.call('GET', '/local/clock')).body.now as string;
      if (Date.parse(event.occurredAt) > Date.parse(now)) await runner.call('POST', '/local/clock', { advanceTo: event.occurredAt });
      expect((await runner.call('POST', '/v1/events', event)).status).toBe(202);
    }
    const end = new Date(Date.parse(ordered.at(-1)!.occurredAt) + 200 * DAY_MS).toISOString();
    await runner.call('POST', '/local/clock', { advanceTo: end });

    const outbox = (await runner.call('GET', '/local/outbox')).body.messages as Array<Record<string, string | number>>;
    for (const customerId of simulated.keys()) {
      const view = (await runner.call('GET', `/v1/customers/${customerId}`)).body;
      const journey = view.journey;
      const mine = outbox.filter((m) => m.customerId === customerId && m.channel !== 'task');
      posted.set(customerId, {
        status: journey.status === 'ineligible' ? 'excluded' : 'eligible',
        reasons: [...journey.ineligibleReasons].sort(),
        arm: journey.arm,
        ...(journey.task ? { team: journey.task.team } : {}),
        sent: mine
          .map(
            (m) =>
              `${touchNumber(String(m.touchId))} ${m.channel} ${new Date(Date.parse(String(m.sentAt))).toISOString()} ${m.parts} ${m.cost}`,
          )
          .sort(),
        withheld: journey.touches
          .filter((t: { status: string }) => t.status === 'withheld')
          .map((t: { touchId: string; channel: string; sentAt: string }) => `${touchNumber(t.touchId)} ${t.channel} ${t.sentAt}`)
          .sort(),
      });
    }
  }, 600_000);

  afterAll(async () => {
    await runner?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('take the same decisions for every customer, and send the same messages at the same instants', () => {
    expect(simulated.size).toBe(60);
    expect(Object.fromEntries(posted)).toEqual(Object.fromEntries(simulated));
  });

  it('on a cohort that exercises each kind of decision', () => {
    const all = [...simulated.values()];
    expect(all.filter((d) => d.status === 'excluded').length).toBeGreaterThan(0);
    expect(all.filter((d) => d.status === 'eligible' && d.arm === 'control').length).toBeGreaterThan(0);
    expect(all.filter((d) => d.team !== undefined).length).toBeGreaterThan(0);
    expect(all.filter((d) => d.withheld.length > 0).length).toBeGreaterThan(0);
    expect(all.reduce((sum, d) => sum + d.sent.length, 0)).toBeGreaterThan(40);
    // The SMS opt-outs moved the second touch to e-mail or stopped it.
    expect(simulated.get('c0000003')!.sent.every((m) => !m.includes('-2 sms'))).toBe(true);
  });
});
