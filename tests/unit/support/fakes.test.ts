import { describe, expect, it } from 'vitest';
import type { TimerSpec } from '#shared/domain/journey/timers';
import { ChannelError } from '#shared/ports/message-channel';
import { ingestEvent } from '#shared/engine/ingest-event';
import { churnEvent } from '../../fixtures/events.ts';
import { customerIdIn, FakeChannel, FakeClock, FakeScheduler, makeDeps, runUntil } from '../../support/fakes.ts';

const timer = (name: string, dueAt: string): TimerSpec => ({
  name,
  dueAt,
  timezone: 'UTC',
  payload: { customerId: 'c', touchId: name, timerName: name },
});

describe('FakeScheduler', () => {
  it('keeps the first timer of a name, and cancels missing names without error', async () => {
    // Prepare
    const scheduler = new FakeScheduler();

    // Act
    await scheduler.schedule(timer('a', '2026-01-02T00:00:00.000Z'));
    await scheduler.schedule({ ...timer('a', '2026-01-09T00:00:00.000Z') });
    await scheduler.cancel('missing');

    // Assess
    expect(scheduler.timers.get('a')!.dueAt).toBe('2026-01-02T00:00:00.000Z');
    expect(scheduler.scheduleCalls).toHaveLength(2);
    expect(scheduler.cancelCalls).toEqual(['missing']);
  });

  it('lists the timers due by an instant, earliest first', async () => {
    // Prepare
    const scheduler = new FakeScheduler();
    await scheduler.schedule(timer('late', '2026-01-03T00:00:00.000Z'));
    await scheduler.schedule(timer('early', '2026-01-01T00:00:00.000Z'));
    await scheduler.schedule(timer('future', '2026-02-01T00:00:00.000Z'));

    // Act
    const due = scheduler.due(Date.parse('2026-01-03T00:00:00.000Z'));

    // Assess
    expect(due.map((t) => t.name)).toEqual(['early', 'late']);
  });
});

describe('FakeChannel', () => {
  it('fails as told, then records what it sends', async () => {
    // Prepare
    const channel = new FakeChannel('sms');
    channel.failNext(1, true);
    const message = {
      channel: 'sms' as const,
      to: '+447700900123',
      customerId: 'c',
      touchId: 't',
      text: 'hi',
      variant: 'A',
      locale: 'en',
      timezone: 'UTC',
    };

    // Act
    const price = { cost: 0.05, parts: 1, currency: 'EUR' };
    const failure = await channel.send(message, price).catch((error: unknown) => error);
    const receipt = await channel.send(message, price);

    // Assess
    expect(failure).toBeInstanceOf(ChannelError);
    expect(failure).toMatchObject({ retryable: true });
    expect(receipt).toEqual({ messageId: 'sms-1' });
    expect(channel.sent).toEqual([message]);
    expect(channel.prices).toEqual([price]);
  });
});

describe('FakeClock', () => {
  it('only moves when told', () => {
    // Prepare
    const clock = new FakeClock('2026-01-05T09:00:00Z');

    // Act
    clock.advanceDays(2);
    clock.advance(60_000);

    // Assess
    expect(new Date(clock.now()).toISOString()).toBe('2026-01-07T09:01:00.000Z');
  });
});

describe('runUntil', () => {
  it('fires due timers in order, including those created while firing, and deletes fired ones', async () => {
    // Prepare: touch 1's timer moved to 22:00 London time, so firing it creates a deferral.
    const deps = makeDeps();
    const customerId = customerIdIn('treatment');
    deps.clock.set('2026-01-05T09:00:00Z');
    await ingestEvent(deps, churnEvent({ customerId }));
    const [first, second] = deps.scheduler.due(Number.MAX_SAFE_INTEGER);
    deps.scheduler.timers.set(first!.name, { ...first!, dueAt: '2026-02-10T22:00:00.000Z' });

    // Act
    const fired = await runUntil(deps, deps.scheduler, Date.parse('2026-02-12T00:00:00Z'));

    // Assess
    expect(fired.map((f) => [f.timer.name, f.result.outcome])).toEqual([
      [first!.name, 'deferred'],
      [`${first!.name}-d1`, 'sent'],
    ]);
    expect([...deps.scheduler.timers.keys()]).toEqual([second!.name]);
    expect(deps.clock.now()).toBe(Date.parse('2026-02-12T00:00:00Z'));
    expect(deps.channels.sms.sent).toHaveLength(1);
  });

  it('leaves a timer whose send failed retryably in place, as the scheduler retries it', async () => {
    // Prepare
    const deps = makeDeps();
    deps.clock.set('2026-01-05T09:00:00Z');
    await ingestEvent(deps, churnEvent({ customerId: customerIdIn('treatment') }));
    deps.channels.sms.failNext(1, true);

    // Act
    const run = runUntil(deps, deps.scheduler, Date.parse('2026-05-15T00:00:00Z'));

    // Assess
    await expect(run).rejects.toBeInstanceOf(ChannelError);
    expect(deps.scheduler.timers.size).toBe(2);
    const retried = await runUntil(deps, deps.scheduler, Date.parse('2026-05-15T00:00:00Z'));
    expect(retried.map((f) => f.result.outcome)).toEqual(['sent', 'sent']);
  });
});
