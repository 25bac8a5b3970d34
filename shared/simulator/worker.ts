import { parentPort, workerData } from 'node:worker_threads';
import { simulatePolicy } from './simulate-policy.ts';
import type { SimulationData } from './types.ts';

/**
 * A simulator worker thread: simulates its share of the cohort under every policy, in order, and
 * answers each policy's tally; every `progressEvery` customers, how far it got (`{ policy: index, done }`).
 */
const data = workerData as SimulationData & { progressEvery: number };
const tallies = [];
for (const [index, policy] of data.policies.entries()) {
  const onProgress = ({ done }: { done: number }) => parentPort!.postMessage({ progress: { policy: index, done } });
  tallies.push(await simulatePolicy(policy, data.customers, { ...data, onProgress }));
}
parentPort!.postMessage({ tallies });
