import { describe, expect, it } from 'vitest';
import { KpiAggregator } from '#shared/domain/kpi/aggregate';
import { ChurnLinks } from '#shared/domain/kpi/churn-links';
import { asOfInstant, customerFactRows } from '#shared/domain/kpi/facts';
import type { JourneyFactRow, KpiRow } from '#shared/domain/kpi/tables';
import { smsParts } from '#shared/domain/sms';
import { DAY_MS } from '#shared/domain/vocabulary';
import { eraseCustomer } from '#shared/engine/customer-admin';
import { ingestEvent } from '#shared/engine/ingest-event';
import { resolveLease, sendTouch } from '#shared/engine/send-touch';
import { pseudonymize } from '#shared/domain/hash';
import { SurveyAnswered } from '#shared/domain/events';
import { churnEvent, eventFixture, returnedEvent } from '../../fixtures/events.ts';
import { customerIdIn, depsWith, makeDeps, runUntil, TEST_PRICES, type TestDeps } from '../../support/fakes.ts';
import { day, iso, journeyOf, recordOf, T0 } from '../engine/helpers.ts';

/**
 * Each definition of docs/kpis.md on a customer whose journey is worked out by hand: the posted
 * events say what happened, the comments what each fact must be, and the facts come from the
 * engine's records as the nightly job reads them (live records and erased journeys alike).
 */

const HASH_KEY = 'test-hash-key';

/** Every fact row of the store as the nightly job builds them, as of `asOfMs`. */
async function factsOf(deps: TestDeps, asOfMs: number): Promise<JourneyFactRow[]> {
  const links = new ChurnLinks();
  const rows: JourneyFactRow[] = [];
  for await (const item of deps.store.scan(0, 1)) {
    if (item.kind !== 'customer') {
      links.addErased(item.journey);
      continue;
    }
    const live = customerFactRows(item.record, HASH_KEY, asOfMs, deps.policies);
    links.addLive(live);
    rows.push(...live);
  }
  return [...rows, ...links.erasedRows(asOfMs, deps.policies)].sort((a, b) => Number(a.churned_at) - Number(b.churned_at));
}

const churn = (customerId: string, atMs: number, extra: Parameters<typeof churnEvent>[0] = {}) =>
  churnEvent({ customerId, eventId: `churn-${customerId}-${atMs}`, occurredAt: iso(atMs), ...extra });
const back = (customerId: string, atMs: number) =>
  returnedEvent({ customerId, eventId: `back-${customerId}-${atMs}`, occurredAt: iso(atMs), revenue: 30 });

describe('day N means the same in planning and measuring', () => {
  it('counts a return at 90.2 days as day 90, inside the 90-day window; one at 91 days is day 91, outside', async () => {
    // Prepare: three customers churn at T0; the port-out policy's window is 90 days.
    const deps = makeDeps();
    const ids = ['d90-a', 'd90-b', 'd90-c'];
    for (const id of ids) await ingestEvent(deps, churn(id, T0));
    await runUntil(deps, deps.scheduler, day(90));

    // Act: back at 90.2 days, at 91 days less 1 ms (still day 90), at 91 days (day 91).
    await ingestEvent(deps, back('d90-a', T0 + 90.2 * DAY_MS));
    await ingestEvent(deps, back('d90-b', T0 + 91 * DAY_MS - 1));
    await ingestEvent(deps, back('d90-c', T0 + 91 * DAY_MS));

    // Assess: the journey's status and the facts agree.
    expect((await journeyOf(deps, 'd90-a')).status).toBe('won_back');
    expect((await journeyOf(deps, 'd90-b')).status).toBe('won_back');
    expect((await journeyOf(deps, 'd90-c')).status).toBe('returned');
    const facts = await factsOf(deps, day(200));
    const byReturn = facts.sort((a, b) => Number(a.returned_at) - Number(b.returned_at));
    expect(byReturn.map((f) => [f.days_to_return, f.returned_within_window, f.won_back])).toEqual([
      [90, true, true],
      [90, true, true],
      [91, false, false],
    ]);
  });
});

describe('returns before the first contact, and "won back before"', () => {
  it('counts a treated customer back before any message apart, and does not exclude their next churn', async () => {
    // Prepare: back at day 10, before touch 1 (days 30–45); churns again at day 200.
    const deps = makeDeps();
    const id = customerIdIn('treatment', undefined, 'early');
    await ingestEvent(deps, churn(id, T0));
    await ingestEvent(deps, back(id, day(10)));
    deps.clock.set(day(200));
    await ingestEvent(deps, churn(id, day(200)));

    // Assess: the first journey has no contact, a return before it, no win-back; the second is planned.
    const [first, second] = await factsOf(deps, day(201));
    expect(first).toMatchObject({ first_contact_at: null, returned_before_contact: true, returned_within_window: true, won_back: false });
    expect(second).toMatchObject({ eligible: true, ineligible_reasons: '' });
    const programme = kpisOf([first!], 'programme')[0]!;
    expect(programme).toMatchObject({ eligible: 1, exposed: 0, returned_before_contact: 1, returned: 0, winback_rate: 0 });
  });

  it('keeps a control customer who came back on their own eligible for their next churn, and counts their return in the control rate', async () => {
    // Prepare: touch 1 is withheld (days 30–45), the customer comes back at day 50 and churns again at day 200.
    const deps = makeDeps();
    const id = customerIdIn('control', undefined, 'self');
    await ingestEvent(deps, churn(id, T0));
    await runUntil(deps, deps.scheduler, day(50));
    await ingestEvent(deps, back(id, day(50)));
    deps.clock.set(day(200));
    await ingestEvent(deps, churn(id, day(200)));

    // Assess
    const record = await recordOf(deps, id);
    expect(record.journeys.map((j) => j.status)).toEqual(['won_back', 'active']);
    expect(record.journeys[1]!.ineligibleReasons).toEqual([]);
    const [first] = await factsOf(deps, day(201));
    const withheldAt = Date.parse(record.journeys[0]!.touches.find((t) => t.status === 'withheld')!.sentAt!);
    expect(first).toMatchObject({ arm: 'control', first_contact_at: withheldAt, returned_before_contact: false, won_back: true });
    expect(kpisOf([first!], 'programme')[0]).toMatchObject({ arm: 'control', exposed: 1, contacted: 0, returned: 1 });
  });

  it('still excludes a treated customer won back after a message', async () => {
    const deps = makeDeps();
    const id = customerIdIn('treatment', undefined, 'won');
    await ingestEvent(deps, churn(id, T0));
    await runUntil(deps, deps.scheduler, day(46));
    await ingestEvent(deps, back(id, day(46)));
    deps.clock.set(day(200));
    await ingestEvent(deps, churn(id, day(200)));

    expect((await recordOf(deps, id)).journeys[1]!.ineligibleReasons).toEqual(['won_back_before']);
  });
});

describe('erasure keeps the link to a later churn', () => {
  /** Customers back at day 50 after touch 1, who churn again at day 200. */
  async function repeatChurners(deps: TestDeps, ids: string[]): Promise<void> {
    for (const id of ids) await ingestEvent(deps, churn(id, T0));
    await runUntil(deps, deps.scheduler, day(46));
    for (const id of ids) await ingestEvent(deps, back(id, day(50)));
    deps.clock.set(day(200));
    for (const id of ids) await ingestEvent(deps, churn(id, day(200)));
  }

  it('gives an erased repeat churner the same retention as the same customer not erased', async () => {
    // Prepare: two identical repeat churners; one is erased at day 210.
    const deps = makeDeps();
    const kept = customerIdIn('treatment', undefined, 'kept');
    const erased = customerIdIn('treatment', undefined, 'gone');
    await repeatChurners(deps, [kept, erased]);
    deps.clock.set(day(210));
    await eraseCustomer(deps, erased);

    // Act: as of day 600, both marks (50 + 182, 50 + 365) have passed.
    const facts = await factsOf(deps, day(600));

    // Assess: churned again 150 days after the return: not retained at 6 or 12 months, erased or not.
    const firsts = facts.filter((f) => f.churned_at === T0);
    expect(firsts).toHaveLength(2);
    for (const fact of firsts) {
      expect(fact).toMatchObject({ churned_again_at: day(200), retained_6m: false, retained_12m: false });
    }
    expect(new Set(firsts.map((f) => f.customer_hash)).size).toBe(2);
  });

  it('links an erased journey to a churn of the same customer after the erasure, in a new record', async () => {
    // Prepare: back at day 50, erased at day 60, churns again at day 300 as a new customer record.
    const deps = makeDeps();
    const id = customerIdIn('treatment', undefined, 'again');
    await ingestEvent(deps, churn(id, T0));
    await runUntil(deps, deps.scheduler, day(46));
    await ingestEvent(deps, back(id, day(50)));
    deps.clock.set(day(60));
    await eraseCustomer(deps, id);
    deps.clock.set(day(300));
    await ingestEvent(deps, churn(id, day(300)));

    // Act
    const [erased, live] = await factsOf(deps, day(600));

    // Assess: 300 − 50 = 250 days: retained at 6 months (182), not at 12 (365).
    expect(erased).toMatchObject({ churned_at: T0, churned_again_at: day(300), retained_6m: true, retained_12m: false });
    expect(live!.customer_hash).toBe(erased!.customer_hash);
  });
});

describe('as of the night, not the runner', () => {
  it('observes a retention mark only once the night has reached it', async () => {
    // Prepare: back at day 50 (T0 + 50 days), never churned again.
    const deps = makeDeps();
    const id = customerIdIn('treatment', undefined, 'asof');
    await ingestEvent(deps, churn(id, T0));
    await runUntil(deps, deps.scheduler, day(46));
    await ingestEvent(deps, back(id, day(50)));
    deps.clock.set(day(1000));

    // Assess: the 6-month mark is day 50 + 182 = day 232; the clock (day 1000) does not matter.
    expect((await factsOf(deps, day(232) - 1))[0]).toMatchObject({ retained_6m: null, retained_12m: null });
    expect((await factsOf(deps, day(232)))[0]).toMatchObject({ retained_6m: true, retained_12m: null });
  });

  it('measures a night at 00:00 UTC of its date', () => {
    expect(asOfInstant('2026-05-15')).toBe(Date.parse('2026-05-15T00:00:00.000Z'));
  });

  it('gives a survey answer only to a returned customer', async () => {
    const deps = makeDeps();
    const id = customerIdIn('treatment', undefined, 'nps');
    await ingestEvent(deps, churn(id, T0));
    await ingestEvent(
      deps,
      SurveyAnswered.parse({ ...eventFixture('survey-answered'), customerId: id, occurredAt: iso(day(5)), score: 3 }),
    );

    expect((await factsOf(deps, day(10)))[0]).toMatchObject({ returned_at: null, nps: null });
  });
});

/** The kpis rows of one grain for these facts. */
function kpisOf(facts: readonly JourneyFactRow[], grain: string, costPerAcquisition = 150): KpiRow[] {
  const aggregator = new KpiAggregator();
  for (const fact of facts) aggregator.add(fact);
  return aggregator.rows(costPerAcquisition).filter((row) => row.grain === grain);
}

describe('escalated accounts held out of their task', () => {
  it('puts a share of escalated accounts in the control arm with no task, on the task channel of the KPIs', async () => {
    // Prepare: every escalated account is drawn with a 50% holdout; 300 × 12 = 3600 ≥ 3000 escalates.
    const deps = depsWith((p) => void (p.escalation = { ...p.escalation!, holdoutPercent: 50 }));
    const ids = Array.from({ length: 12 }, (_, i) => `vip-${i}`);
    for (const id of ids) await ingestEvent(deps, churn(id, T0, { monthlyRevenue: 300, tenureMonths: 12 }));
    await runUntil(deps, deps.scheduler, day(1));

    // Assess: held out = control arm, no task, no notice, what the task would have been recorded.
    const journeys = await Promise.all(ids.map((id) => journeyOf(deps, id)));
    const heldOut = journeys.filter((j) => j.arm === 'control');
    const handed = journeys.filter((j) => j.arm === 'treatment');
    expect(heldOut.length).toBeGreaterThan(0);
    expect(handed.length).toBeGreaterThan(0);
    for (const journey of heldOut) {
      expect(journey.task).toBeUndefined();
      expect(journey.heldOutTask).toMatchObject({ team: 'sales', at: iso(T0) });
    }
    for (const journey of handed) expect(journey.task).toBeDefined();
    expect(deps.channels.task.sent).toHaveLength(handed.length);

    const facts = await factsOf(deps, day(2));
    expect(facts.every((f) => f.channel === 'task' && f.escalated === true && f.first_contact_at === T0)).toBe(true);
    const [control, treatment] = kpisOf(facts, 'channel');
    expect(control).toMatchObject({ channel: 'task', arm: 'control', eligible: heldOut.length, exposed: heldOut.length, tasks_opened: 0 });
    expect(treatment).toMatchObject({ channel: 'task', arm: 'treatment', eligible: handed.length, control_eligible: heldOut.length });
  });

  it('holds out no escalated account by default', async () => {
    const deps = makeDeps();
    for (let i = 0; i < 12; i++) await ingestEvent(deps, churn(`vip-${i}`, T0, { monthlyRevenue: 300, tenureMonths: 12 }));
    const journeys = await Promise.all(Array.from({ length: 12 }, (_, i) => journeyOf(deps, `vip-${i}`)));
    expect(journeys.every((j) => j.arm === 'treatment' && j.task !== undefined)).toBe(true);
  });
});

describe('a Cyrillic SMS', () => {
  it('costs its real number of parts in the facts and the KPIs', async () => {
    // Prepare: every offer in Russian, an SMS part priced 0.0581 (the price table prices it at send). "Winback Mobile: мы улучшили покрытие в вашем районе. Перенос номера
    // обратно бесплатный." is 87 characters, with " Reply STOP to opt out." 110: UCS-2 (Cyrillic), over 70,
    // so ⌈110 / 67⌉ = 2 parts at 0.0581 = 0.1162 per message.
    const text = '{brand}: мы улучшили покрытие в вашем районе. Перенос номера обратно бесплатный.';
    const deps = depsWith((p) => {
      p.smsMaxParts = 2;
      p.offers = p.offers.map((offer) => ({ ...offer, text, translations: undefined }));
    });
    deps.prices = { ...TEST_PRICES, channels: { ...TEST_PRICES.channels, sms: { default: 0.0581, byCountry: {} } } };
    const id = customerIdIn('treatment', undefined, 'ru');
    await ingestEvent(deps, churn(id, T0, { consents: { sms: true, email: false, push: false } }));

    // Act: both touches go out (days 30–45 and 60–90).
    await runUntil(deps, deps.scheduler, day(95));

    // Assess: 2 messages × 0.1162 = 0.2324
    expect(deps.channels.sms.sent.map((m) => smsParts(m.text))).toEqual([2, 2]);
    const [fact] = await factsOf(deps, day(96));
    expect(fact!.message_cost).toBeCloseTo(0.2324, 12);
    expect(kpisOf([fact!], 'programme')[0]!.message_cost).toBeCloseTo(0.2324, 12);
  });
});

describe('failed touches, and those whose outcome is unknown', () => {
  /** Stores the customer's first touch as a claim left `sending`, with no lease (as claims were before leases). */
  async function leftSending(deps: TestDeps, id: string): Promise<string> {
    const record = await recordOf(deps, id);
    const touch = record.journeys[0]!.touches[0]!;
    Object.assign(touch, { status: 'sending', attempts: 1 });
    await deps.store.save(record);
    return touch.touchId;
  }

  it('counts every failed message, and apart those that may have gone out, live and erased alike', async () => {
    // Prepare: three treated customers churn at T0, each with two SMS touches planned (days 30–45, 60–90).
    const deps = makeDeps();
    const [lost, lapsed, erased] = ['lost', 'lapsed', 'erased'].map((tag) => customerIdIn('treatment', undefined, `fail-${tag}`));
    for (const id of [lost!, lapsed!, erased!])
      await ingestEvent(deps, churn(id, T0, { consents: { sms: true, email: false, push: false } }));
    // "lapsed" and "erased": touch 1 claimed by a sender that died (no outcome, no lease).
    const lapsedTouch = await leftSending(deps, lapsed!);
    await leftSending(deps, erased!);
    // "lost": touch 1's answer is lost (may have gone out), touch 2 is refused by the channel (certainly not sent).
    deps.channels.sms.failNext(1, false, 'SMS SendTextMessage outcome unknown: TimeoutError', true);
    deps.channels.sms.failNext(1, false, 'SMS SendTextMessage failed: ValidationException');

    // Act: "erased" is erased mid-send; "lapsed" has its claim resolved; "lost" gets both its touches tried.
    await eraseCustomer(deps, erased!);
    await resolveLease(deps, { customerId: lapsed!, touchId: lapsedTouch });
    const lostTouches = (await recordOf(deps, lost!)).journeys[0]!.touches;
    for (const touch of lostTouches) {
      deps.clock.set(Math.max(deps.clock.now(), Date.parse(touch.dueAt)));
      await sendTouch(deps, { customerId: lost!, touchId: touch.touchId, timerName: touch.timerName });
    }

    // Assess: "lost": 2 failed, 1 of them unknown; "lapsed": 1 failed, unknown (touch 2 still
    // planned); "erased": its claim kept as failed, unknown.
    const facts = await factsOf(deps, day(31));
    const byHash = (id: string) => facts.find((f) => f.customer_hash === pseudonymize(id, HASH_KEY))!;
    expect(byHash(lost!)).toMatchObject({ touches_planned: 2, touches_sent: 0, touches_failed: 2, touches_outcome_unknown: 1 });
    expect(byHash(lapsed!)).toMatchObject({ touches_planned: 2, touches_sent: 0, touches_failed: 1, touches_outcome_unknown: 1 });
    expect(byHash(erased!)).toMatchObject({ touches_planned: 2, touches_sent: 0, touches_failed: 1, touches_outcome_unknown: 1 });
    // The programme row: 2 + 1 + 1 = 4 failed, 1 + 1 + 1 = 3 of them unknown.
    expect(kpisOf(facts, 'programme')[0]).toMatchObject({ journeys: 3, touches_failed: 4, touches_outcome_unknown: 3 });
  });
});
