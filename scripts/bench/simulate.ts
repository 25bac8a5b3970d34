import '../../bin/sdk-warning.ts';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PriceSettingsSchema } from '#shared/domain/default-prices';
import { parsePolicy } from '#shared/domain/policy';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import { DEFAULT_ASSUMPTIONS } from '#shared/simulator/assumptions';
import { parseJsonlCohort } from '#shared/simulator/cohort';
import { simulate } from '#shared/simulator/simulate';
import { generateCohort } from '../cohort.ts';

/**
 * The simulator's speed: a synthetic cohort of port-outs (scripts/cohort.ts) read as JSON Lines
 * and simulated over its whole horizon under the default policy, with the AWS channels and the
 * default prices, on every core — what `npm run simulate` does, minus writing the report. Run in a
 * process of its own (`npm run bench` spawns it) so its peak memory is its own.
 *
 * Wall time is what an operator waits; CPU time (every thread's, `process.cpuUsage()`) is what a
 * shared machine disturbs less, so the load average (1 minute) at the start and at the end goes
 * with it. Peak memory is the process's maximum resident set: the cohort's events are held,
 * customers are simulated one at a time.
 */
export interface SimulationBench {
  customers: number;
  threads: number;
  cores: number;
  /** The cohort as a JSON Lines file, in bytes. */
  cohortBytes: number;
  wallSeconds: number;
  cpuSeconds: number;
  /** Of `cpuSeconds`: reading the cohort (JSON, validation), on the main thread before any simulating. */
  readCpuSeconds: number;
  peakRssBytes: number;
  messages: number;
  /** The 1-minute load average when the run started and when it ended. */
  loadAverage: { start: number; end: number };
}

/** The cohort as the file `npm run simulate` would read: JSON Lines. */
const cohortText = (customers: number) =>
  generateCohort({ customers, returnShare: 0.1 })
    .map((event) => JSON.stringify(event))
    .join('\n');

const cpuSecondsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

export async function measureSimulation(customers: number, threads = availableParallelism()): Promise<SimulationBench> {
  let text: string | undefined = cohortText(customers);
  const cohortBytes = Buffer.byteLength(text);
  const [loadAtStart] = loadavg();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const cohort = parseJsonlCohort(text);
  // The text is not needed once read: let it go, as `npm run simulate` does.
  text = undefined;
  const readCpuSeconds = cpuSecondsSince(cpu);
  const [summary] = await simulate(cohort.events, {
    policies: [parsePolicy(telecomPortOut)],
    assumptions: DEFAULT_ASSUMPTIONS,
    channels: ['sms', 'email'],
    prices: PriceSettingsSchema.parse(undefined),
    threads,
  });
  const wallSeconds = (performance.now() - started) / 1000;
  return {
    customers,
    threads,
    cores: cpus().length,
    cohortBytes,
    wallSeconds,
    cpuSeconds: cpuSecondsSince(cpu),
    readCpuSeconds,
    // maxRSS is in kibibytes.
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    messages: summary!.messages.sent,
    loadAverage: { start: loadAtStart!, end: loadavg()[0]! },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { customers: { type: 'string', default: '100000' }, threads: { type: 'string' } } });
  const result = await measureSimulation(Number(values.customers), values.threads ? Number(values.threads) : undefined);
  console.log(JSON.stringify(result));
}
