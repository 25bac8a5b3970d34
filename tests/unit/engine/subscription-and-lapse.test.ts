import { describe, expect, it } from 'vitest';
import { DAY_MS } from '#shared/domain/vocabulary';
import { lapseEventId, type LapseDue } from '#shared/domain/journey/timers';
import type { Touch } from '#shared/domain/journey/record';
import { offerBudget, offerCost, parsePolicy } from '#shared/domain/policy';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import { subscription } from '#shared/domain/policies/subscription';
import { fireTimer } from '#shared/engine/fire-timer';
import { ingestEvent } from '#shared/engine/ingest-event';
import { churnEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, runUntil, type TestDeps } from '../../support/fakes.ts';
import { day, iso, journeyOf, recordOf } from './helpers.ts';

const preset = parsePolicy(subscription);
const withEmbeddedPolicies = (): TestDeps => makeDeps({ policies: deploymentPolicies([]) });
const treatment = (prefix: string) => customerIdIn('treatment', preset, prefix);

const cancellation = (customerId: string, monthlyRevenue: number, fields: Record<string, unknown> = {}) =>
  churnEvent({
    customerId,
    eventId: `cancel-${customerId}`,
    churnKind: 'cancellation',
    exitReason: 'price',
    monthlyRevenue,
    tenureMonths: 14,
    contacts: { email: 'ana@example.com', phone: '+447700900321' },
    consents: { email: true, sms: false, push: false },
    ...fields,
  });

const active = (customerId: string, atMs: number, fields: Record<string, unknown> = {}) =>
  ({ eventId: `active-${customerId}-${atMs}`, type: 'customer.active', occurredAt: iso(atMs), customerId, ...fields }) as never;

describe('the subscription preset', () => {
  it('runs four e-mails on days 1, 7, 14 and 30 with rising offers, each within the margin cap', async () => {
    // Prepare: 30 a month, so offers may cost up to a fifth of 360.
    const deps = withEmbeddedPolicies();
    const customerId = treatment('sub');

    // Act
    await ingestEvent(deps, cancellation(customerId, 30));
    await runUntil(deps, deps.scheduler, day(45));

    // Assess
    const journey = await journeyOf(deps, customerId);
    expect(journey.policyId).toBe('subscription');
    const sent = deps.channels.email.sent;
    expect(sent.map((m) => m.channel)).toEqual(['email', 'email', 'email', 'email']);
    expect(deps.channels.sms.sent).toEqual([]);
    const days = journey.touches.map((t) => Math.floor((Date.parse(t.sentAt!) - day(0)) / DAY_MS));
    expect(days).toEqual([1, 7, 14, 30]);
    const offers = journey.touches.map((t) => preset.offers.find((o) => o.id === offerOf(t))!);
    expect(offers.map((o) => o.id)).toEqual(['reminder-saved', 'small-shipping', 'medium-free-month', 'best-two-months-gift']);
    const costs = offers.map((o) => offerCost(o, 30));
    expect(costs).toEqual([...costs].sort((a, b) => a - b));
    for (const cost of costs) expect(cost).toBeLessThanOrEqual(offerBudget(preset, 30));
  });

  it('takes a cheaper offer where the richest would break the margin cap', async () => {
    // 10 a month: the cap is 24, so "two months free and a gift" (30) gives way to "two months free" (20).
    const deps = withEmbeddedPolicies();
    const customerId = treatment('small');
    await ingestEvent(deps, cancellation(customerId, 10));
    expect((await journeyOf(deps, customerId)).touches.map(offerOf)).toEqual([
      'reminder-saved',
      'small-shipping',
      'medium-free-month',
      'best-two-months',
    ]);

    // 2 a month: the cap is 4.80, so paid shipping (5) gives way to the free "what is new";
    // months of the customer's own revenue (up to 2.4 of them) always fit.
    await ingestEvent(deps, cancellation('tiny', 2));
    expect((await journeyOf(deps, 'tiny')).touches.map(offerOf)).toEqual([
      'reminder-saved',
      'small-new',
      'medium-free-month',
      'best-two-months',
    ]);
  });

  it('texts only a customer who consented to SMS, and only when there is no e-mail to use', async () => {
    const deps = withEmbeddedPolicies();
    await ingestEvent(
      deps,
      cancellation('no-email-no-consent', 30, {
        contacts: { phone: '+447700900321' },
        consents: { sms: false, email: false, push: false },
      }),
    );
    await ingestEvent(
      deps,
      cancellation('no-email-consent', 30, { contacts: { phone: '+447700900321' }, consents: { sms: true, email: false, push: false } }),
    );

    expect(await journeyOf(deps, 'no-email-no-consent')).toMatchObject({ status: 'ineligible', ineligibleReasons: ['no_usable_channel'] });
    expect((await journeyOf(deps, 'no-email-consent')).touches.map((t) => t.channel)).toEqual(['sms', 'sms', 'sms', 'sms']);
  });

  it('keeps port-outs on the telecom default', async () => {
    const deps = withEmbeddedPolicies();
    await ingestEvent(deps, churnEvent({ customerId: 'mnp' }));
    expect(await journeyOf(deps, 'mnp')).toMatchObject({ policyId: 'telecom-port-out', policyVersion: '3' });
  });
});

describe('lapse detection', () => {
  it('churns a customer with kind lapse after 60 days without activity, on their own', async () => {
    // Prepare
    const deps = withEmbeddedPolicies();
    const customerId = treatment('shopper');
    await ingestEvent(
      deps,
      active(customerId, day(0), {
        contacts: { email: 'ana@example.com' },
        consents: { email: true },
        timezone: 'Europe/Paris',
        monthlyRevenue: 25,
        tenureMonths: 8,
      }),
    );

    // Act
    await runUntil(deps, deps.scheduler, day(59));
    const before = await recordOf(deps, customerId);
    await runUntil(deps, deps.scheduler, day(62));

    // Assess
    expect(before.journeys).toEqual([]);
    const journey = await journeyOf(deps, customerId);
    expect(journey).toMatchObject({ churnKind: 'lapse', policyId: 'subscription', churnedAt: iso(day(60)), status: 'active' });
    expect(deps.channels.email.sent).toHaveLength(1);
    expect(await deps.store.hasEvent(lapseEventId(before.lapse!.timerName))).toBe(true);
  });

  it('restarts the lapse period with each activity, and ignores activity older than the last', async () => {
    const deps = withEmbeddedPolicies();
    await ingestEvent(
      deps,
      active('regular', day(0), {
        contacts: { email: 'ana@example.com' },
        consents: { email: true },
        timezone: 'Europe/Paris',
        monthlyRevenue: 25,
        tenureMonths: 8,
      }),
    );
    await runUntil(deps, deps.scheduler, day(40));
    await ingestEvent(deps, active('regular', day(40)));
    await ingestEvent(deps, active('regular', day(20)));

    await runUntil(deps, deps.scheduler, day(99));
    expect((await recordOf(deps, 'regular')).journeys).toEqual([]);
    expect([...deps.scheduler.timers.values()].map((t) => t.dueAt)).toEqual([iso(day(100))]);
    await runUntil(deps, deps.scheduler, day(100));
    expect(await journeyOf(deps, 'regular')).toMatchObject({ churnKind: 'lapse', churnedAt: iso(day(100)) });
  });

  it('counts activity after a lapse churn as the return', async () => {
    const deps = withEmbeddedPolicies();
    await ingestEvent(
      deps,
      active('back', day(0), {
        contacts: { email: 'ana@example.com' },
        consents: { email: true },
        timezone: 'Europe/Paris',
        monthlyRevenue: 25,
        tenureMonths: 8,
      }),
    );
    await runUntil(deps, deps.scheduler, day(70));

    await ingestEvent(deps, active('back', day(70)));
    await runUntil(deps, deps.scheduler, day(120));

    const record = await recordOf(deps, 'back');
    expect(record.journeys[0]).toMatchObject({ status: 'won_back', returnedAt: iso(day(70)) });
    expect(record.journeys[0]!.touches.filter((t) => t.status === 'sent').length).toBeLessThan(4);
    // …and the lapse watch starts again from the return.
    expect(record.lapse?.dueAt).toBe(iso(day(130)));
  });

  it('fires a lapse once even when its timer is delivered twice, and a stale timer does nothing', async () => {
    const deps = withEmbeddedPolicies();
    await ingestEvent(
      deps,
      active('twice', day(0), {
        contacts: { email: 'ana@example.com' },
        consents: { email: true },
        timezone: 'UTC',
        monthlyRevenue: 25,
        tenureMonths: 8,
      }),
    );
    const first = (await recordOf(deps, 'twice')).lapse!;
    await ingestEvent(deps, active('twice', day(1)));
    const second = (await recordOf(deps, 'twice')).lapse!;
    deps.clock.set(day(61));

    const stale = await fireTimer(deps, { kind: 'lapse', customerId: 'twice', timerName: first.timerName } satisfies LapseDue);
    const fired = await fireTimer(deps, { kind: 'lapse', customerId: 'twice', timerName: second.timerName });
    const again = await fireTimer(deps, { kind: 'lapse', customerId: 'twice', timerName: second.timerName });

    expect([stale, fired, again]).toEqual([
      { outcome: 'ignored', reason: 'stale_timer' },
      { outcome: 'lapsed' },
      { outcome: 'ignored', reason: 'already_fired' },
    ]);
    expect((await recordOf(deps, 'twice')).journeys).toHaveLength(1);
  });

  it('watches for lapses only where a policy detects them', async () => {
    const deps = makeDeps();
    await ingestEvent(deps, active('telecom', day(0), { timezone: 'UTC' }));
    expect(deps.scheduler.timers.size).toBe(0);
    expect((await recordOf(deps, 'telecom')).history.at(-1)?.reason).toBe('activity');
  });
});

/** The offer a message touch makes (a task notice makes none). */
function offerOf(touch: Touch): string | undefined {
  return touch.kind === 'task_notice' ? undefined : touch.offerId;
}
