/**
 * `npm run bench [-- --runs 7] [--kpi-journeys 100000] [--simulate-customers 100000] [--only engine,ingest]`: one table of
 * Winback's performance figures against their targets, on this machine (named above the table).
 * Progress goes to stderr, the table alone to stdout. Figures on a shared machine are indicative.
 * `--only` runs some sections of the table (`lambda`, `engine`, `ingest`, `batch`, `kpi`, `simulate`; `ingest` is
 * every store's ingest rows and the DynamoDB units of a journey, `batch` one customer's 500-event batch alone):
 * `npm run bench -- --only engine` takes seconds, the whole table minutes.
 *
 * 1. Each Lambda: its minified bundle against 300 KiB, and its module init against 1.5× a bare
 *    handler that creates the same SDK clients (scripts/bench/lambda-init.ts), with what
 *    leaving the SDK to the runtime would give beside it. The verdict compares CPU time: on a
 *    shared machine wall time swings with the neighbours' load (the same run has seen 1.25× and
 *    2.3× for two functions whose CPU ratios were 1.7× and 1.95×), and in Lambda a cold start
 *    is CPU-bound but for the one Secrets Manager call, which both handlers make.
 * 2. Ingest throughput per core, in-memory, on the SQLite store (the local runner's default) and
 *    through the DynamoDB adapter on DynamoDB Local (scripts/bench/ingest-throughput.ts). Target, derived: a 500-event batch (the API's largest)
 *    must fit API Gateway's 29 s integration timeout on the API function's 512 MB, which Lambda
 *    gives 512/1769 of a vCPU: 500 / 29 s / 0.289 ≈ 60 events per second of CPU.
 *    One customer's 500-event batch (a backfill of churns) on DynamoDB Local, against 10 s (`batch`): events
 *    of one customer are applied in order, so it is the slowest batch (scripts/bench/one-customer-batch.ts).
 * 3. DynamoDB units of one journey (churn → two SMS → return) against 1.5× the floor the design
 *    allows (scripts/bench/journey-capacity.ts derives the floor and says why the adapter is above it).
 * 4. The engine's own speed: churns planned per second of CPU in this process, on the in-memory
 *    store with the embedded policies (scripts/bench/engine-throughput.ts). Target:
 *    10,000 churns per second of CPU: at most 100 µs to plan a churn.
 * 5. The nightly KPI job (scripts/bench/kpi-job.ts, in a process of its own for its memory), at
 *    a size that keeps this bench to minutes; `npm run bench:kpi` runs 1,000,000. Targets, from
 *    the function's settings (lib/nightly-job.ts): 1,000,000 journeys inside its 15-minute timeout
 *    (≥ 1,111 journeys/s), peak memory inside its 1,769 MB.
 * 6. The simulator (scripts/bench/simulate.ts, in a process of its own for its memory): 100,000
 *    port-outs over their whole horizon, as `npm run simulate` runs them, on every core. Targets:
 *    at most 30 s wall on this 2-core machine (the load average beside it: neighbours slow the
 *    wall clock, not the CPU); at most 250 µs of CPU per customer, every thread's (25 s in all, so
 *    the 30 s hold, with the cohort's reading and a worker's start, on one free core when
 *    neighbours take the other); and a peak memory that grows
 *    with the cohort, not the journeys: within 1 GiB at 100,000 customers (the cohort's events,
 *    held once; one customer at a time).
 */
import '../bin/sdk-warning.ts';
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type CommandSpec, numberOption, readCommandLine, UsageError } from '../bin/cli.ts';
import { startDynamoDbLocal } from '#shared/adapters/local/dynamodb-local';
import { type EngineThroughput, measureEngineThroughput } from './bench/engine-throughput.ts';
import { measureIngestDynamoDb, measureIngestInMemory, measureIngestSqlite, type Throughput } from './bench/ingest-throughput.ts';
import { journeyTotals, measureJourneyCapacity } from './bench/journey-capacity.ts';
import {
  measureOneCustomerBatch,
  ONE_CUSTOMER_EVENTS,
  ONE_CUSTOMER_TARGET_SECONDS,
  type OneCustomerBatch,
} from './bench/one-customer-batch.ts';
import type { KpiBenchResult } from './bench/kpi-job.ts';
import { measureLambdaInit, type LambdaInit } from './bench/lambda-init.ts';
import type { SimulationBench } from './bench/simulate.ts';
import { kib, machine, ms, perSecond, renderTable, times, verdict, type Row } from './bench/table.ts';

const MAX_BUNDLE_BYTES = 300 * 1024;
const MAX_INIT_RATIO = 1.5;
const MIN_INGEST_PER_CORE = 60;
const MAX_UNITS_RATIO = 1.5;
const MIN_ENGINE_CHURNS_PER_CPU_SECOND = 10_000;
/** 1,000,000 journeys in the nightly function's 15 minutes. */
const MIN_KPI_JOURNEYS_PER_SECOND = 1_000_000 / (15 * 60);
const NIGHTLY_MEMORY_MB = 1769;
const INGEST_EVENTS = { inMemory: 2000, sqlite: 2000, dynamoDb: 1000 };
const MAX_SIMULATION_SECONDS = 30;
/** 25 s of CPU for 100,000 customers: the 30 s then hold on one free core, reading and a worker's start included. */
const MAX_SIMULATION_CPU_US = 250;
const MAX_SIMULATION_MEMORY_MB = 1024;

const SECTIONS = ['lambda', 'engine', 'ingest', 'batch', 'kpi', 'simulate'] as const;
const BENCH_COMMAND = {
  command: 'npm run bench --',
  summary: "Prints one table of Winback's performance figures against their targets, on this machine (progress on stderr).",
  usage: ['[--runs N] [--kpi-journeys N] [--simulate-customers N] [--only lambda,engine,ingest,batch,kpi,simulate]'],
  options: {
    runs: { type: 'string', value: 'n', description: 'cold starts measured per Lambda, the median reported (default: 7)' },
    'kpi-journeys': { type: 'string', value: 'n', description: 'journeys in the nightly KPI job row (default: 100000)' },
    'simulate-customers': { type: 'string', value: 'n', description: 'customers in the simulator row (default: 100000)' },
    only: { type: 'string', value: 'sections', description: `some sections of the table, comma-separated: ${SECTIONS.join(', ')}` },
  },
  notes: ['What each row measures and where its target comes from: docs/performance.md.'],
} as const satisfies CommandSpec;
const options = readCommandLine(BENCH_COMMAND, ({ values }) => {
  const sections = new Set(values.only?.split(',').map((name) => name.trim()) ?? SECTIONS);
  const unknown = [...sections].filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new UsageError(`--only takes ${SECTIONS.join(', ')}; not ${unknown.join(', ')}`);
  return {
    sections,
    runs: numberOption('runs', values.runs, 7, { min: 1, integer: true }),
    kpiJourneys: numberOption('kpi-journeys', values['kpi-journeys'], 100_000, { min: 1, integer: true }),
    simulateCustomers: numberOption('simulate-customers', values['simulate-customers'], 100_000, { min: 1, integer: true }),
  };
});
const { sections } = options;
const progress = (message: string) => process.stderr.write(`${message}\n`);

function lambdaRows(results: readonly LambdaInit[], runs: number): Row[] {
  return results.flatMap(({ lambda, handler, bare, sdkFromRuntime }) => {
    const cpuRatio = handler.cpuMs / bare.cpuMs;
    const fromRuntime = sdkFromRuntime.handler;
    return [
      {
        measure: `${lambda}: bundle, minified`,
        target: `≤ ${kib(MAX_BUNDLE_BYTES)}`,
        figure: `${kib(handler.bytes)} (bare handler ${kib(bare.bytes)}; with the SDK left to the runtime ${kib(fromRuntime.bytes)})`,
        verdict: verdict(handler.bytes <= MAX_BUNDLE_BYTES),
      },
      {
        measure: `${lambda}: module init, median of ${runs}`,
        target: `≤ ${MAX_INIT_RATIO}× bare handler`,
        figure:
          `CPU ${ms(handler.cpuMs)} vs ${ms(bare.cpuMs)}: ${times(cpuRatio)} (wall ${ms(handler.initMs)} vs ${ms(bare.initMs)}); ` +
          `SDK left to the runtime: ${times(fromRuntime.cpuMs / handler.cpuMs)} this CPU (bare handler ${times(sdkFromRuntime.bare.cpuMs / bare.cpuMs)})`,
        verdict: verdict(cpuRatio <= MAX_INIT_RATIO),
      },
    ];
  });
}

function ingestRow(store: string, result: Throughput): Row {
  return {
    measure: `ingest (validate + ingestEvent), ${store}`,
    target: `≥ ${MIN_INGEST_PER_CORE} events/s per core`,
    figure: `${perSecond(result.perCore)} events/s per core (${perSecond(result.perSecond)}/s wall, ${result.events.toLocaleString('en')} churns)`,
    verdict: verdict(result.perCore >= MIN_INGEST_PER_CORE),
  };
}

function oneCustomerRow(result: OneCustomerBatch): Row {
  const [load] = loadavg();
  return {
    measure: `one customer's ${ONE_CUSTOMER_EVENTS}-event batch (backfilled churns), DynamoDB Local`,
    target: `≤ ${ONE_CUSTOMER_TARGET_SECONDS} s`,
    figure:
      `${result.seconds.toFixed(1)} s (${result.accepted} accepted; ${result.calls}; ` +
      `load average ${load!.toFixed(1)} on ${cpus().length} cores)`,
    verdict: verdict(result.seconds <= ONE_CUSTOMER_TARGET_SECONDS && result.accepted === ONE_CUSTOMER_EVENTS),
  };
}

function engineRow(result: EngineThroughput): Row {
  const [slowest, fastest] = result.range;
  return {
    measure: 'engine: churns planned per second of CPU, in-process',
    target: `≥ ${perSecond(MIN_ENGINE_CHURNS_PER_CPU_SECOND)} churns/s`,
    figure:
      `${perSecond(result.perCpuSecond)} churns/s (median of rounds ${perSecond(slowest)}–${perSecond(fastest)}; ` +
      `${result.churns.toLocaleString('en')} churns, ${Math.round(result.scheduledShare * 100)}% with timers scheduled)`,
    verdict: verdict(result.perCpuSecond >= MIN_ENGINE_CHURNS_PER_CPU_SECOND),
  };
}

function capacityRows({ measured, floor }: ReturnType<typeof journeyTotals>): Row[] {
  const calls = Object.entries(measured.calls)
    .map(([operation, count]) => `${count} ${operation}`)
    .join(', ');
  return [
    {
      measure: 'DynamoDB read units per journey (churn → 2 SMS → return)',
      target: `≤ ${MAX_UNITS_RATIO}× floor`,
      figure: `${measured.read} RCU, floor ${floor.read}: ${times(measured.read / floor.read)} (${calls})`,
      verdict: verdict(measured.read <= MAX_UNITS_RATIO * floor.read),
    },
    {
      measure: 'DynamoDB write units per journey',
      target: `≤ ${MAX_UNITS_RATIO}× floor`,
      figure: `${measured.write} WCU, floor ${floor.write}: ${times(measured.write / floor.write)} (DynamoDB Local says ${measured.writeAsReportedByLocal}: it under-counts transactions)`,
      verdict: verdict(measured.write <= MAX_UNITS_RATIO * floor.write),
    },
  ];
}

function kpiRows(result: KpiBenchResult): Row[] {
  const rate = result.journeys / result.jobSeconds;
  const peakMb = result.peakRssBytes / 1_048_576;
  return [
    {
      measure: `nightly KPI job, ${result.journeys.toLocaleString('en')} journeys`,
      target: `≥ ${perSecond(MIN_KPI_JOURNEYS_PER_SECOND)} journeys/s`,
      figure: `${perSecond(rate)} journeys/s (${result.jobSeconds.toFixed(1)} s; DuckDB's sql/kpis.sql over the same Parquet: ${result.duckSeconds.toFixed(1)} s)`,
      verdict: verdict(rate >= MIN_KPI_JOURNEYS_PER_SECOND),
    },
    {
      measure: 'nightly KPI job, peak memory',
      target: `≤ ${NIGHTLY_MEMORY_MB} MB`,
      figure: `${peakMb.toFixed(0)} MB RSS (${(result.rssGrowthBytes / 1_048_576).toFixed(0)} MB above its start)`,
      verdict: verdict(peakMb <= NIGHTLY_MEMORY_MB),
    },
  ];
}

function simulationRows(result: SimulationBench): Row[] {
  const peakMb = result.peakRssBytes / 1_048_576;
  const perCustomerUs = (result.cpuSeconds / result.customers) * 1e6;
  const load = `load average ${result.loadAverage.start.toFixed(1)} → ${result.loadAverage.end.toFixed(1)} on ${result.cores} cores`;
  return [
    {
      measure: `simulator: ${result.customers.toLocaleString('en')} customers over their whole horizon`,
      target: `≤ ${MAX_SIMULATION_SECONDS} s`,
      figure: `${result.wallSeconds.toFixed(1)} s wall on ${result.threads} threads (${load}); ${result.messages.toLocaleString('en')} messages`,
      verdict: verdict(result.wallSeconds <= MAX_SIMULATION_SECONDS),
    },
    {
      measure: 'simulator: CPU per customer (every thread)',
      target: `≤ ${MAX_SIMULATION_CPU_US} µs`,
      figure:
        `${perCustomerUs.toFixed(0)} µs: ${result.cpuSeconds.toFixed(1)} s of CPU in all, of which ` +
        `${result.readCpuSeconds.toFixed(1)} s reading the cohort`,
      verdict: verdict(perCustomerUs <= MAX_SIMULATION_CPU_US),
    },
    {
      measure: 'simulator: peak memory',
      target: `≤ ${MAX_SIMULATION_MEMORY_MB} MB`,
      figure: `${peakMb.toFixed(0)} MB RSS, for a cohort of ${(result.cohortBytes / 1_048_576).toFixed(0)} MB of JSON Lines`,
      verdict: verdict(peakMb <= MAX_SIMULATION_MEMORY_MB),
    },
  ];
}

/** Runs scripts/bench/simulate.ts in a process of its own, so its peak memory is its own. */
async function runSimulationBenchApart(customers: number): Promise<SimulationBench> {
  const script = fileURLToPath(new URL('./bench/simulate.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--customers', String(customers)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`the simulator bench exited with ${code}: ${output}`);
  return JSON.parse(output.trim().split('\n').at(-1)!) as SimulationBench;
}

/** Runs scripts/bench-kpi.ts in a process of its own, so its peak memory is its own. */
async function runKpiBenchApart(journeys: number): Promise<KpiBenchResult> {
  const script = fileURLToPath(new URL('./bench-kpi.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--journeys', String(journeys), '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`bench-kpi exited with ${code}: ${output}`);
  return JSON.parse(output.trim().split('\n').at(-1)!) as KpiBenchResult;
}

const runs = options.runs;
const rows: Row[] = [];
if (sections.has('lambda')) {
  progress(`Module init of the four Lambdas, ${runs} cold starts of each of 16 bundles…`);
  rows.push(...lambdaRows(await measureLambdaInit(runs), runs));
}

if (sections.has('engine')) {
  progress('Engine: churns planned per second of CPU…');
  rows.push(engineRow(await measureEngineThroughput()));
}

if (sections.has('ingest') || sections.has('batch')) {
  progress('Starting DynamoDB Local…');
  const dynamoDb = await startDynamoDbLocal();
  try {
    if (sections.has('ingest')) {
      progress(`Ingest, in-memory store, ${INGEST_EVENTS.inMemory} churns…`);
      rows.push(ingestRow('in-memory store', await measureIngestInMemory(INGEST_EVENTS.inMemory)));
      progress(`Ingest, SQLite store, ${INGEST_EVENTS.sqlite} churns…`);
      rows.push(ingestRow('SQLite store (file, WAL)', await measureIngestSqlite(INGEST_EVENTS.sqlite)));
      progress(`Ingest, DynamoDB Local, ${INGEST_EVENTS.dynamoDb} churns…`);
      rows.push(ingestRow('DynamoDB Local', await measureIngestDynamoDb(dynamoDb.endpoint, INGEST_EVENTS.dynamoDb)));
    }
    progress(`One customer's ${ONE_CUSTOMER_EVENTS}-event batch, DynamoDB Local…`);
    rows.push(oneCustomerRow(await measureOneCustomerBatch(dynamoDb.endpoint)));
    if (sections.has('ingest')) {
      progress('DynamoDB units of one journey…');
      rows.push(...capacityRows(journeyTotals(await measureJourneyCapacity(dynamoDb.endpoint))));
    }
  } finally {
    await dynamoDb.stop();
  }
}

if (sections.has('kpi')) {
  progress(`Nightly KPI job, ${options.kpiJourneys.toLocaleString('en')} journeys…`);
  rows.push(...kpiRows(await runKpiBenchApart(options.kpiJourneys)));
}

if (sections.has('simulate')) {
  const customers = options.simulateCustomers;
  progress(`Simulator, ${customers.toLocaleString('en')} customers…`);
  rows.push(...simulationRows(await runSimulationBenchApart(customers)));
}

console.log(`Machine: ${machine()}\n`);
console.log(renderTable(rows));
