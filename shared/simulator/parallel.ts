import { Worker } from 'node:worker_threads';
import { simulatePolicy } from './simulate-policy.ts';
import { addTallies, newTally, type Tally } from './tally.ts';
import type { CustomerEvents, SimulationData } from './types.ts';

/** How far one share got: the policy it is on (index), and its customers done under it. */
interface ShareProgress {
  policy: number;
  done: number;
}

/** How often a share reports how far it got: often enough for a progress line a second. */
const PROGRESS_EVERY = 500;

/**
 * Runs a simulation on several threads: customers never share state in the engine, so each
 * thread takes every n-th customer and the threads' tallies add up to the cohort's. This thread
 * takes the first share itself (it has loaded the engine already, and a thread more than cores
 * only waits); each other share goes to a worker thread, which loads the TypeScript sources
 * through tsx, as `npm run simulate` does, and gets a copy of its share only.
 */
export async function simulateOnThreads(
  data: SimulationData,
  threads: number,
  onProgress?: (progress: { policy: number; done: number }) => void,
): Promise<Tally[]> {
  const shares = Array.from({ length: threads }, (_, t) => data.customers.filter((_, i) => i % threads === t));
  const done: ShareProgress[] = shares.map(() => ({ policy: 0, done: 0 }));
  const progressOf = (t: number) => (progress: ShareProgress) => {
    done[t] = progress;
    const policy = Math.min(...done.map((d) => d.policy));
    onProgress?.({ policy, done: done.reduce((sum, d, s) => sum + (d.policy > policy ? shares[s]!.length : d.done), 0) });
  };
  const results = await Promise.all(
    shares.map((customers, t) =>
      t === 0 ? runHere({ ...data, customers }, progressOf(t)) : runWorker({ ...data, customers }, progressOf(t)),
    ),
  );
  return data.policies.map((_, p) => results.reduce((sum, tallies) => addTallies(sum, tallies[p]!), newTally()));
}

/** A share simulated in this thread, every policy in turn, as a worker does it. */
async function runHere(data: SimulationData, onProgress: (progress: ShareProgress) => void): Promise<Tally[]> {
  const tallies: Tally[] = [];
  for (const [policy, settings] of data.policies.entries()) {
    const report = ({ done }: { done: number }) => onProgress({ policy, done });
    tallies.push(await simulatePolicy(settings, data.customers, { ...data, progressEvery: PROGRESS_EVERY, onProgress: report }));
  }
  return tallies;
}

const WORKER = new URL('./worker.ts', import.meta.url).href;
/** Registers tsx in the thread (whatever the parent runs under), then runs the worker module. */
const BOOT = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER)}); })`;

function runWorker(data: SimulationData & { customers: CustomerEvents['customers'] }, onProgress: (progress: ShareProgress) => void) {
  return new Promise<Tally[]>((resolve, reject) => {
    const worker = new Worker(BOOT, { eval: true, workerData: { ...data, progressEvery: PROGRESS_EVERY }, execArgv: [] });
    worker.on('message', (message: { progress?: ShareProgress; tallies?: Tally[] }) => {
      if (message.progress) onProgress(message.progress);
      if (message.tallies) resolve(message.tallies);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`a simulator thread stopped with exit code ${code}`));
    });
  });
}
