/**
 * `npm run load [-- --duration 60 --rate 2000 --modes singles,batches --batch-size 100
 *   --replay-share 0.05 --warmup 500 --flat-out --cpu-prof <dir>]`: the local runner under
 * autocannon, then proof that nothing was lost and nothing applied twice.
 *
 * For each mode — singles (one event per `POST /v1/events`) and batches (`{"events": [...]}`) —
 * and each run (at the target rate, and flat out with `--flat-out`) it starts a fresh local
 * runner as `npm start` does (its own data folder and DynamoDB Local), warms it up, posts unique
 * valid events for the duration (new churns, follow-ups of already churned customers, and a
 * known share of replays: the same body re-posted), records every answer per event, reads the
 * store back, and prints one table per mode: target and achieved events/s, requests/s, latency
 * percentiles, errors and non-2xx answers (429/503 included, never hidden), lost events and
 * events applied twice. Under each run: where the CPU went (/proc), per part and per event, and
 * what bounds the rate; `--cpu-prof <dir>` also writes each runner's CPU profile there (for
 * Chrome DevTools). It exits 1 if any event was lost, applied twice, or a valid one rejected.
 *
 * Not part of `npm test`: a benchmark, on whatever else the machine is doing. The CPU cost per
 * event is what carries over to another machine; the rates do not.
 *
 * Where the ceiling is, and why (2026-11-23, the 2-core development machine, Node 20, Java 17,
 * with other test suites taking 120–150% of its 200% meanwhile, so only the costs per event
 * are meaningful): the ceiling is the CPU, at about 100 events/s on two cores of its own,
 * singles or batches — some 20 times short of 2,000 events/s.
 * - Each event costs 19–25 ms of CPU: the runner 10–13 ms (9–12 of them on its event loop),
 *   DynamoDB Local 8–12 ms (its Jetty request threads 3–4, its one SQLite thread 2–3, the JIT
 *   still 3–4 after a minute), autocannon under 1 ms. 2,000 events/s would need under 1 ms.
 * - The runner's time goes to the engine, not to the runner: about 40% planning send instants
 *   (`pickSendInstant` in `shared/domain/send-window.ts`, then built on luxon dates; it now reads
 *   the zone offset tables of `shared/domain/time-zone.ts`),
 *   the rest to the AWS SDK (three DynamoDB calls per event), HTTP and zod. The runner's own
 *   code (server, router, timer journal, outbox, logger) is under 2%: nothing to gain there.
 * - DynamoDB Local is paid per call: per event a GetItem for the receipt, a GetItem for the
 *   customer and a TransactWriteItems of receipt, customer and phone lookup — about 0.5 ms of
 *   Java CPU per GetItem and 3.5–5 ms per transaction, measured on their own. All its SQLite
 *   statements run in turn on one thread, which alone would stop it near 300–450 events/s.
 * - Batches save only the HTTP request per event: the engine ingests a batch event by event
 *   (16 customers at a time), with the same three DynamoDB calls each.
 */
import '../bin/sdk-warning.ts';
import { waitUntilIdle, watchCpu } from './load/cpu-sampler.ts';
import { drive, type Mode } from './load/drive.ts';
import { Ledger, reconcile } from './load/ledger.ts';
import { readBackAppliedEvents } from './load/read-back.ts';
import { accounting, cpuTable, diagnosis, eventsPerSecond, modeTable, violations, type RunReport } from './load/report.ts';
import { startLoadRunner } from './load/runner-process.ts';
import { Workload } from './load/workload.ts';
import { MAX_BATCH_EVENTS } from '#shared/domain/events';
import { type CommandSpec, numberOption, readCommandLine, UsageError } from '../bin/cli.ts';

const LOAD_COMMAND = {
  command: 'npm run load --',
  summary:
    'Puts the local runner under load (autocannon), then reads the store back: nothing lost, nothing applied twice. Exits 1 if either happened.',
  usage: ['[--duration S] [--rate N] [--modes singles,batches] [--batch-size N] [--flat-out] [--cpu-prof DIR] [options]'],
  options: {
    duration: { type: 'string', value: 'seconds', description: 'how long each run posts events (default: 60)' },
    rate: { type: 'string', value: 'n', description: 'target events per second (default: 2000)' },
    modes: { type: 'string', value: 'modes', description: 'singles (one event per request) and/or batches (default: singles,batches)' },
    'batch-size': { type: 'string', value: 'n', description: `events per batch request, at most ${MAX_BATCH_EVENTS} (default: 100)` },
    'replay-share': { type: 'string', value: '0..0.5', description: 'share of requests that re-post an earlier body (default: 0.05)' },
    'follow-up-share': {
      type: 'string',
      value: '0..0.5',
      description: 'share of events about an already churned customer (default: 0.15)',
    },
    connections: { type: 'string', value: 'n', description: 'connections in flight (default: 50 for singles, 2 for batches)' },
    timeout: { type: 'string', value: 'seconds', description: 'when a request counts as timed out (default: 30)' },
    warmup: { type: 'string', value: 'n', description: 'events posted before measuring (default: 500)' },
    'flat-out': { type: 'boolean', description: 'also run with no rate limit, after the run at --rate' },
    seed: { type: 'string', value: 'n', description: 'the random seed of the events (default: 1)' },
    'start-time': { type: 'string', value: 'iso', description: "the runner's virtual clock at start (default: 2026-01-05T08:00:00Z)" },
    'cpu-prof': { type: 'string', value: 'dir', description: "write each runner's CPU profile there (Chrome DevTools)" },
  },
  notes: ['What it measures and where the ceiling is: docs/performance.md.'],
} as const satisfies CommandSpec;

const { settings, modes, flags } = readCommandLine(LOAD_COMMAND, ({ values }) => {
  const startTime = values['start-time'] ?? '2026-01-05T08:00:00Z';
  if (Number.isNaN(Date.parse(startTime))) throw new UsageError(`--start-time must be an ISO date-time, got ${JSON.stringify(startTime)}`);
  const modes = (values.modes ?? 'singles,batches').split(',').map((mode) => mode.trim()) as Mode[];
  if (modes.some((mode) => mode !== 'singles' && mode !== 'batches'))
    throw new UsageError(`--modes takes singles and/or batches, got ${JSON.stringify(values.modes)}`);
  const settings = {
    durationSeconds: numberOption('duration', values.duration, 60, { min: 1, max: 3600 }),
    rate: numberOption('rate', values.rate, 2000, { min: 1, max: 1_000_000 }),
    batchSize: numberOption('batch-size', values['batch-size'], 100, { min: 1, max: MAX_BATCH_EVENTS, integer: true }),
    replayShare: numberOption('replay-share', values['replay-share'], 0.05, { min: 0, max: 0.5 }),
    followUpShare: numberOption('follow-up-share', values['follow-up-share'], 0.15, { min: 0, max: 0.5 }),
    timeoutSeconds: numberOption('timeout', values.timeout, 30, { min: 1, max: 600 }),
    warmupEvents: numberOption('warmup', values.warmup, 500, { min: 0, max: 1_000_000, integer: true }),
    seed: numberOption('seed', values.seed, 1, { min: 0, max: 2 ** 32 - 1, integer: true }),
    startTime,
  };
  const connections =
    values.connections === undefined
      ? undefined
      : numberOption('connections', values.connections, 0, { min: 1, max: 10_000, integer: true });
  return { settings, modes, flags: { connections, flatOut: values['flat-out'] === true, cpuProf: values['cpu-prof'] } };
});

/**
 * Connections per mode: enough in flight for the runner to overlap its DynamoDB calls; for
 * batches few, since each already carries many events and autocannon times a request out
 * whole.
 */
function connectionsFor(mode: Mode): number {
  if (flags.connections !== undefined) return flags.connections;
  return mode === 'singles' ? 50 : 2;
}

/**
 * An interrupt ends the load at once and lets the run unwind, so its runner is stopped the
 * usual way: no runner, JVM or data folder outlives the script. A second one kills outright.
 */
const interrupted = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping`);
    interrupted.abort();
  });
}

function unlessInterrupted(): void {
  if (interrupted.signal.aborted) throw new Error('interrupted');
}

/** One run: a fresh runner, the load, the read-back, the reconciliation. */
async function loadRun(mode: Mode, target: number | undefined): Promise<RunReport> {
  const what = `${mode} ${target === undefined ? 'flat out' : `at ${target} events/s`} for ${settings.durationSeconds} s`;
  console.error(`${what}: starting a local runner…`);
  const runner = await startLoadRunner(settings.startTime, flags.cpuProf);
  try {
    unlessInterrupted();
    const runTag = `ld${Date.now().toString(36)}`;
    const workload = new Workload({
      runTag,
      seed: settings.seed,
      replayShare: settings.replayShare,
      followUpShare: settings.followUpShare,
      startTimeMs: Date.parse(settings.startTime),
    });
    const ledger = new Ledger();
    const load = {
      url: runner.url,
      apiKey: runner.apiKey,
      mode,
      batchSize: settings.batchSize,
      eventsPerSecond: target,
      connections: connectionsFor(mode),
      timeoutSeconds: settings.timeoutSeconds,
      workload,
      ledger,
      signal: interrupted.signal,
    };
    if (settings.warmupEvents > 0) {
      // DynamoDB Local's JVM (and V8) compile their hot paths after so many calls, a JIT
      // thread taking a core meanwhile: measured from a cold start, every event would carry
      // that. A count of events, not seconds, since compilation follows calls. It ends with
      // nothing in flight, so no warm-up work spills into the measurement; its events go to
      // the same ledger and are verified too.
      console.error(`${what}: warming up with ${settings.warmupEvents} events…`);
      await drive({ ...load, length: { events: settings.warmupEvents } });
      unlessInterrupted();
    }
    console.error(`${what}: posting to ${runner.url}…`);
    const cpu = watchCpu(runner);
    const { result, handled } = await drive({ ...load, length: { seconds: settings.durationSeconds } });
    // The CPU window closes once the runner has finished what was still in flight, so the
    // events it applied without answering count too (below): nothing is charged to the wrong events.
    await waitUntilIdle(runner.runnerPid);
    const usage = cpu.stop();
    unlessInterrupted();
    console.error(`${what}: reading the store back…`);
    const readBack = await readBackAppliedEvents(runner.dynamoEndpoint);
    const reconciliation = reconcile(ledger.entries(), readBack.applied);
    const processed = handled + reconciliation.storedWithoutPromise;
    return {
      mode,
      target,
      eventsPerRequest: mode === 'batches' ? settings.batchSize : 1,
      result,
      handled,
      processed,
      reconciliation,
      readBack,
      cpu: usage,
    };
  } finally {
    await runner.stop();
  }
}

let failed = false;
for (const mode of modes) {
  const runs: RunReport[] = [];
  for (const target of flags.flatOut ? [settings.rate, undefined] : [settings.rate]) {
    try {
      runs.push(await loadRun(mode, target));
    } catch (error) {
      if (!interrupted.signal.aborted) throw error;
      process.exit(130);
    }
  }
  console.log(`\n${modeTable(mode, runs)}`);
  for (const run of runs) {
    const problems = violations(run);
    failed ||= problems.length > 0;
    console.log(
      `\n${mode} ${run.target === undefined ? 'flat out' : `at ${run.target} events/s`}: ${Math.round(eventsPerSecond(run))} events/s achieved; ${problems.length === 0 ? 'nothing lost, nothing applied twice' : problems.join('; ')}`,
    );
    console.log(accounting(run));
    console.log(diagnosis(run));
    console.log(cpuTable(run));
  }
}
process.exit(failed ? 1 : 0);
