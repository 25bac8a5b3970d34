import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offerBudget, offerCost, parsePolicy } from '#shared/domain/policy';
import { subscription } from '#shared/domain/policies/subscription';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { DAY_MS } from '#shared/domain/vocabulary';
import { customerIdIn } from '../support/fakes.ts';
import { outboxFor as outboxOf, startRunnerProcess, type RunnerProcess } from '../support/local-runner-process.ts';

/**
 * Retention tasks and the subscription preset, tried as a new user would: the local runner on its embedded policies,
 * driven over HTTP only.
 */
const START = '2026-01-05T08:00:00.000Z'; // a Monday
const preset = parsePolicy(subscription);
const inTreatment = (prefix: string, policy = preset) => customerIdIn('treatment', policy, prefix);

describe('retention tasks and the subscription preset, locally over HTTP', () => {
  let dataDir: string;
  let runner: RunnerProcess;
  const outboxFor = (customerId: string) => outboxOf(runner, customerId);
  const post = async (event: Record<string, unknown>) => {
    const answer = await runner.call('POST', '/v1/events', event);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-e2e-tasks-'));
    runner = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir, WINBACK_START_TIME: START, WINBACK_API_KEY: 'e2e-test-key-456' });
  });
  afterAll(async () => {
    await runner?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('hands a high-value partner account to the partner team, sends it no SMS, and brings a follow-up back at the agreed time', async () => {
    // Prepare: a partner account worth 180 × 48 = 8,640, over the default threshold.
    const customerId = inTreatment('partner', parsePolicy(telecomPortOut));
    await post({
      eventId: 'churn-partner',
      type: 'customer.churned',
      occurredAt: START,
      customerId,
      churnKind: 'port_out',
      exitReason: 'price',
      contacts: { phone: '+34600000002', email: 'it@acme.example', name: 'Lucía Pérez' },
      consents: { sms: true, email: true },
      timezone: 'Europe/Madrid',
      monthlyRevenue: 180,
      tenureMonths: 48,
      accountType: 'partner',
      accountNumber: 'ACC-1001',
      company: 'Acme Iberia SL',
    });

    // Act 1: a day later, the task has gone out.
    await runner.call('POST', '/local/clock', { advanceDays: 1 });
    const tasks = await runner.call('GET', '/v1/tasks?team=partner');

    // Assess 1
    const [notice] = await outboxFor(customerId);
    expect(notice).toMatchObject({ channel: 'task', to: 'partner' });
    for (const detail of ['ACC-1001', 'Acme Iberia SL', 'Lucía Pérez', '+34600000002', 'it@acme.example', '8,640 EUR'])
      expect(notice!.text).toContain(detail);
    expect(tasks.status).toBe(200);
    expect(tasks.body.tasks).toEqual([
      expect.objectContaining({
        customerId,
        team: 'partner',
        status: 'open',
        value: 8640,
        accountNumber: 'ACC-1001',
        company: 'Acme Iberia SL',
        phone: '+34600000002',
      }),
    ]);
    expect((await runner.call('GET', '/v1/tasks?team=sales')).body.tasks).toEqual([]);

    // Act 2: the team agrees to call back on day 10 at 16:00 Madrid time.
    const taskId = tasks.body.tasks[0].taskId as string;
    const followUpAt = '2026-01-15T16:00:00+01:00';
    await post({
      eventId: 'outcome-1',
      type: 'task.outcome',
      occurredAt: new Date(Date.parse(START) + DAY_MS + 3_600_000).toISOString(),
      customerId,
      taskId,
      outcome: 'follow_up',
      followUpAt,
      reason: 'price',
    });
    const waiting = (await runner.call('GET', '/v1/tasks')).body.tasks;
    await runner.call('POST', '/local/clock', { advanceTo: '2026-01-15T14:59:00.000Z' });
    const beforeTime = await outboxFor(customerId);
    await runner.call('POST', '/local/clock', { advanceTo: '2026-01-15T15:00:00.000Z' });

    // Assess 2: back as a task at the requested time, and still never a text.
    expect(waiting).toEqual([expect.objectContaining({ taskId, status: 'follow_up', dueAt: '2026-01-15T15:00:00.000Z', reason: 'price' })]);
    expect(beforeTime).toHaveLength(1);
    const messages = await outboxFor(customerId);
    expect(messages.map((m) => [m.channel, m.to, m.sentAt])).toEqual([
      ['task', 'partner', expect.any(String)],
      ['task', 'partner', '2026-01-15T16:00:00.000+01:00'],
    ]);
    expect((await runner.call('GET', '/v1/tasks?team=partner')).body.tasks[0]).toMatchObject({
      status: 'open',
      dueAt: '2026-01-15T15:00:00.000Z',
    });

    await runner.call('POST', '/local/clock', { advanceDays: 120 });
    expect((await outboxFor(customerId)).filter((m) => m.channel !== 'task')).toEqual([]);
  });

  it('runs a cancelled subscription through four e-mails on days 1, 7, 14 and 30 with rising offers within the margin cap', async () => {
    // Prepare
    const customerId = inTreatment('subscriber');
    const churnedAt = (await runner.call('GET', '/local/clock')).body.now as string;
    const monthlyRevenue = 40;
    await post({
      eventId: 'churn-subscriber',
      type: 'customer.churned',
      occurredAt: churnedAt,
      customerId,
      churnKind: 'cancellation',
      exitReason: 'price',
      contacts: { email: 'ana@example.com', phone: '+34600000003' },
      consents: { email: true, sms: false },
      timezone: 'Europe/Madrid',
      monthlyRevenue,
      tenureMonths: 14,
    });

    // Act
    await runner.call('POST', '/local/clock', { advanceDays: 35 });

    // Assess
    const messages = await outboxFor(customerId);
    expect(messages.map((m) => m.channel)).toEqual(['email', 'email', 'email', 'email']);
    expect(messages.map((m) => Math.floor((Date.parse(m.sentAt) - Date.parse(churnedAt)) / DAY_MS))).toEqual([1, 7, 14, 30]);
    const offers = messages.map((m) => preset.offers.find((o) => o.subject === m.subject)!);
    const costs = offers.map((o) => offerCost(o, monthlyRevenue));
    expect(costs).toEqual([0, 5, 40, 90]);
    for (const cost of costs) expect(cost).toBeLessThanOrEqual(offerBudget(preset, monthlyRevenue));
    const view = (await runner.call('GET', `/v1/customers/${customerId}`)).body;
    expect(view.journey).toMatchObject({ policy: 'subscription@2', churnKind: 'cancellation' });
  });

  it('churns a customer with no activity for the lapse period on their own', async () => {
    // Prepare
    const customerId = inTreatment('shopper');
    const now = (await runner.call('GET', '/local/clock')).body.now as string;
    await post({
      eventId: 'active-1',
      type: 'customer.active',
      occurredAt: now,
      customerId,
      contacts: { email: 'sam@example.com' },
      consents: { email: true },
      timezone: 'Europe/Madrid',
      monthlyRevenue: 25,
      tenureMonths: 6,
    });

    // Act
    await runner.call('POST', '/local/clock', { advanceDays: 59 });
    const before = (await runner.call('GET', `/v1/customers/${customerId}`)).body;
    await runner.call('POST', '/local/clock', { advanceDays: 3 });

    // Assess
    expect(before.status).toBe('no_journey');
    const after = (await runner.call('GET', `/v1/customers/${customerId}`)).body;
    expect(after.journey).toMatchObject({
      churnKind: 'lapse',
      policy: 'subscription@2',
      churnedAt: new Date(Date.parse(now) + 60 * DAY_MS).toISOString(),
    });
    expect((await outboxFor(customerId)).map((m) => m.channel)).toEqual(['email']);
  });
});
