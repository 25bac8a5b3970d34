import { InMemoryCustomerStore } from '#shared/adapters/local/memory-customer-store';
import { ManualClock, MemoryTimers } from '#shared/adapters/local/memory-timers';
import { VirtualTime } from '#shared/adapters/local/virtual-time';
import { perChannel } from '#shared/domain/channels';
import type { WinbackEvent } from '#shared/domain/events';
import type { CustomerRecord } from '#shared/domain/journey/record';
import type { PolicyRegistry } from '#shared/domain/policy-registry';
import type { PriceTable } from '#shared/domain/pricing';
import type { TrackedLinks } from '#shared/domain/tracked-link';
import { DAY_MS } from '#shared/domain/vocabulary';
import type { EngineDeps } from '#shared/engine/deps';
import { fireTimer } from '#shared/engine/fire-timer';
import { ingestEvent } from '#shared/engine/ingest-event';
import { silentLogger } from '#shared/ports/logger';
import type { MessageChannel } from '#shared/ports/message-channel';
import { type CustomerOutcome, customerOutcome, type SentMessage } from './outcome.ts';

/** What the engine runs with in a simulation, besides the in-memory adapters each customer gets. */
export interface SimulationEngine {
  policies: PolicyRegistry;
  prices: PriceTable;
  /** Key for pseudonymous ids, as in a deployment (nothing of it leaves the simulation). */
  idHashKey: string;
  /** Where a text's `{link}` points, so each message is priced with its link, as sent. */
  links?: TrackedLinks;
}

/** A customer's run: their outcome, and the timers that failed (what Scheduler would dead-letter). */
export interface CustomerRun {
  outcome: CustomerOutcome | undefined;
  failedTimers: number;
  /** The customer's record as the run left it (undefined if no event created one). */
  record: CustomerRecord | undefined;
}

/** No journey runs longer than this after a customer's last event (a lapse, then a horizon of up to 730 days each). */
const LONGEST_RUN_MS = 3 * 730 * DAY_MS;

/**
 * Runs one customer's events through the real use cases, on a store, timers and a clock of their
 * own: customers never share state in the engine (a record, its timers and its frequency cap are
 * the customer's), so each runs alone and is dropped afterwards, which bounds memory by one
 * customer. Each event is ingested at its `occurredAt` (the clock moves there first, firing every
 * timer due by then, in due order); then the clock runs on until no timer is left. The events
 * must be the customer's, sorted by `occurredAt`.
 */
export async function runCustomer(customerId: string, events: readonly WinbackEvent[], engine: SimulationEngine): Promise<CustomerRun> {
  // Frozen records, not copies: the engine never changes what it reads, and copying was most of the CPU.
  const store = new InMemoryCustomerStore({ copies: 'frozen' });
  const timers = new MemoryTimers();
  const firstMs = Date.parse(events[0]!.occurredAt);
  const clock = new ManualClock(firstMs);
  const sent = new Map<string, SentMessage>();
  const channel: MessageChannel = {
    send: async (message, price) => {
      sent.set(message.touchId, { message, price });
      return { messageId: `sim-${sent.size}` };
    },
  };
  const deps: EngineDeps = {
    store,
    scheduler: timers,
    channels: Object.assign(
      perChannel(() => channel),
      { task: channel },
    ),
    clock,
    policies: engine.policies,
    prices: engine.prices,
    logger: silentLogger,
    idHashKey: engine.idHashKey,
    ...(engine.links ? { links: engine.links } : {}),
  };
  let failedTimers = 0;
  const time = new VirtualTime(clock, timers, async (timer) => {
    try {
      await fireTimer(deps, timer.payload);
    } catch {
      failedTimers += 1;
    }
  });
  for (const event of events) {
    const atMs = Date.parse(event.occurredAt);
    await time.advance((nowMs) => Math.max(nowMs, atMs));
    await ingestEvent(deps, event);
  }
  const stopMs = clock.now() + LONGEST_RUN_MS;
  for (let last = timers.lastDueMs(); last !== undefined && last <= stopMs; last = timers.lastDueMs()) {
    const untilMs = last;
    await time.advance((nowMs) => Math.max(nowMs, untilMs));
  }
  const record = await store.get(customerId);
  return { outcome: record ? customerOutcome(record, sent, engine.policies, engine.links) : undefined, failedTimers, record };
}
