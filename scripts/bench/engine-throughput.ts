import type { TimerSpec } from '#shared/domain/journey/timers';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import type { EngineDeps } from '#shared/engine/deps';
import { ingestBatch } from '#shared/engine/ingest-event';
import type { TouchScheduler } from '#shared/ports/touch-scheduler';
import { makeDeps } from '../../tests/support/fakes.ts';
import { churnInputs } from './ingest-throughput.ts';

/**
 * The engine's own speed: port-out churns planned per second of CPU, in this process. Each churn
 * goes the way `POST /v1/events` takes it — validated with zod, then `ingestEvent`: the record
 * read, the journey decided and its touches planned in the customer's send window, the timers
 * created, the record saved — against the in-memory store, with the embedded policies, so the
 * figure is the engine's CPU and not a database's. Timers go to {@link TimersByName}, not to the
 * tests' `FakeScheduler`, whose deep copies and call log (there for assertions) cost a fifth as
 * much again as planning; the ingest rows of the bench run with it.
 *
 * CPU time is this process's user + system time (`process.cpuUsage()`), which a shared machine
 * disturbs less than wall time. The churns are measured in rounds, each against fresh fakes (a
 * Lambda holds no customers between invocations), after a warm-up that lets the JIT compile the
 * hot paths; the figure is the median round, the spread of rounds beside it.
 */

/** The API's largest batch. */
const BATCH = 500;
/** Churns ingested before measuring, not counted. */
const WARM_UP = 2000;

export interface EngineThroughput {
  /** Churns measured, over all rounds. */
  churns: number;
  /** Churns per second of CPU: the median round. */
  perCpuSecond: number;
  /** The slowest and the fastest round, churns per second of CPU. */
  range: readonly [min: number, max: number];
  /** Share of the measured churns that scheduled a timer (a touch, or a retention task's notice); the others were ineligible. */
  scheduledShare: number;
}

/** One-shot timers kept by name, as EventBridge Scheduler keeps them: creating an existing name changes nothing. */
class TimersByName implements TouchScheduler {
  readonly timers = new Map<string, TimerSpec>();

  async schedule(timer: TimerSpec): Promise<void> {
    if (!this.timers.has(timer.name)) this.timers.set(timer.name, timer);
  }

  async cancel(name: string): Promise<void> {
    this.timers.delete(name);
  }

  /** Customers with a timer. */
  customers(): number {
    return new Set([...this.timers.values()].map((timer) => timer.payload.customerId)).size;
  }
}

async function ingestAll(deps: EngineDeps, inputs: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  for (let start = 0; start < inputs.length; start += BATCH) {
    const results = await ingestBatch(deps, inputs.slice(start, start + BATCH));
    const failed = results.find((result) => result.status !== 'accepted');
    if (failed) throw new Error(`churn ${failed.index} was ${failed.status}`);
  }
}

/** Fresh fakes: an empty in-memory store, no timers, the embedded policies. */
function freshDeps(): EngineDeps & { scheduler: TimersByName } {
  return { ...makeDeps(), scheduler: new TimersByName(), policies: deploymentPolicies([]) };
}

/** Ingests {@link WARM_UP} churns, then `rounds` rounds of `perRound` churns, each timed on fresh fakes. */
export async function measureEngineThroughput(perRound = 4000, rounds = 5): Promise<EngineThroughput> {
  // Built first: making the inputs (the fixture file, read per churn) is not the engine's work.
  const inputs = Array.from({ length: rounds }, (_, round) => churnInputs(perRound, `engine-${round}`));
  await ingestAll(freshDeps(), churnInputs(WARM_UP, 'engine-warmup'));
  const rates: number[] = [];
  let scheduled = 0;
  for (const roundInputs of inputs) {
    const deps = freshDeps();
    const cpu = process.cpuUsage();
    await ingestAll(deps, roundInputs);
    const { user, system } = process.cpuUsage(cpu);
    rates.push(perRound / ((user + system) / 1e6));
    scheduled += deps.scheduler.customers();
  }
  const sorted = [...rates].sort((a, b) => a - b);
  return {
    churns: perRound * rounds,
    perCpuSecond: sorted[Math.floor(sorted.length / 2)]!,
    range: [sorted[0]!, sorted.at(-1)!],
    scheduledShare: scheduled / (perRound * rounds),
  };
}
