import type { WinbackEvent } from '#shared/domain/events';
import type { CustomerRecord } from '#shared/domain/journey/record';
import type { Policy } from '#shared/domain/policy';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import type { CustomerOutcome } from './outcome.ts';
import { runCustomer } from './run-customer.ts';
import { type PolicySummary, summarize } from './summary.ts';
import { simulateOnThreads } from './parallel.ts';
import { addOutcome, newTally, type Tally } from './tally.ts';
import type { CustomerEvents, SimulationSettings } from './types.ts';

export type { CustomerEvents, SimulationData, SimulationSettings } from './types.ts';

/**
 * The simulator (DESIGN.md, "Simulator — a contract"): a cohort run through the real use cases
 * once per policy, each customer on a virtual clock of their own, on in-memory adapters.
 */

/**
 * Where simulated tracked links point unless told: a short domain, the length the policy check
 * counts a link at (`https://go.example.com/r/<token>`).
 */
export const SIMULATED_LINK_BASE_URL = 'https://go.example.com';

/** What one simulation runs with. */
export interface SimulationOptions extends SimulationSettings {
  /** Threads to run on: 1 runs in this thread. */
  threads?: number;
  /** Called every `progressEvery` customers and at the end of each policy. */
  onProgress?: (progress: { policy: string; done: number; total: number }) => void;
  progressEvery?: number;
  /** Called with every customer's outcome and final record (tests compare them with the local runner's, and across versions). */
  onOutcome?: (policy: string, outcome: CustomerOutcome, record: CustomerRecord) => void;
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

/** Simulates `customers` under one policy; the tally of what it did. */
export async function simulatePolicy(
  policy: Policy,
  customers: CustomerEvents['customers'],
  options: Omit<SimulationOptions, 'policies' | 'threads'>,
): Promise<Tally> {
  const registry = deploymentPolicies([policy], {
    channels: options.channels,
    ...(options.legalSendWindows ? { legalSendWindows: options.legalSendWindows } : {}),
  });
  // The policy as this deployment runs it (only its deployed channels).
  const deployed = registry.get(policy.id, policy.version);
  // Links sealed with a key of the simulation's own: nothing of them leaves it, only their length counts.
  const links = { baseUrl: options.linkBaseUrl ?? SIMULATED_LINK_BASE_URL, key: 'winback-simulation' };
  const engine = { policies: registry, prices: options.prices, idHashKey: 'winback-simulation', links };
  const tally = newTally();
  const name = `${policy.id}@${policy.version}`;
  const every = options.progressEvery ?? 10_000;
  for (const [i, { customerId, events }] of customers.entries()) {
    const run = await runCustomer(customerId, events, engine);
    tally.failedTimers += run.failedTimers;
    if (run.outcome) {
      addOutcome(tally, run.outcome, deployed, options.assumptions);
      options.onOutcome?.(name, run.outcome, run.record!);
    }
    if ((i + 1) % every === 0) options.onProgress?.({ policy: name, done: i + 1, total: customers.length });
  }
  options.onProgress?.({ policy: name, done: customers.length, total: customers.length });
  return tally;
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
