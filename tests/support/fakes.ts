import { InMemoryCustomerStore } from '#shared/adapters/local/memory-customer-store';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import type { TimerSpec } from '#shared/domain/journey/timers';
import { parsePolicy, type Policy, type PolicyInput } from '#shared/domain/policy';
import { PolicyRegistry } from '#shared/domain/policy-registry';
import type { MessagePrice, PriceTable } from '#shared/domain/pricing';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { assign, type Arm } from '#shared/domain/targeting';
import { DAY_MS } from '#shared/domain/vocabulary';
import { fireTimer, type TimerResult } from '#shared/engine/fire-timer';
import type { EngineDeps } from '#shared/engine/deps';
import type { Clock } from '#shared/ports/clock';
import { silentLogger } from '#shared/ports/logger';
import { ChannelError, type MessageChannel, type SendReceipt } from '#shared/ports/message-channel';
import type { TouchScheduler } from '#shared/ports/touch-scheduler';

/**
 * In-memory fakes of the engine's ports, for use-case tests: they record what the engine asked
 * for, so tests assess outcomes (timers, messages, stored records) instead of spying on calls.
 */

/** A clock the test sets; `now()` never moves on its own. */
export class FakeClock implements Clock {
  private current: number;

  constructor(start: number | string = '2026-01-05T09:00:00Z') {
    this.current = typeof start === 'string' ? Date.parse(start) : start;
  }

  now(): number {
    return this.current;
  }

  set(instant: number | string): void {
    this.current = typeof instant === 'string' ? Date.parse(instant) : instant;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  advanceDays(days: number): void {
    this.current += days * DAY_MS;
  }
}

/**
 * A `TouchScheduler` holding timers by name, with EventBridge Scheduler's semantics: creating a
 * name that exists changes nothing, cancelling a missing name succeeds.
 */
export class FakeScheduler implements TouchScheduler {
  readonly timers = new Map<string, TimerSpec>();
  /** Every `schedule` call, in order, including the idempotent no-ops. */
  readonly scheduleCalls: TimerSpec[] = [];
  /** Every `cancel` call, in order. */
  readonly cancelCalls: string[] = [];
  private cancelFailures = 0;

  async schedule(timer: TimerSpec): Promise<void> {
    this.scheduleCalls.push(structuredClone(timer));
    if (!this.timers.has(timer.name)) this.timers.set(timer.name, structuredClone(timer));
  }

  async cancel(name: string): Promise<void> {
    this.cancelCalls.push(name);
    if (this.cancelFailures > 0) {
      this.cancelFailures -= 1;
      throw new Error('scheduler unavailable');
    }
    this.timers.delete(name);
  }

  /** Makes the next `count` cancels fail (the engine treats cancels as best effort). */
  failNextCancels(count: number): void {
    this.cancelFailures = count;
  }

  /** Timers due at or before `untilMs`, earliest first (ties by name, so runs are reproducible). */
  due(untilMs: number): TimerSpec[] {
    return [...this.timers.values()]
      .filter((timer) => Date.parse(timer.dueAt) <= untilMs)
      .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.name.localeCompare(b.name));
  }
}

/** A `MessageChannel` that records what it sends and the price the engine gave each, and can be told to fail. */
export class FakeChannel implements MessageChannel {
  readonly sent: OutboundMessage[] = [];
  /** The price of each message in `sent`, in the same order. */
  readonly prices: MessagePrice[] = [];
  private failures: Array<{ retryable: boolean; message: string; outcomeUnknown: boolean }> = [];

  constructor(private readonly prefix = 'msg') {}

  async send(message: OutboundMessage, price: MessagePrice): Promise<SendReceipt> {
    const failure = this.failures.shift();
    if (failure) throw new ChannelError(failure.message, failure.retryable, failure.outcomeUnknown);
    this.sent.push(structuredClone(message));
    this.prices.push(price);
    return { messageId: `${this.prefix}-${this.sent.length}` };
  }

  /** Makes the next `count` sends throw a `ChannelError` (with `outcomeUnknown`: the answer to the send was lost). */
  failNext(count: number, retryable: boolean, message = retryable ? 'throttled' : 'invalid_destination', outcomeUnknown = false): void {
    for (let i = 0; i < count; i++) this.failures.push({ retryable, message, outcomeUnknown });
  }
}

/** The pseudonym key of the fakes: the engine's `idHashKey`, and the default registry's `idKey`, as in a deployment. */
export const TEST_HASH_KEY = 'test-hash-key';

export const defaultPolicies = (): PolicyRegistry => new PolicyRegistry([parsePolicy(telecomPortOut)], [], { idKey: TEST_HASH_KEY });

/**
 * Prices for use-case tests, in the embedded policies' currency (EUR) so none is converted: an
 * SMS part costs 0.05 to any country, an e-mail 0.001, a push notification nothing.
 */
export const TEST_PRICES: PriceTable = {
  currency: 'EUR',
  channels: {
    sms: { default: 0.05, byCountry: {} },
    email: { default: 0.001, byCountry: {} },
    push: { default: 0, byCountry: {} },
    whatsapp: { default: 0.02, byCountry: {} },
  },
  exchangeRates: {},
};

/** `EngineDeps` whose ports are the fakes above, typed so tests can reach into them. */
export interface TestDeps extends EngineDeps {
  store: InMemoryCustomerStore;
  scheduler: FakeScheduler;
  clock: FakeClock;
  channels: { sms: FakeChannel; email: FakeChannel; push: FakeChannel; whatsapp: FakeChannel; task: FakeChannel };
}

/** Fresh fakes with the default telecom port-out policy as `change` edits it. */
export function depsWith(change: (policy: PolicyInput) => void): TestDeps {
  const policy = structuredClone(telecomPortOut);
  change(policy);
  return makeDeps({ policies: new PolicyRegistry([parsePolicy(policy)]) });
}

/** Fresh fakes with the default telecom port-out policy; any part can be replaced. */
export function makeDeps(overrides: Partial<TestDeps> = {}): TestDeps {
  return {
    store: new InMemoryCustomerStore(),
    scheduler: new FakeScheduler(),
    channels: {
      sms: new FakeChannel('sms'),
      email: new FakeChannel('email'),
      push: new FakeChannel('push'),
      whatsapp: new FakeChannel('whatsapp'),
      task: new FakeChannel('task'),
    },
    clock: new FakeClock(),
    policies: defaultPolicies(),
    prices: TEST_PRICES,
    logger: silentLogger,
    idHashKey: TEST_HASH_KEY,
    ...overrides,
  };
}

export interface FiredTimer {
  timer: TimerSpec;
  result: TimerResult;
}

/**
 * Fires every timer due by `untilMs`, in due order, like EventBridge Scheduler would: the clock
 * is set to the timer's due time, `fireTimer` runs, and the timer is deleted once it succeeded
 * (`ActionAfterCompletion: DELETE`). Timers created while firing (deferrals) fire too if they
 * are due by `untilMs`. An error from `fireTimer` propagates and leaves the timer in place, as
 * the scheduler would retry it. Finally the clock is set to `untilMs`.
 */
export async function runUntil(deps: EngineDeps & { clock: FakeClock }, scheduler: FakeScheduler, untilMs: number): Promise<FiredTimer[]> {
  const fired: FiredTimer[] = [];
  for (let next = scheduler.due(untilMs)[0]; next; next = scheduler.due(untilMs)[0]) {
    // Never move the clock back: a timer created in the past fires "now".
    deps.clock.set(Math.max(deps.clock.now(), Date.parse(next.dueAt)));
    const result = await fireTimer(deps, next.payload);
    scheduler.timers.delete(next.name);
    fired.push({ timer: next, result });
  }
  deps.clock.set(Math.max(deps.clock.now(), untilMs));
  return fired;
}

/**
 * The first id `${prefix}-0`, `${prefix}-1`, … that the policy's deterministic holdout puts in
 * `arm`, so a test can state "a control-group customer" without hard-coding a hash outcome.
 */
export function customerIdIn(
  arm: Arm,
  policy: Pick<Policy, 'holdout' | 'variants'> = parsePolicy(telecomPortOut),
  prefix = 'cust',
): string {
  return customerIdsIn(arm, 1, policy, prefix)[0]!;
}

/** The first `count` ids `${prefix}-0`, `${prefix}-1`, … in `arm`: the one arm picker of the tests. */
export function customerIdsIn(
  arm: Arm,
  count: number,
  policy: Pick<Policy, 'holdout' | 'variants'> = parsePolicy(telecomPortOut),
  prefix = 'cust',
): string[] {
  const ids: string[] = [];
  for (let i = 0; i < 10_000 && ids.length < count; i++) {
    const id = `${prefix}-${i}`;
    if (assign(id, policy).arm === arm) ids.push(id);
  }
  if (ids.length < count) throw new Error(`only ${ids.length} customer ids in the ${arm} arm among 10,000`);
  return ids;
}
