import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '#shared/domain/policy';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import type { CustomerChurned } from '#shared/domain/events';
import type { DecisionEntry } from '#shared/domain/journey/record';
import type { ViewTouch } from '#shared/domain/view';
import { DAY_MS } from '#shared/domain/vocabulary';
import { churnInput } from '../fixtures/events.ts';
import { customerIdsIn } from '../support/fakes.ts';
import { outboxFor as outboxOf, startRunnerProcess, viewOf, type RunnerProcess } from '../support/local-runner-process.ts';

/**
 * Compliance, tried as a new user would: over HTTP against the real local runner
 * (DynamoDB Local, local timers, outbox), with the default telecom port-out policy (SMS, then
 * e-mail; 10:00–19:00 Monday–Saturday local; touches in days 30–45 and 60–90).
 *
 * The scenarios share one runner and its virtual clock, which only moves forward: each starts
 * from wherever the clock is, churns its customer "now" (or late), and runs its own 130 days.
 */

const START = '2026-01-05T08:00:00.000Z'; // a Monday
const MADRID = 'Europe/Madrid';
const TOKYO = 'Asia/Tokyo'; // no DST: the arithmetic below stays exact
const PHONE = '+34600000077';
const EMAIL = 'ana.garcia@example.com';
const policy = parsePolicy(telecomPortOut);

/** Customer ids in the treatment arm, so their touches are really sent. */
const [stops, bounces, lateAtNight] = customerIdsIn('treatment', 3, policy, 'compliance') as [string, string, string];

/** A Spanish port-out with SMS consent and an e-mail on file. */
function churn(customerId: string, occurredAt: string, overrides: Partial<CustomerChurned> = {}) {
  return churnInput({
    eventId: `churn-${customerId}`,
    occurredAt,
    customerId,
    contacts: { phone: PHONE, email: EMAIL },
    consents: { sms: true, email: false, push: false },
    timezone: MADRID,
    locale: 'es-ES',
    monthlyRevenue: 30,
    ...overrides,
  });
}

describe('compliance, end to end over HTTP', () => {
  let dataDir: string;
  let runner: RunnerProcess;
  /** The runner's virtual clock, as its last answer gave it. */
  let now = Date.parse(START);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-compliance-'));
    runner = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir, WINBACK_START_TIME: START, WINBACK_API_KEY: 'e2e-compliance-key' });
  });
  afterAll(async () => {
    await runner?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function post(event: Record<string, unknown>): Promise<void> {
    const answer = await runner.call('POST', '/v1/events', event);
    expect(answer, JSON.stringify(answer.body)).toMatchObject({ status: 202, body: { status: 'accepted' } });
  }

  async function advanceTo(instantMs: number): Promise<number> {
    const answer = await runner.call('POST', '/local/clock', { advanceTo: new Date(instantMs).toISOString() });
    expect(answer.status).toBe(200);
    now = Date.parse(answer.body.now);
    return answer.body.fired;
  }

  /** The customer's view; fails the test if there is no journey. */
  async function view(customerId: string) {
    const answer = await viewOf(runner, customerId);
    if (!answer.journey) throw new Error(`no journey for ${customerId}`);
    return { ...answer, journey: answer.journey };
  }

  const outboxFor = (customerId: string) => outboxOf(runner, customerId);

  /** Every touch's fate is in the decision log: planned (with its instant), then what became of it. */
  function expectEveryTouchExplained(touches: ViewTouch[], history: DecisionEntry[]): void {
    for (const touch of touches) {
      const entries = history.filter((entry) => entry.touchId === touch.touchId);
      expect(entries.find((entry) => entry.decision === 'planned')?.reason, `${touch.touchId} planned`).toMatch(
        /^\w+:[\w-]+@\d{4}-\d\d-\d\dT/,
      );
      const fate = entries.findLast(
        (entry) =>
          entry.decision !== 'planned' && entry.decision !== 'switched' && entry.decision !== 'recorded' && entry.decision !== 'suppressed',
      );
      expect(fate, `${touch.touchId} (${touch.status}) has its decision logged`).toMatchObject({
        decision: touch.status,
        ...(touch.reason && touch.status !== 'sent' ? { reason: touch.reason } : {}),
      });
    }
  }

  it('sends no SMS after a STOP reply that came once the timers were set', async () => {
    // Prepare: SMS consent only (an e-mail address on file, without consent), timers set.
    const churnedAt = now;
    await post(churn(stops, new Date(churnedAt).toISOString()));
    const planned = await view(stops);
    expect(planned.journey.touches.map((t) => [t.channel, t.status])).toEqual([
      ['sms', 'planned'],
      ['sms', 'planned'],
    ]);
    expect(await advanceTo(churnedAt + 20 * DAY_MS)).toBe(0);
    const firstTouch = planned.journey.touches[0]!.touchId;

    // Act: the customer answers STOP; then the journey runs its course.
    await post({
      eventId: `stop-${stops}`,
      type: 'message.engaged',
      occurredAt: new Date(now).toISOString(),
      customerId: stops,
      touchId: firstTouch,
      kind: 'replied',
      text: 'STOP',
    });
    await advanceTo(churnedAt + 130 * DAY_MS);

    // Assess: nothing went out, on any channel; the view says why.
    expect(await outboxFor(stops)).toEqual([]);
    const { journey, history, channels } = await view(stops);
    expect(journey.touches.map((t) => [t.status, t.reason])).toEqual([
      ['cancelled', 'consent_revoked'],
      ['cancelled', 'consent_revoked'],
    ]);
    expect(channels.sms).toEqual({ reachable: true, consent: false });
    expect(history).toContainEqual(
      expect.objectContaining({ decision: 'recorded', reason: 'engagement:replied', eventId: `stop-${stops}`, touchId: firstTouch }),
    );
    expect(history).toContainEqual(
      expect.objectContaining({
        decision: 'recorded',
        reason: 'consent_revoked_by_reply',
        eventId: `stop-${stops}`,
        touchId: firstTouch,
        channel: 'sms',
      }),
    );
    for (const touch of journey.touches) {
      expect(history).toContainEqual(
        expect.objectContaining({
          decision: 'cancelled',
          reason: 'consent_revoked',
          touchId: touch.touchId,
          channel: 'sms',
          at: new Date(churnedAt + 20 * DAY_MS).toISOString(),
        }),
      );
    }
    expect(history.filter((entry) => entry.decision === 'sent')).toEqual([]);
    // The reply's text is never stored.
    expect(JSON.stringify(history)).not.toContain('STOP');
    expectEveryTouchExplained(journey.touches, history);
  });

  it('moves the next touch to SMS when the e-mail of the first bounces', async () => {
    // Prepare: e-mail consent only, so touch 1 goes by e-mail.
    const churnedAt = now;
    await post(churn(bounces, new Date(churnedAt).toISOString(), { consents: { sms: false, email: true, push: false, whatsapp: false } }));
    const [first, second] = (await view(bounces)).journey.touches as [ViewTouch, ViewTouch];
    expect([first.channel, second.channel]).toEqual(['email', 'email']);
    await advanceTo(Date.parse(first.dueAt));
    expect((await outboxFor(bounces)).map((m) => [m.touchId, m.channel, m.to])).toEqual([[first.touchId, 'email', EMAIL]]);

    // Act: the customer gives SMS consent, then the e-mail of touch 1 hard-bounces.
    await post({
      eventId: `sms-consent-${bounces}`,
      type: 'consent.changed',
      occurredAt: new Date(now).toISOString(),
      customerId: bounces,
      channel: 'sms',
      granted: true,
    });
    await post({
      eventId: `bounce-${bounces}`,
      type: 'message.engaged',
      occurredAt: new Date(now).toISOString(),
      customerId: bounces,
      touchId: first.touchId,
      kind: 'bounced',
    });
    const switched = await view(bounces);
    await advanceTo(churnedAt + 130 * DAY_MS);

    // Assess: touch 2 was moved to SMS at the bounce, and went out as an SMS.
    expect(switched.journey.touches[1]).toMatchObject({ touchId: second.touchId, channel: 'sms', status: 'planned' });
    const messages = await outboxFor(bounces);
    expect(messages.map((m) => [m.touchId, m.channel, m.to])).toEqual([
      [first.touchId, 'email', EMAIL],
      [second.touchId, 'sms', PHONE],
    ]);
    expect(messages[1]!.text).toMatch(/Baja: responde STOP$/);
    const { journey, history } = await view(bounces);
    expect(journey.touches.map((t) => [t.channel, t.status])).toEqual([
      ['email', 'sent'],
      ['sms', 'sent'],
    ]);
    expect(history).toContainEqual(
      expect.objectContaining({ decision: 'recorded', reason: 'consent_granted', eventId: `sms-consent-${bounces}`, channel: 'sms' }),
    );
    expect(history).toContainEqual(
      expect.objectContaining({
        decision: 'suppressed',
        reason: 'bounced',
        eventId: `bounce-${bounces}`,
        touchId: first.touchId,
        channel: 'email',
      }),
    );
    expect(history).toContainEqual(
      expect.objectContaining({ decision: 'switched', reason: 'suppressed_bounced:email->sms', touchId: second.touchId, channel: 'sms' }),
    );
    expect(history).toContainEqual(expect.objectContaining({ decision: 'sent', touchId: second.touchId, channel: 'sms' }));
    expectEveryTouchExplained(journey.touches, history);
  });

  it('sends the touch the next morning when the churn arrives after the window has closed for the day', async () => {
    // Prepare: the clock at 20:30 in Tokyo (the 10:00–19:00 window closed) on an evening followed
    // by a working day; a churn from 45 days ago at 11:00 Tokyo time, posted only now, so touch 1
    // (days 30–45) has until 11:00 tomorrow.
    let evening = DateTime.fromMillis(now, { zone: TOKYO }).set({ hour: 20, minute: 30, second: 0, millisecond: 0 });
    while (evening.toMillis() <= now || !policy.sendWindow.weekdays.includes(evening.plus({ days: 1 }).weekday))
      evening = evening.plus({ days: 1 });
    await advanceTo(evening.toMillis());
    const churnedAt = evening.minus({ days: 45 }).set({ hour: 11, minute: 0 });
    const nextMorning = evening.plus({ days: 1 }).startOf('day');

    // Act
    await post(
      churn(lateAtNight, churnedAt.toISO()!, {
        timezone: TOKYO,
        locale: 'ja-JP',
        contacts: { phone: PHONE },
        consents: { sms: true, email: false, push: false, whatsapp: false },
      }),
    );
    const planned = await view(lateAtNight);
    await advanceTo(churnedAt.toMillis() + 130 * DAY_MS);

    // Assess: planned for tomorrow 10:00–11:00 local, not tonight, and sent then.
    const first = planned.journey.touches[0]!;
    const due = DateTime.fromISO(first.dueAt, { zone: TOKYO });
    expect(first.status).toBe('planned');
    expect(due.hasSame(nextMorning, 'day')).toBe(true);
    expect(due.hour).toBe(10);
    expect(planned.history).toContainEqual(
      expect.objectContaining({
        decision: 'planned',
        reason: `fix:fix-coverage@${first.dueAt}`,
        touchId: first.touchId,
        channel: 'sms',
        at: evening.toUTC().toISO(),
      }),
    );
    const messages = await outboxFor(lateAtNight);
    expect(messages[0]).toMatchObject({ touchId: first.touchId, channel: 'sms', to: PHONE });
    const sentAt = DateTime.fromISO(messages[0]!.sentAt, { setZone: true });
    expect(sentAt.offset).toBe(9 * 60); // shown in the customer's local time
    expect(sentAt.toMillis()).toBe(Date.parse(first.dueAt));
    expect(sentAt.toFormat('yyyy-MM-dd HH')).toBe(`${nextMorning.toFormat('yyyy-MM-dd')} 10`);
    // Touch 2 (days 60–90) follows in its own window, also inside 10:00–19:00 Tokyo time.
    expect(messages).toHaveLength(2);
    const second = DateTime.fromISO(messages[1]!.sentAt, { zone: TOKYO });
    expect(second.hour).toBeGreaterThanOrEqual(10);
    expect(second.hour).toBeLessThan(19);
    const { journey, history } = await view(lateAtNight);
    expect(history).toContainEqual(expect.objectContaining({ decision: 'sent', touchId: first.touchId, at: first.dueAt, channel: 'sms' }));
    expectEveryTouchExplained(journey.touches, history);
  });
});
