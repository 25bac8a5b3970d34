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
 *   (`pickSendInstant` in `shared/domain/send-window.ts` builds luxon dates for every day of
 *   each touch window, and each zone offset goes through `Intl.DateTimeFormat#formatToParts`),
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
import { parseArgs } from 'node:util';
import { waitUntilIdle, watchCpu } from './load/cpu-sampler.ts';
import { drive, type Mode } from './load/drive.ts';
import { Ledger, reconcile } from './load/ledger.ts';
import { readBackAppliedEvents } from './load/read-back.ts';
import { accounting, cpuTable, diagnosis, eventsPerSecond, modeTable, violations, type RunReport } from './load/report.ts';
import { startLoadRunner } from './load/runner-process.ts';
import { Workload } from './load/workload.ts';
import { MAX_BATCH_EVENTS } from '#shared/domain/events';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    rate: { type: 'string', default: '2000' },
    modes: { type: 'string', default: 'singles,batches' },
    'batch-size': { type: 'string', default: '100' },
    'replay-share': { type: 'string', default: '0.05' },
    'follow-up-share': { type: 'string', default: '0.15' },
    connections: { type: 'string' },
    timeout: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '500' },
    'flat-out': { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    'start-time': { type: 'string', default: '2026-01-05T08:00:00Z' },
    'cpu-prof': { type: 'string' },
  },
});

function numberFlag(name: keyof typeof flags, min: number, max: number): number {
  const value = Number(flags[name]);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new Error(`--${name} must be a number from ${min} to ${max}, got ${flags[name]}`);
  return value;
}

const settings = {
  durationSeconds: numberFlag('duration', 1, 3600),
  rate: numberFlag('rate', 1, 1_000_000),
  batchSize: numberFlag('batch-size', 1, MAX_BATCH_EVENTS),
  replayShare: numberFlag('replay-share', 0, 0.5),
  followUpShare: numberFlag('follow-up-share', 0, 0.5),
  timeoutSeconds: numberFlag('timeout', 1, 600),
  warmupEvents: numberFlag('warmup', 0, 1_000_000),
  seed: numberFlag('seed', 0, 2 ** 32 - 1),
  startTime: flags['start-time'],
};
const modes = flags.modes.split(',').map((mode) => mode.trim()) as Mode[];
if (modes.some((mode) => mode !== 'singles' && mode !== 'batches'))
  throw new Error(`--modes takes singles and/or batches, got ${flags.modes}`);
if (Number.isNaN(Date.parse(settings.startTime))) throw new Error(`--start-time must be an ISO date-time, got ${settings.startTime}`);

/**
 * Connections per mode: enough in flight for the runner to overlap its DynamoDB calls; for
 * batches few, since each already carries many events and autocannon times a request out
 * whole.
 */
function connectionsFor(mode: Mode): number {
  if (flags.connections !== undefined) return numberFlag('connections', 1, 10_000);
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
  const runner = await startLoadRunner(settings.startTime, flags['cpu-prof']);
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
  for (const target of flags['flat-out'] ? [settings.rate, undefined] : [settings.rate]) {
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
