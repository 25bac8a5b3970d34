import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent } from '#shared/domain/journey/apply-event';
import { emptyRecord, type CustomerRecord } from '#shared/domain/journey/record';
import { decideSend } from '#shared/domain/journey/send-decision';
import { MIN_LEAD_MS } from '#shared/domain/journey/timers';
import { localIso } from '#shared/domain/local-time';
import { CustomerChurned } from '#shared/domain/events';
import { parsePolicy, type Policy } from '#shared/domain/policy';
import { PolicyRegistry } from '#shared/domain/policy-registry';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { isInsideSendWindow } from '#shared/domain/send-window';
import { contactFor } from '#shared/domain/targeting';
import { DAY_MS } from '#shared/domain/vocabulary';
import { policyFromShape } from '../../support/random-policy.ts';

/**
 * Properties of planning and of the send-time decision, over random churn instants, zones,
 * customers, ingest times and policies. Each run plans a whole journey, so the run counts are
 * kept to what finishes in a few seconds.
 */

const ZONES = Intl.supportedValuesOf('timeZone');
const CHURN_FROM = Date.parse('2020-01-01T00:00:00Z');
const CHURN_TO = Date.parse('2030-12-31T23:59:59Z');

const defaultPolicy = parsePolicy(telecomPortOut);

const churnInstant = fc.noBias(fc.integer({ min: CHURN_FROM, max: CHURN_TO }));
const zone = fc.constantFrom(...ZONES);
/** A uniform share in [0, 1] (fc.double is uniform over representations: mostly tiny numbers). */
const fraction = fc.noBias(fc.integer({ min: 0, max: 1_000_000 })).map((n) => n / 1_000_000);
const customerId = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }).filter((id) => /^[\x20-\x7e]+$/.test(id));
/** How long after the churn the event is ingested: mostly on time, sometimes very late. */
const ingestDelay = fc.oneof(
  fc.noBias(fc.integer({ min: 0, max: 2 * DAY_MS })),
  fc.noBias(fc.integer({ min: 0, max: 130 * DAY_MS })),
  fc.constant(0),
);

/** "HH:mm" on a quarter-hour grid, with extra weight on the hours clocks skip or repeat. */
const clockMinutes = fc.oneof(
  fc.noBias(fc.integer({ min: 0, max: 96 })).map((quarter) => quarter * 15),
  fc.noBias(fc.integer({ min: 0, max: 4 * 60 })),
  fc.constantFrom(0, 1440),
);
const hhmm = (minutes: number) =>
  minutes === 1440 ? '24:00' : `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const sendWindow = fc
  .tuple(clockMinutes, clockMinutes, fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }))
  .filter(([a, b]) => a !== b)
  .map(([a, b, weekdays]) => ({ start: hhmm(Math.min(a, b)), end: hhmm(Math.max(a, b)), weekdays }));

/** A valid policy: touches in order, each within [quietDays, horizonDays], angles alternating. */
const randomPolicy: fc.Arbitrary<Policy> = fc
  .record({
    quietDays: fc.integer({ min: 0, max: 45 }),
    touches: fc.array(fc.record({ gap: fc.integer({ min: 0, max: 20 }), length: fc.integer({ min: 0, max: 30 }) }), {
      minLength: 1,
      maxLength: 3,
    }),
    extraHorizon: fc.integer({ min: 0, max: 30 }),
    sendWindow,
    frequencyCap: fc.record({
      maxMessages: fc.integer({ min: 1, max: 2 }),
      perHours: fc.integer({ min: 1, max: 336 }),
      maxPerJourney: fc.integer({ min: 1, max: 3 }),
    }),
  })
  .map(({ quietDays, touches, extraHorizon, sendWindow: window, frequencyCap }) =>
    parsePolicy(policyFromShape({ quietDays, touches, extraHorizon }, { sendWindow: window, frequencyCap })),
  );

/** A churn event for an eligible customer (SMS and e-mail consented, worth a touch). */
function churn(id: string, churnedAtMs: number, timezone: string) {
  return CustomerChurned.parse({
    eventId: `evt-${id}-${churnedAtMs}`,
    type: 'customer.churned',
    occurredAt: localIso(churnedAtMs, timezone),
    customerId: id,
    churnKind: 'port_out',
    exitReason: 'coverage',
    contacts: { phone: '+447700900123', email: 'someone@example.com' },
    consents: { sms: true, email: true, push: false },
    timezone,
    monthlyRevenue: 30,
    tenureMonths: 12,
  });
}

interface Plan {
  record: CustomerRecord;
  scheduled: string[];
}

function plan(policy: Policy, id: string, churnedAtMs: number, timezone: string, nowMs: number): Plan {
  const { record, effects } = applyEvent(emptyRecord(id), churn(id, churnedAtMs, timezone), nowMs, new PolicyRegistry([policy]));
  return { record, scheduled: effects.schedule.map((timer) => `${timer.name}@${timer.dueAt}`) };
}

/** Checks every planned touch of a plan against the policy; returns how many were planned. */
function assessPlan(policy: Policy, { record, scheduled }: Plan, churnedAtMs: number, timezone: string, nowMs: number): number {
  const journey = record.journeys[0]!;
  const pastHorizon = nowMs >= churnedAtMs + (policy.horizonDays + 1) * DAY_MS;
  expect(journey.status).toBe(pastHorizon ? 'ineligible' : 'active');
  const planned = journey.touches.filter((touch) => touch.status === 'planned');
  for (const touch of planned) {
    const due = Date.parse(touch.dueAt);
    const rule = policy.touches[touch.index]!;
    // (a) never in the quiet days
    expect(due).toBeGreaterThanOrEqual(churnedAtMs + policy.quietDays * DAY_MS);
    // (b) nothing after the horizon
    expect(due).toBeLessThan(churnedAtMs + (policy.horizonDays + 1) * DAY_MS);
    // (c) within its own touch's days
    expect(due).toBeGreaterThanOrEqual(churnedAtMs + rule.dayFrom * DAY_MS);
    expect(due).toBeLessThan(churnedAtMs + (rule.dayTo + 1) * DAY_MS);
    // (d) inside the send window, in the customer's zone
    expect(isInsideSendWindow(due, timezone, policy.sendWindow)).toBe(true);
    // (e) in the future, with the lead a schedule needs
    expect(due).toBeGreaterThanOrEqual(nowMs + MIN_LEAD_MS);
  }
  // One timer per planned touch, due exactly when the touch is.
  expect(scheduled.sort()).toEqual(planned.map((touch) => `${touch.timerName}@${touch.dueAt}`).sort());
  // A touch not planned was skipped because its window had passed, never silently dropped.
  for (const touch of journey.touches.filter((t) => t.status !== 'planned'))
    expect(touch).toMatchObject({ status: 'skipped', reason: 'window_passed' });
  return planned.length;
}

describe('planning (property)', () => {
  it('plans the default policy’s touches in days 30–45 and 60–90, inside 10:00–19:00 local, never after day 120', () => {
    let plannedTouches = 0;
    fc.assert(
      fc.property(churnInstant, zone, customerId, ingestDelay, (churnedAtMs, timezone, id, delay) => {
        // Prepare
        const nowMs = churnedAtMs + delay;

        // Act
        const result = plan(defaultPolicy, id, churnedAtMs, timezone, nowMs);

        // Assess
        plannedTouches += assessPlan(defaultPolicy, result, churnedAtMs, timezone, nowMs);
        for (const touch of result.record.journeys[0]!.touches.filter((t) => t.status === 'planned')) {
          const day = (Date.parse(touch.dueAt) - churnedAtMs) / DAY_MS;
          expect(day).toBeGreaterThanOrEqual(touch.index === 0 ? 30 : 60);
          expect(day).toBeLessThan(touch.index === 0 ? 46 : 91);
        }
      }),
      { numRuns: 150 },
    );
    // The generator must not make the property vacuous.
    expect(plannedTouches).toBeGreaterThan(50);
  });

  it('keeps every planned touch inside the rules of any valid policy', () => {
    fc.assert(
      fc.property(randomPolicy, churnInstant, zone, customerId, ingestDelay, (policy, churnedAtMs, timezone, id, delay) => {
        // Prepare
        const nowMs = churnedAtMs + delay;

        // Act
        const result = plan(policy, id, churnedAtMs, timezone, nowMs);

        // Assess
        assessPlan(policy, result, churnedAtMs, timezone, nowMs);
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic: the same inputs give the same plan', () => {
    fc.assert(
      fc.property(randomPolicy, churnInstant, zone, customerId, ingestDelay, (policy, churnedAtMs, timezone, id, delay) => {
        // Act
        const first = plan(policy, id, churnedAtMs, timezone, churnedAtMs + delay);
        const second = plan(structuredClone(policy), id, churnedAtMs, timezone, churnedAtMs + delay);

        // Assess
        expect(second).toEqual(first);
      }),
      { numRuns: 60 },
    );
  });
});

describe('decideSend (property)', () => {
  /** A planned journey, some earlier touches already sent, consents changed, and a random clock. */
  const scenario = fc
    .record({
      policy: randomPolicy,
      churnedAtMs: churnInstant,
      timezone: zone,
      id: customerId,
      touchPick: fc.nat(),
      sentEarlier: fc.array(fraction, { minLength: 3, maxLength: 3 }),
      consents: fc.record({ sms: fc.boolean(), email: fc.boolean(), push: fc.boolean(), whatsapp: fc.constant(false) }),
      clock: fraction,
    })
    .map(({ policy, churnedAtMs, timezone, id, touchPick, sentEarlier, consents, clock }) => {
      const { record } = plan(policy, id, churnedAtMs, timezone, churnedAtMs);
      const journey = record.journeys[0]!;
      const touch = journey.touches[touchPick % journey.touches.length]!;
      // Any time from the touch's own due time to past the end of its window: timers fire at or
      // after their due time, and late when the scheduler retries.
      const rule = policy.touches[touch.index]!;
      const dueMs = Date.parse(touch.dueAt);
      const lateMs = churnedAtMs + (rule.dayTo + 2) * DAY_MS;
      const nowMs = Math.round(dueMs + clock * (lateMs - dueMs));
      // Earlier touches sent some time before now, so the frequency cap has something to count.
      journey.touches.forEach((earlier, i) => {
        if (earlier.index >= touch.index || earlier.status !== 'planned' || sentEarlier[i]! < 0.3) return;
        earlier.status = 'sent';
        earlier.sentAt = new Date(Math.round(churnedAtMs + sentEarlier[i]! * (nowMs - churnedAtMs))).toISOString();
      });
      record.profile!.consents = consents;
      return { policy, record, touch, nowMs, timezone, churnedAtMs };
    });

  it('defers only to an instant inside the send window and the touch window, and sends only inside the window with consent', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(scenario, ({ policy, record, touch, nowMs, timezone, churnedAtMs }) => {
        // Prepare
        const rule = policy.touches[touch.index]!;
        const touchWindow = [
          churnedAtMs + rule.dayFrom * DAY_MS,
          churnedAtMs + (Math.min(rule.dayTo, policy.horizonDays) + 1) * DAY_MS,
        ] as const;

        // Act
        const decision = decideSend(
          record,
          { customerId: record.customerId, touchId: touch.touchId, timerName: touch.timerName },
          nowMs,
          new PolicyRegistry([policy]),
        );

        // Assess
        seen.add(decision.kind);
        if (decision.kind === 'defer') {
          expect(isInsideSendWindow(decision.dueAtMs, timezone, policy.sendWindow)).toBe(true);
          expect(decision.dueAtMs).toBeGreaterThanOrEqual(Math.max(touchWindow[0], nowMs + MIN_LEAD_MS));
          expect(decision.dueAtMs).toBeLessThan(touchWindow[1]);
        }
        if (decision.kind === 'send' || decision.kind === 'withhold') {
          const channel = decision.kind === 'send' ? decision.message.channel : decision.channel;
          if (channel === 'task') throw new Error('a random policy produced a retention task');
          expect(isInsideSendWindow(nowMs, timezone, policy.sendWindow)).toBe(true);
          expect(nowMs).toBeGreaterThanOrEqual(touchWindow[0]);
          expect(nowMs).toBeLessThan(touchWindow[1]);
          expect(record.profile!.consents[channel]).toBe(true);
          expect(contactFor(record.profile!, channel)).toBeDefined();
          if (decision.kind === 'send') expect(decision.message.to).toBe(contactFor(record.profile!, channel));
        }
        if (decision.kind === 'skip' && decision.reason === 'no_consent') {
          expect(record.profile!.consents.sms || record.profile!.consents.email).toBe(false);
        }
      }),
      { numRuns: 250 },
    );
    // Every outcome was met at least once: the generator explores the interesting cases.
    expect([...seen].sort()).toEqual(expect.arrayContaining(['defer', 'send', 'skip']));
  });

  it('never sends or defers into the quiet days, whenever the timer fires', () => {
    fc.assert(
      fc.property(randomPolicy, churnInstant, zone, customerId, fraction, (policy, churnedAtMs, timezone, id, clock) => {
        // Prepare: a timer delivered early (a wrongly formatted schedule, a clock skew).
        const { record } = plan(policy, id, churnedAtMs, timezone, churnedAtMs);
        const touch = record.journeys[0]!.touches.find((t) => t.status === 'planned');
        fc.pre(touch !== undefined);
        const dayFromMs = churnedAtMs + policy.touches[touch!.index]!.dayFrom * DAY_MS;
        fc.pre(dayFromMs > churnedAtMs);
        const nowMs = churnedAtMs + Math.floor(clock * (dayFromMs - churnedAtMs - 1));

        // Act
        const decision = decideSend(
          record,
          { customerId: id, touchId: touch!.touchId, timerName: touch!.timerName },
          nowMs,
          new PolicyRegistry([policy]),
        );

        // Assess
        expect(decision.kind).not.toBe('send');
        expect(decision.kind).not.toBe('withhold');
        if (decision.kind === 'defer') expect(decision.dueAtMs).toBeGreaterThanOrEqual(dayFromMs);
      }),
      { numRuns: 100 },
    );
  });
});
