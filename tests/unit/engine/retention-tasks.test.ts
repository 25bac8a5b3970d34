import { describe, expect, it } from 'vitest';
import { customerFactRows } from '#shared/domain/kpi/facts';
import { ingestEvent } from '#shared/engine/ingest-event';
import { churnEvent, returnedEvent } from '../../fixtures/events.ts';
import { depsWith, makeDeps, runUntil } from '../../support/fakes.ts';
import { day, iso, journeyOf, recordOf, T0 } from './helpers.ts';

/** A partner account worth 120 × 60 = 7,200 by the default formula: over the 3,000 threshold. */
const partnerChurn = (customerId: string) =>
  churnEvent({
    customerId,
    eventId: `churn-${customerId}`,
    accountType: 'partner',
    monthlyRevenue: 120,
    tenureMonths: 60,
    accountNumber: 'ACC-778',
    company: 'Harbour Logistics Ltd',
    contacts: { phone: '+447700900456', email: 'ops@harbour.example', name: 'Sam Carter' },
  });

const outcome = (customerId: string, taskId: string, fields: Record<string, unknown>, atMs: number) =>
  ({ eventId: `outcome-${taskId}-${atMs}`, type: 'task.outcome', occurredAt: iso(atMs), customerId, taskId, ...fields }) as never;

describe('escalation of high-value accounts', () => {
  it('hands a high-value partner account to the partner team instead of texting it', async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    await ingestEvent(deps, partnerChurn('partner-1'));
    await runUntil(deps, deps.scheduler, day(130));

    // Assess
    const journey = await journeyOf(deps, 'partner-1');
    expect(journey.task).toMatchObject({ team: 'partner', value: 7200, status: 'open', dueAt: iso(day(30)) });
    expect(journey.arm).toBe('treatment');
    expect(journey.touches.map((t) => [t.channel, t.status])).toEqual([['task', 'sent']]);
    expect(deps.channels.sms.sent).toEqual([]);
    expect(deps.channels.email.sent).toEqual([]);
    const [notice] = deps.channels.task.sent;
    expect(notice).toMatchObject({ channel: 'task', to: 'partner', customerId: 'partner-1' });
    for (const detail of [
      'ACC-778',
      'Harbour Logistics Ltd',
      'Sam Carter',
      '+447700900456',
      'ops@harbour.example',
      '7,200 EUR',
      iso(day(30)),
      journey.task!.taskId,
    ])
      expect(notice!.text).toContain(detail);
    expect(notice!.subject).toContain('due 2026-02-04');
  });

  it('routes every other account type to the catch-all team', async () => {
    const deps = makeDeps();
    await ingestEvent(deps, churnEvent({ customerId: 'direct-1', accountType: 'business', monthlyRevenue: 100, tenureMonths: 40 }));
    await runUntil(deps, deps.scheduler, day(1));
    expect(deps.channels.task.sent.map((m) => m.to)).toEqual(['sales']);
  });

  it('leaves an account under the threshold, or one whose formula reads a missing number, to the automated touches', async () => {
    const deps = depsWith(
      (p) => void (p.escalation = { value: 'subscriptions - totalBuyCost + totalSaleCost', threshold: 1000, routes: [{ team: 'sales' }] }),
    );
    await ingestEvent(deps, churnEvent({ customerId: 'low', attributes: { subscriptions: 900, totalBuyCost: 400, totalSaleCost: 450 } }));
    await ingestEvent(deps, churnEvent({ customerId: 'unknown', eventId: 'churn-unknown', attributes: { subscriptions: 5000 } }));
    await ingestEvent(
      deps,
      churnEvent({ customerId: 'voip', eventId: 'churn-voip', attributes: { subscriptions: 900, totalBuyCost: 100, totalSaleCost: 250 } }),
    );

    expect((await journeyOf(deps, 'low')).task).toBeUndefined();
    expect((await journeyOf(deps, 'unknown')).task).toBeUndefined();
    expect((await journeyOf(deps, 'voip')).task).toMatchObject({ value: 1050, team: 'sales' });
  });

  it('plans the automated touches after the task when the policy escalates "before" them', async () => {
    const deps = depsWith((p) => void (p.escalation = { ...p.escalation!, mode: 'before' }));
    await ingestEvent(deps, partnerChurn('partner-2'));
    const journey = await journeyOf(deps, 'partner-2');
    expect(journey.touches.map((t) => t.channel)).toEqual(['task', 'sms', 'sms']);
  });

  it('escalates an account no automated channel may reach: a person can still call', async () => {
    const deps = makeDeps();
    await ingestEvent(deps, { ...partnerChurn('partner-3'), consents: { sms: false, email: false, push: false, whatsapp: false } });
    const journey = await journeyOf(deps, 'partner-3');
    expect(journey.status).toBe('active');
    expect(journey.task?.team).toBe('partner');
  });
});

describe('task outcomes', () => {
  it('re-opens a follow-up as a task at the time agreed with the customer', async () => {
    // Prepare
    const deps = makeDeps();
    await ingestEvent(deps, partnerChurn('partner-4'));
    await runUntil(deps, deps.scheduler, day(3));
    const { taskId } = (await journeyOf(deps, 'partner-4')).task!;
    const followUpAt = '2026-01-20T15:30:00+00:00';

    // Act
    await ingestEvent(deps, outcome('partner-4', taskId, { outcome: 'follow_up', followUpAt, reason: 'price' }, day(3)));
    const beforeFollowUp = (await journeyOf(deps, 'partner-4')).task!;
    await runUntil(deps, deps.scheduler, Date.parse(followUpAt) - 1);
    const noticesBefore = deps.channels.task.sent.length;
    await runUntil(deps, deps.scheduler, Date.parse(followUpAt));

    // Assess
    expect(beforeFollowUp).toMatchObject({ status: 'follow_up', dueAt: iso(Date.parse(followUpAt)), reason: 'price' });
    expect(noticesBefore).toBe(1);
    expect(deps.channels.task.sent).toHaveLength(2);
    expect(deps.channels.task.sent[1]!.text).toContain('follow-up');
    const task = (await journeyOf(deps, 'partner-4')).task!;
    expect(task.status).toBe('open');
    expect(task.outcomes.map((o) => o.outcome)).toEqual(['follow_up']);
  });

  it('ends the journey as a win-back when the team retains the customer, and takes no outcome after that', async () => {
    const deps = depsWith((p) => void (p.escalation = { ...p.escalation!, mode: 'before' }));
    await ingestEvent(deps, partnerChurn('partner-5'));
    const { taskId } = (await journeyOf(deps, 'partner-5')).task!;

    await ingestEvent(deps, outcome('partner-5', taskId, { outcome: 'retained' }, day(10)));
    await ingestEvent(deps, outcome('partner-5', taskId, { outcome: 'ported_away' }, day(11)));
    await runUntil(deps, deps.scheduler, day(130));

    const journey = await journeyOf(deps, 'partner-5');
    expect(journey).toMatchObject({ status: 'won_back', returnedAt: iso(day(10)) });
    expect(journey.task).toMatchObject({ status: 'retained' });
    expect(journey.touches.filter((t) => t.channel === 'sms').map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
    expect(deps.channels.sms.sent).toEqual([]);
    expect((await recordOf(deps, 'partner-5')).history.some((h) => h.reason === 'task_already_retained')).toBe(true);
  });

  it('closes the task on ported_away and lets the automated touches planned after it go', async () => {
    const deps = depsWith((p) => void (p.escalation = { ...p.escalation!, mode: 'before' }));
    await ingestEvent(deps, partnerChurn('partner-6'));
    const { taskId } = (await journeyOf(deps, 'partner-6')).task!;

    await ingestEvent(deps, outcome('partner-6', taskId, { outcome: 'ported_away', reason: 'coverage' }, day(5)));
    await runUntil(deps, deps.scheduler, day(130));

    expect((await journeyOf(deps, 'partner-6')).task).toMatchObject({ status: 'ported_away', reason: 'coverage' });
    expect(deps.channels.sms.sent).toHaveLength(2);
  });

  it('cancels a pending follow-up notice when the customer comes back on their own', async () => {
    const deps = makeDeps();
    await ingestEvent(deps, partnerChurn('partner-7'));
    await runUntil(deps, deps.scheduler, day(2));
    const { taskId } = (await journeyOf(deps, 'partner-7')).task!;
    await ingestEvent(deps, outcome('partner-7', taskId, { outcome: 'follow_up', followUpAt: iso(day(20)) }, day(2)));

    await ingestEvent(deps, returnedEvent({ customerId: 'partner-7', occurredAt: iso(day(8)) }));
    await runUntil(deps, deps.scheduler, day(30));

    const journey = await journeyOf(deps, 'partner-7');
    expect(journey.task!.status).toBe('customer_returned');
    expect(journey.touches.map((t) => t.status)).toEqual(['sent', 'cancelled']);
    expect(deps.channels.task.sent).toHaveLength(1);
    expect(deps.scheduler.timers.size).toBe(0);
  });

  it('records an outcome for a task it does not know, and changes nothing else', async () => {
    const deps = makeDeps();
    await ingestEvent(deps, partnerChurn('partner-8'));
    await ingestEvent(deps, outcome('partner-8', 'no-such-task', { outcome: 'retained' }, T0 + 1000));
    expect((await journeyOf(deps, 'partner-8')).status).toBe('active');
    expect((await recordOf(deps, 'partner-8')).history.at(-1)?.reason).toBe('outcome_for_unknown_task');
  });
});

describe('task KPIs', () => {
  it('writes the task into the journey facts, and keeps its notices out of the message counts', async () => {
    const deps = depsWith((p) => void (p.escalation = { ...p.escalation!, mode: 'before' }));
    await ingestEvent(deps, partnerChurn('partner-9'));
    await runUntil(deps, deps.scheduler, day(2));
    const { taskId } = (await journeyOf(deps, 'partner-9')).task!;
    await ingestEvent(deps, outcome('partner-9', taskId, { outcome: 'follow_up', followUpAt: iso(day(4)) }, day(2)));
    await runUntil(deps, deps.scheduler, day(5));
    await ingestEvent(deps, outcome('partner-9', taskId, { outcome: 'retained', reason: 'support' }, day(6)));

    const [row] = customerFactRows(await recordOf(deps, 'partner-9'), 'hash-key', day(7), deps.policies);

    expect(row).toMatchObject({
      channel: 'task',
      touches_planned: 2,
      touches_sent: 0,
      message_cost: 0,
      status: 'won_back',
      task_team: 'partner',
      task_status: 'retained',
      task_value: 7200,
      task_follow_ups: 1,
      task_reason: 'support',
    });
    expect(JSON.stringify(row)).not.toMatch(/Sam Carter|harbour|ACC-778|partner-9/);
  });
});
