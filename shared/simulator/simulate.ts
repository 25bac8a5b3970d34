import type { WinbackEvent } from '#shared/domain/events';
import { simulateOnThreads } from './parallel.ts';
import { type PolicyRunOptions, simulatePolicy } from './simulate-policy.ts';
import { type PolicySummary, summarize } from './summary.ts';
import type { Tally } from './tally.ts';
import type { CustomerEvents, SimulationSettings } from './types.ts';

export { SIMULATED_LINK_BASE_URL, simulatePolicy } from './simulate-policy.ts';
export type { CustomerEvents, SimulationData, SimulationSettings } from './types.ts';

/**
 * The simulator (DESIGN.md, "Simulator — a contract"): a cohort run through the real use cases
 * once per policy, each customer on a virtual clock of their own, on in-memory adapters.
 */

/** What one simulation runs with. */
export interface SimulationOptions extends SimulationSettings, PolicyRunOptions {
  /** Threads to run on: 1 runs in this thread; n runs in this thread and n − 1 others. */
  threads?: number;
}

/**
 * Groups a cohort by customer. Events are taken in time order (`occurredAt`, then file order),
 * as the clock moves; a repeated event id is a replay and is left out, as the API answers it
 * `duplicate`. Customers come in the order of their first event.
 */
export function groupByCustomer(events: readonly WinbackEvent[]): CustomerEvents {
  const ordered = events.map((event, index) => ({ event, index, atMs: Date.parse(event.occurredAt) }));
  ordered.sort((a, b) => a.atMs - b.atMs || a.index - b.index);
  const seen = new Set<string>();
  const byCustomer = new Map<string, WinbackEvent[]>();
  let duplicates = 0;
  for (const { event } of ordered) {
    if (seen.has(event.eventId)) {
      duplicates += 1;
      continue;
    }
    seen.add(event.eventId);
    const list = byCustomer.get(event.customerId);
    if (list) list.push(event);
    else byCustomer.set(event.customerId, [event]);
  }
  return { customers: [...byCustomer].map(([customerId, list]) => ({ customerId, events: list })), duplicates };
}

/** The figures of every policy over the same cohort, in the order given. */
export async function simulate(events: readonly WinbackEvent[], options: SimulationOptions): Promise<PolicySummary[]> {
  const { customers } = groupByCustomer(events);
  const threads = Math.max(1, Math.min(options.threads ?? 1, customers.length));
  let tallies: Tally[];
  if (threads > 1) {
    const { policies, assumptions, channels, legalSendWindows, prices, linkBaseUrl } = options;
    const names = policies.map((policy) => `${policy.id}@${policy.version}`);
    tallies = await simulateOnThreads(
      { policies, assumptions, channels, legalSendWindows, prices, linkBaseUrl, customers },
      threads,
      ({ policy, done }) => options.onProgress?.({ policy: names[policy]!, done, total: customers.length }),
    );
  } else {
    tallies = [];
    for (const policy of options.policies) tallies.push(await simulatePolicy(policy, customers, options));
  }
  return tallies.map((tally, i) => summarize(tally, options.policies[i]!, options.assumptions));
}
