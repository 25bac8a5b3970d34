import { Worker } from 'node:worker_threads';
import type { CustomerEvents, SimulationData } from './types.ts';
import { addTallies, newTally, type Tally } from './tally.ts';

/**
 * Runs a simulation on several threads: customers never share state in the engine, so each
 * thread takes every n-th customer and the threads' tallies add up to the cohort's. The worker
 * loads the TypeScript sources through tsx, as `npm run simulate` does.
 */
export async function simulateOnThreads(
  data: SimulationData,
  threads: number,
  onProgress?: (progress: { policy: number; done: number }) => void,
): Promise<Tally[]> {
  const shares = Array.from({ length: threads }, (_, t) => data.customers.filter((_, i) => i % threads === t));
  const done = shares.map(() => ({ policy: 0, done: 0 }));
  const report = () => {
    const policy = Math.min(...done.map((d) => d.policy));
    onProgress?.({ policy, done: done.reduce((sum, d, t) => sum + (d.policy > policy ? shares[t]!.length : d.done), 0) });
  };
  const results = await Promise.all(
    shares.map((customers, t) =>
      runWorker({ ...data, customers }, (progress) => {
        done[t] = progress;
        report();
      }),
    ),
  );
  return data.policies.map((_, p) => results.reduce((sum, tallies) => addTallies(sum, tallies[p]!), newTally()));
}

const WORKER = new URL('./worker.ts', import.meta.url).href;
/** Registers tsx in the thread (whatever the parent runs under), then runs the worker module. */
const BOOT = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER)}); })`;

function runWorker(
  data: SimulationData & { customers: CustomerEvents['customers'] },
  onProgress: (p: { policy: number; done: number }) => void,
) {
  return new Promise<Tally[]>((resolve, reject) => {
    const worker = new Worker(BOOT, { eval: true, workerData: data, execArgv: [] });
    worker.on('message', (message: { progress?: { policy: number; done: number }; tallies?: Tally[] }) => {
      if (message.progress) onProgress(message.progress);
      if (message.tallies) resolve(message.tallies);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`a simulator thread stopped with exit code ${code}`));
    });
  });
}
