import { describe, expect, it } from 'vitest';
import { isInsideSendWindow } from '#shared/domain/send-window';
import { ingestEvent } from '#shared/engine/ingest-event';
import { churnEvent, consentEvent, returnedEvent } from '../../fixtures/events.ts';
import { customerIdIn, depsWith, makeDeps, runUntil } from '../../support/fakes.ts';
import { day, iso, recordOf, touchesOf } from '../engine/helpers.ts';

const engaged = (customerId: string, touchId: string, kind: string, atMs: number, text?: string) =>
  ({
    eventId: `eng-${touchId}-${kind}-${atMs}`,
    type: 'message.engaged',
    occurredAt: iso(atMs),
    customerId,
    touchId,
    kind,
    ...(text ? { text } : {}),
  }) as const;

describe('feedback into the journey', () => {
  it('suppresses e-mail on a hard bounce and moves the next touch to SMS, where consented', async () => {
    // Prepare: e-mail first (no SMS consent at the churn), SMS consent given later.
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId, consents: { sms: false, email: true, push: false } }));
    await runUntil(deps, deps.scheduler, day(50));
    await ingestEvent(deps, consentEvent({ customerId, eventId: 'sms-yes', occurredAt: iso(day(50)), channel: 'sms', granted: true }));
    const [first] = await touchesOf(deps, customerId);

    // Act
    await ingestEvent(deps, engaged(customerId, first!.touchId, 'bounced', day(51)) as never);
    await runUntil(deps, deps.scheduler, day(130));

    // Assess
    expect(deps.channels.email.sent).toHaveLength(1);
    expect(deps.channels.sms.sent.map((m) => m.touchId)).toEqual([`${first!.touchId.slice(0, -2)}-2`]);
    const record = await recordOf(deps, customerId);
    expect(record.profile!.suppressed?.email).toMatchObject({ reason: 'bounced' });
    expect(record.history.map((h) => [h.decision, h.reason])).toEqual(
      expect.arrayContaining([
        ['suppressed', 'bounced'],
        ['switched', 'suppressed_bounced:email->sms'],
      ]),
    );
  });

  it('cancels the pending touches of a complained-about channel when no other is usable', async () => {
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId, consents: { sms: false, email: true, push: false } }));
    await runUntil(deps, deps.scheduler, day(50));
    const [first, second] = await touchesOf(deps, customerId);

    await ingestEvent(deps, engaged(customerId, first!.touchId, 'complained', day(51)) as never);
    await runUntil(deps, deps.scheduler, day(130));

    expect(deps.channels.email.sent).toHaveLength(1);
    expect((await touchesOf(deps, customerId))[1]).toMatchObject({
      touchId: second!.touchId,
      status: 'cancelled',
      reason: 'suppressed_complained',
    });
    expect(deps.scheduler.timers.size).toBe(0);
  });

  it('lifts a suppression when the customer comes back with another address', async () => {
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId, consents: { sms: false, email: true, push: false } }));
    await runUntil(deps, deps.scheduler, day(50));
    const [first] = await touchesOf(deps, customerId);
    await ingestEvent(deps, engaged(customerId, first!.touchId, 'bounced', day(51)) as never);
    await ingestEvent(deps, returnedEvent({ customerId, eventId: 'ret', occurredAt: iso(day(52)) }));

    // Act: a later churn with a new address.
    deps.clock.set(day(400));
    await ingestEvent(
      deps,
      churnEvent({
        customerId,
        eventId: 'churn-2',
        occurredAt: iso(day(400)),
        contacts: { email: 'new.address@example.com' },
        consents: { sms: false, email: true, push: false },
      }),
    );

    // Assess: the first journey was won back, so this one is ineligible for that reason only, not for the suppression.
    const journey = (await recordOf(deps, customerId)).journeys.at(-1)!;
    expect(journey.ineligibleReasons).toEqual(['won_back_before']);
  });

  it('takes a STOP reply as an opt-out of that channel; an ordinary reply changes nothing', async () => {
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId, consents: { sms: true, email: false, push: false } }));
    await runUntil(deps, deps.scheduler, day(50));
    const [first] = await touchesOf(deps, customerId);

    await ingestEvent(deps, engaged(customerId, first!.touchId, 'replied', day(50) + 1000, 'is it really free?') as never);
    expect((await recordOf(deps, customerId)).profile!.consents.sms).toBe(true);
    await ingestEvent(deps, engaged(customerId, first!.touchId, 'replied', day(51), 'Stop texting me') as never);
    await runUntil(deps, deps.scheduler, day(130));

    expect(deps.channels.sms.sent).toHaveLength(1);
    const record = await recordOf(deps, customerId);
    expect(record.profile!.consents.sms).toBe(false);
    expect(record.journeys[0]!.touches[1]).toMatchObject({ status: 'cancelled', reason: 'consent_revoked' });
    expect(JSON.stringify(record)).not.toContain('Stop texting me');
  });
});

describe('consent with a legal basis and an expiry', () => {
  it('treats a soft opt-in as lapsed N days after the contract ended: touch 2 falls to e-mail, or is skipped', async () => {
    // Prepare: SMS rests on a soft opt-in lasting 50 days after the churn.
    const deps = depsWith((policy) => {
      policy.consent = { sms: { basis: 'soft_opt_in', expiresAfterDays: 50 }, email: { basis: 'consent' } };
    });
    const withEmail = customerIdIn('treatment', undefined, 'expiry-a');
    const smsOnly = customerIdIn('treatment', undefined, 'expiry-b');
    await ingestEvent(deps, churnEvent({ customerId: withEmail, eventId: 'a', consents: { sms: true, email: true, push: false } }));
    await ingestEvent(deps, churnEvent({ customerId: smsOnly, eventId: 'b', consents: { sms: true, email: false, push: false } }));

    // Act
    await runUntil(deps, deps.scheduler, day(130));

    // Assess: touch 1 (days 30–45) by SMS for both; touch 2 (days 60–90) by e-mail, or not at all.
    expect(deps.channels.sms.sent.map((m) => m.customerId).sort()).toEqual([withEmail, smsOnly].sort());
    expect(deps.channels.email.sent.map((m) => m.customerId)).toEqual([withEmail]);
    expect((await touchesOf(deps, smsOnly))[1]).toMatchObject({ status: 'skipped', reason: 'consent_expired' });
  });

  it('counts the expiry from a later renewal', async () => {
    const deps = depsWith((policy) => {
      policy.consent = { sms: { basis: 'soft_opt_in', expiresAfterDays: 50 } };
    });
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId, consents: { sms: true, email: false, push: false } }));
    await ingestEvent(deps, consentEvent({ customerId, eventId: 'renew', occurredAt: iso(day(40)), channel: 'sms', granted: true }));
    await runUntil(deps, deps.scheduler, day(130));
    expect(deps.channels.sms.sent).toHaveLength(2);
  });
});

describe('per-market send windows', () => {
  it('narrows the window to the market’s legal hours: Florida 08:00–20:00 inside a policy allowing 07:00–22:00', async () => {
    // Prepare
    const deps = depsWith((policy) => {
      policy.sendWindow = { start: '07:00', end: '22:00', weekdays: [1, 2, 3, 4, 5, 6, 7] };
      policy.markets = [
        { market: 'US', start: '08:00', end: '21:00' },
        { market: 'US-FL', start: '08:00', end: '20:00' },
      ];
    });
    const policy = deps.policies.get('telecom-port-out', '3');
    expect(deps.policies.sendWindowFor(policy, 'US-FL')).toEqual({ start: '08:00', end: '20:00', weekdays: [1, 2, 3, 4, 5, 6, 7] });
    expect(deps.policies.sendWindowFor(policy, 'US-TX')).toMatchObject({ start: '08:00', end: '21:00' });
    expect(deps.policies.sendWindowFor(policy, undefined)).toMatchObject({ start: '07:00', end: '22:00' });
    const customers = Array.from({ length: 30 }, (_, i) => customerIdIn('treatment', undefined, `fl-${i}`)).filter(
      (id, i, all) => all.indexOf(id) === i,
    );

    // Act
    for (const [i, customerId] of customers.entries()) {
      await ingestEvent(
        deps,
        churnEvent({
          customerId,
          eventId: `fl-${i}`,
          timezone: 'America/New_York',
          market: 'US-FL',
          contacts: { phone: '+13055550100' },
          consents: { sms: true, email: false, push: false },
        }),
      );
    }
    await runUntil(deps, deps.scheduler, day(130));

    // Assess
    expect(deps.channels.sms.sent.length).toBeGreaterThan(0);
    for (const message of deps.channels.sms.sent) {
      const touch = (await touchesOf(deps, message.customerId)).find((t) => t.touchId === message.touchId)!;
      expect(
        isInsideSendWindow(Date.parse(touch.sentAt!), 'America/New_York', {
          start: '08:00',
          end: '20:00',
          weekdays: [1, 2, 3, 4, 5, 6, 7],
        }),
      ).toBe(true);
    }
  });

  it('refuses a journey whose market leaves no hour of the policy window', async () => {
    const deps = depsWith((policy) => {
      policy.sendWindow = { start: '20:30', end: '22:00', weekdays: [1, 2, 3, 4, 5] };
      policy.markets = [{ market: 'US-FL', start: '08:00', end: '20:00' }];
    });
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId, market: 'US-FL', timezone: 'America/New_York' }));
    expect((await recordOf(deps, customerId)).journeys[0]!.ineligibleReasons).toContain('no_send_window_in_market');
  });
});

describe('click follow-up', () => {
  const withFollowUp = () =>
    depsWith((policy) => {
      policy.clickFollowUp = { afterDays: 5, angle: 'offer' };
      policy.frequencyCap = { maxMessages: 1, perHours: 24, maxPerJourney: 3 };
    });

  it('plans one follow-up N days after the first click, inside the window, and sends it', async () => {
    // Prepare
    const deps = withFollowUp();
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId, consents: { sms: true, email: false, push: false } }));
    await runUntil(deps, deps.scheduler, day(47));
    const [first] = await touchesOf(deps, customerId);

    // Act: two clicks; only the first counts.
    await ingestEvent(deps, engaged(customerId, first!.touchId, 'clicked', day(47)) as never);
    await ingestEvent(deps, engaged(customerId, first!.touchId, 'clicked', day(48)) as never);
    await runUntil(deps, deps.scheduler, day(130));

    // Assess
    const touches = await touchesOf(deps, customerId);
    expect(touches.map((t) => [t.touchId.slice(-2), t.status])).toEqual([
      ['-1', 'sent'],
      ['-2', 'sent'],
      ['f1', 'sent'],
    ]);
    const followUp = touches[2]!;
    expect(Date.parse(followUp.sentAt!)).toBeGreaterThanOrEqual(day(52));
    expect(isInsideSendWindow(Date.parse(followUp.sentAt!), 'Europe/London', deps.policies.get('telecom-port-out', '3').sendWindow)).toBe(
      true,
    );
    expect(deps.channels.sms.sent.find((m) => m.touchId === followUp.touchId)!.text).toMatch(/first month/);
    expect(
      (await recordOf(deps, customerId)).history.some((h) => h.decision === 'planned' && h.reason.startsWith('follow_up_after_click:')),
    ).toBe(true);
  });

  it('plans nothing without the policy rule, or once the customer returned', async () => {
    const plain = makeDeps();
    const a = customerIdIn('treatment');
    await ingestEvent(plain, churnEvent({ customerId: a }));
    await runUntil(plain, plain.scheduler, day(47));
    const [touch] = await touchesOf(plain, a);
    await ingestEvent(plain, engaged(a, touch!.touchId, 'clicked', day(47)) as never);
    expect(await touchesOf(plain, a)).toHaveLength(2);

    const deps = withFollowUp();
    const b = customerIdIn('treatment', undefined, 'returned');
    await ingestEvent(deps, churnEvent({ customerId: b }));
    await runUntil(deps, deps.scheduler, day(47));
    const [first] = await touchesOf(deps, b);
    await ingestEvent(deps, returnedEvent({ customerId: b, occurredAt: iso(day(47)) }));
    await ingestEvent(deps, engaged(b, first!.touchId, 'clicked', day(48)) as never);
    expect(await touchesOf(deps, b)).toHaveLength(2);
  });
});
