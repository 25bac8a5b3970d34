import { describe, expect, it } from 'vitest';
import { applySendOutcome } from '#shared/domain/journey/send-outcome';
import { parsePolicy } from '#shared/domain/policy';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { eraseCustomer } from '#shared/engine/customer-admin';
import { ingestEvent } from '#shared/engine/ingest-event';
import { churnEvent, consentEvent, returnedEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, runUntil } from '../../support/fakes.ts';
import { day, iso, recordOf, touchesOf } from './helpers.ts';

describe('edge cases found in review', () => {
  it('never lets an outcome decided on an older read undo a cancellation', async () => {
    // Prepare: the touch was cancelled by a return after a send decision read it as planned.
    const deps = makeDeps();
    const customerId = customerIdIn('control');
    await ingestEvent(deps, churnEvent({ customerId }));
    const before = await recordOf(deps, customerId);
    await ingestEvent(deps, returnedEvent({ customerId, occurredAt: iso(day(20)) }));
    const after = await recordOf(deps, customerId);
    const touchId = before.journeys[0]!.touches[0]!.touchId;

    // Act
    const { record, effects } = applySendOutcome(after, touchId, { kind: 'withheld', channel: 'sms' }, day(31));
    const deferred = applySendOutcome(after, touchId, { kind: 'deferred', dueAtMs: day(32), reason: 'outside_send_window' }, day(31));

    // Assess
    expect(record.journeys[0]!.touches[0]).toMatchObject({ status: 'cancelled', reason: 'customer_returned' });
    expect(effects.schedule).toEqual([]);
    expect(deferred.effects.schedule).toEqual([]);
  });

  it('does not re-create an erased customer from late feedback, under an id that may be a phone number', async () => {
    const deps = makeDeps();
    const customerId = '+447700900999';
    await ingestEvent(deps, churnEvent({ customerId }));
    await runUntil(deps, deps.scheduler, day(50));
    const [first] = await touchesOf(deps, customerId);
    await eraseCustomer(deps, customerId);

    const late = await ingestEvent(deps, {
      eventId: 'late-open',
      type: 'message.engaged',
      occurredAt: iso(day(51)),
      customerId,
      touchId: first!.touchId,
      kind: 'opened',
    });
    const survey = await ingestEvent(deps, {
      eventId: 'late-nps',
      type: 'survey.answered',
      occurredAt: iso(day(52)),
      customerId,
      score: 9,
    });

    expect([late.status, survey.status]).toEqual(['accepted', 'accepted']);
    expect(await deps.store.get(customerId)).toBeUndefined();
  });

  it('ignores a STOP reply older than a newer opt-in, as for any consent change', async () => {
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId, consents: { sms: true, email: false, push: false } }));
    await runUntil(deps, deps.scheduler, day(50));
    const [first] = await touchesOf(deps, customerId);
    await ingestEvent(deps, consentEvent({ customerId, eventId: 'opt-in', occurredAt: iso(day(49)), channel: 'sms', granted: true }));

    await ingestEvent(deps, {
      eventId: 'old-stop',
      type: 'message.engaged',
      occurredAt: iso(day(48)),
      customerId,
      touchId: first!.touchId,
      kind: 'replied',
      text: 'STOP',
    });

    const record = await recordOf(deps, customerId);
    expect(record.profile!.consents.sms).toBe(true);
    expect(record.history.at(-1)).toMatchObject({ decision: 'recorded', reason: 'older_than_current_consent' });
  });

  it('starts a new journey for a churn after the last one ended without a return', async () => {
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId }));
    await runUntil(deps, deps.scheduler, day(400));

    await ingestEvent(deps, churnEvent({ customerId, eventId: 'churn-again', occurredAt: iso(day(400)) }));

    const record = await recordOf(deps, customerId);
    expect(record.journeys).toHaveLength(2);
    expect(record.journeys[1]!.status).toBe('active');
    expect(record.journeys[1]!.touches.filter((t) => t.status === 'planned')).toHaveLength(2);
  });

  it('keeps journeys planned with the embedded policy going after the operator brings a policy of their own', async () => {
    // Prepare: a journey planned with the embedded default.
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    await ingestEvent(deps, churnEvent({ customerId }));

    // Act: the operator deploys version 2 of their own policy.
    const own = parsePolicy({ ...structuredClone(telecomPortOut), id: 'acme-port-out', version: '2' });
    deps.policies = deploymentPolicies([own]);
    await runUntil(deps, deps.scheduler, day(130));
    await ingestEvent(deps, churnEvent({ customerId: 'new-customer', eventId: 'new-churn', occurredAt: iso(day(130)) }));

    // Assess
    expect(deps.channels.sms.sent.filter((m) => m.customerId === customerId)).toHaveLength(2);
    expect((await recordOf(deps, 'new-customer')).journeys[0]!.policyId).toBe('acme-port-out');
  });
});
