import type { CustomerRecord } from '#shared/domain/journey/record';
import type { Policy } from '#shared/domain/policy';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import type { CustomerOutcome } from './outcome.ts';
import { runCustomer } from './run-customer.ts';
import { addOutcome, newTally, type Tally } from './tally.ts';
import type { CustomerEvents, SimulationSettings } from './types.ts';

/** How one policy's run reports as it goes. */
export interface PolicyRunOptions extends Omit<SimulationSettings, 'policies'> {
  /** Called every `progressEvery` customers and at the end of each policy. */
  onProgress?: (progress: { policy: string; done: number; total: number }) => void;
  progressEvery?: number;
  /** Called with every customer's outcome and final record (tests compare them with the local runner's, and across versions). */
  onOutcome?: (policy: string, outcome: CustomerOutcome, record: CustomerRecord) => void;
}

/**
 * Where simulated tracked links point unless told: a short domain, the length the policy check
 * counts a link at (`https://go.example.com/r/<token>`).
 */
export const SIMULATED_LINK_BASE_URL = 'https://go.example.com';

/** Lets the event loop run: a thread's messages and timers wait while customers are simulated. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Simulates `customers` under one policy; the tally of what it did. At each progress report it
 * lets the event loop run, so a thread that simulates while others do hears from them meanwhile.
 */
export async function simulatePolicy(policy: Policy, customers: CustomerEvents['customers'], options: PolicyRunOptions): Promise<Tally> {
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
    if ((i + 1) % every === 0) {
      options.onProgress?.({ policy: name, done: i + 1, total: customers.length });
      await yieldToEventLoop();
    }
  }
  options.onProgress?.({ policy: name, done: customers.length, total: customers.length });
  return tally;
}
