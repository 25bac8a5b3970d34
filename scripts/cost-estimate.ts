/**
 * `npm run cost [-- --customers 1000 --return-share 0.15 --return-day 50 --seed 1]`: what
 * Winback costs in AWS per 1,000 churned customers, counted from the calls their journeys make.
 *
 * It runs the real engine use cases (`ingestEvent`, `sendTouch`) for synthetic port-out
 * customers (US numbers, SMS consent, a share returning around day 50) against the real
 * `DynamoDbCustomerStore` on DynamoDB Local, whose consumed capacity is read from every response
 * (`ReturnConsumedCapacity: 'TOTAL'`, set by a middleware on the client). The scheduler, the
 * channels and the logger are counting stand-ins with EventBridge Scheduler's semantics: a
 * fired schedule is deleted, a name that exists is not created twice. Each customer's timeline
 * (churn, timers firing at their due instant, return) runs on its own virtual clock.
 *
 * What is counted, not assumed: API requests, Lambda invocations, DynamoDB request units,
 * schedules created, deleted and fired, SMS messages and their billed parts, e-mails, log lines
 * the engine writes. What is assumed (and printed as such): Lambda durations in AWS, init time
 * of a cold start, how long an idle Lambda environment lives, log line overheads, X-Ray sampling.
 * Prices: {@link PRICES}, dated by {@link PRICES_AS_OF}.
 */
import '../bin/sdk-warning.ts';
import { smsParts } from '#shared/domain/sms';
import { DEFAULT_PRICE_TABLE, DEFAULT_PRICES_AS_OF } from '#shared/domain/default-prices';
import type { MessagePrice } from '#shared/domain/pricing';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type CommandSpec, numberOption, readCommandLine } from '../bin/cli.ts';
import { DeleteTableCommand, ScanCommand, type AttributeValue, type ConsumedCapacity, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient, startDynamoDbLocal } from '#shared/adapters/local/dynamodb-local';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import type { TimerSpec } from '#shared/domain/journey/timers';
import { parseEvent, type WinbackEvent } from '#shared/domain/events';
import { parsePolicy } from '#shared/domain/policy';
import { PolicyRegistry } from '#shared/domain/policy-registry';
import { telecomPortOut } from '#shared/domain/policies/telecom-port-out';
import type { Arm } from '#shared/domain/targeting';
import type { Channel } from '#shared/domain/channels';
import { DAY_MS } from '#shared/domain/vocabulary';
import type { EngineDeps } from '#shared/engine/deps';
import { ingestEvent } from '#shared/engine/ingest-event';
import { fireTimer } from '#shared/engine/fire-timer';
import type { EngineLogger } from '#shared/ports/logger';
import type { MessageChannel, SendReceipt } from '#shared/ports/message-channel';
import type { TouchScheduler } from '#shared/ports/touch-scheduler';
import { mulberry32 } from './seeded-random.ts';

// ---------------------------------------------------------------------------------------------
// Prices
// ---------------------------------------------------------------------------------------------

/**
 * The date the price list below was compiled. They are AWS list prices for us-east-1 as last
 * known to the author (DynamoDB on-demand after the 1 Nov 2024 price cut); this machine has no
 * internet access, so they were NOT re-read from the pricing pages on that date. Check each one
 * against its page before relying on the result.
 */
export const PRICES_AS_OF = '2026-11-23';
export const PRICES_REGION = 'us-east-1';

export interface Price {
  /** US dollars per `per` units. */
  usd: number;
  per: number;
  /** The unit, as the pricing page names it (plural when `per` > 1). */
  unit: string;
  /** The AWS pricing page it comes from. */
  page: string;
  note?: string;
}

/** The cost of `quantity` units at `price`. */
export const costOf = (quantity: number, price: Price): number => (quantity * price.usd) / price.per;

const M = 1_000_000;

export const PRICES = {
  apiRequest: {
    usd: 3.5,
    per: M,
    unit: 'requests',
    page: 'https://aws.amazon.com/api-gateway/pricing/',
    note: 'REST API, first 333 M requests a month',
  },
  lambdaRequest: { usd: 0.2, per: M, unit: 'requests', page: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaGbSecond: {
    usd: 0.0000133334,
    per: 1,
    unit: 'GB-second',
    page: 'https://aws.amazon.com/lambda/pricing/',
    note: 'arm64, first tier; since 1 Aug 2025 the INIT phase is billed too',
  },
  dynamoWrite: {
    usd: 0.625,
    per: M,
    unit: 'write request units',
    page: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: 'on-demand, Standard table class (price cut of 1 Nov 2024)',
  },
  dynamoRead: {
    usd: 0.125,
    per: M,
    unit: 'read request units',
    page: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: 'on-demand, Standard table class (price cut of 1 Nov 2024)',
  },
  dynamoStorage: {
    usd: 0.25,
    per: 1,
    unit: 'GB-month',
    page: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: 'first 25 GB a month are free (not counted)',
  },
  dynamoPitr: {
    usd: 0.2,
    per: 1,
    unit: 'GB-month',
    page: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: 'continuous backups (PITR), on the table size',
  },
  schedulerInvocation: {
    usd: 1.0,
    per: M,
    unit: 'invocations',
    page: 'https://aws.amazon.com/eventbridge/pricing/',
    note: '14 M invocations a month free (not counted); creating and deleting schedules is free',
  },
  // Messages: the engine's own price table (the deployment default, shared/domain/default-prices.ts).
  smsPart: {
    usd: DEFAULT_PRICE_TABLE.channels.sms.byCountry.US!,
    per: 1,
    unit: 'SMS part to the US',
    page: 'https://aws.amazon.com/end-user-messaging/pricing/',
    note: `base price per message part to a US number (default price table of ${DEFAULT_PRICES_AS_OF}); carrier fees are extra; other countries cost up to 50x more`,
  },
  email: {
    usd: DEFAULT_PRICE_TABLE.channels.email.default * 1000,
    per: 1000,
    unit: 'e-mails',
    page: 'https://aws.amazon.com/ses/pricing/',
    note: `default price table of ${DEFAULT_PRICES_AS_OF}`,
  },
  secretsApiCall: { usd: 0.05, per: 10_000, unit: 'API calls', page: 'https://aws.amazon.com/secrets-manager/pricing/' },
  secretMonth: { usd: 0.4, per: 1, unit: 'secret-month', page: 'https://aws.amazon.com/secrets-manager/pricing/' },
  kmsKeyMonth: { usd: 1.0, per: 1, unit: 'key-month', page: 'https://aws.amazon.com/kms/pricing/' },
  alarmMonth: { usd: 0.1, per: 1, unit: 'alarm-month', page: 'https://aws.amazon.com/cloudwatch/pricing/', note: 'standard resolution' },
  logIngestGb: {
    usd: 0.5,
    per: 1,
    unit: 'GB ingested',
    page: 'https://aws.amazon.com/cloudwatch/pricing/',
    note: 'Standard log class, first tier',
  },
  xrayTrace: {
    usd: 5.0,
    per: M,
    unit: 'traces recorded',
    page: 'https://aws.amazon.com/xray/pricing/',
    note: '100 k traces a month free (not counted)',
  },
  sqsRequest: { usd: 0.4, per: M, unit: 'requests', page: 'https://aws.amazon.com/sqs/pricing/', note: '1 M requests a month free' },
} as const satisfies Record<string, Price>;

// ---------------------------------------------------------------------------------------------
// Assumptions (what this run cannot count)
// ---------------------------------------------------------------------------------------------

/** Engine functions whose invocations a journey causes. */
export type LambdaName = 'api' | 'sendTouch';

/**
 * What cannot be measured without AWS. Durations are typical warm durations of these handlers at
 * 512 MB on arm64 (a few DynamoDB round trips of 5–10 ms, CreateSchedule/Publish of 30–80 ms),
 * not measurements; the local wall time of each use case is printed next to them for reference.
 */
export const ASSUMPTIONS = {
  /** Billed duration of one warm invocation, ms. */
  durationMs: { api: 100, sendTouch: 150 } satisfies Record<LambdaName, number>,
  /** Billed INIT phase of a cold start (Node.js 24, minified ESM bundle, one GetSecretValue), ms. */
  initMs: 500,
  /**
   * How long an idle execution environment is kept (AWS does not document it; 5–15 min is
   * commonly observed). An invocation more than this after the previous one of the same function
   * is a cold start, which also fetches the keys secret from Secrets Manager once.
   */
  idleEnvironmentMinutes: 10,
  /** Lambda memory, MB (lib/winback-function.ts); the CLI reads it from the synthesized template. */
  memoryMb: { api: 512, sendTouch: 512 } satisfies Record<LambdaName, number>,
  /**
   * X-Ray: tracing is active on the API stage and every function. The default sampling rule
   * records the first request each second and 5% of the rest, so at these volumes every request
   * is one trace.
   */
  xraySampledShare: 1,
  /** CloudWatch Logs bills each log event's bytes plus 26 bytes of overhead. */
  logEventOverheadBytes: 26,
} as const;

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

export interface EstimateOptions {
  /** A running DynamoDB Local (e.g. the tests'); without it one is started and stopped. */
  endpoint?: string;
  /** Share of customers who come back on their own or thanks to a touch. @default 0.15 */
  returnShare?: number;
  /** Mean day of return after the port-out (spread ±8 days, within days 31–89). @default 50 */
  returnDay?: number;
  /** Seed of the synthetic population. @default 1 */
  seed?: number;
  /** Customers run side by side (each on its own clock). @default 4 */
  concurrency?: number;
  /** First churn instant; churns spread over the following 30 days. @default 2026-03-02T00:00Z */
  startAt?: string;
  /** Lambda memory sizes, MB. @default ASSUMPTIONS.memoryMb */
  memoryMb?: Partial<Record<LambdaName, number>>;
}

/** What happened to one synthetic customer, for invariants and per-journey figures. */
export interface JourneyTrace {
  customerId: string;
  eligible: boolean;
  arm: Arm;
  churnedAtMs: number;
  returnedAtMs?: number;
  /** Due instants of the touch timers the churn created. */
  plannedDueMs: number[];
  createSchedule: number;
  deleteSchedule: number;
  timersFired: number;
  sms: number;
  smsParts: number;
  emails: number;
  readUnits: number;
  writeUnits: number;
  apiRequests: number;
}

interface OperationUsage {
  calls: number;
  readUnits: number;
  writeUnits: number;
  /** Calls whose response carried no ConsumedCapacity (failed calls never do). */
  withoutCapacity: number;
}

interface Invocation {
  fn: LambdaName;
  atMs: number;
  wallMs: number;
}

/** Everything one customer's timeline did; summed over customers at the end. */
class Usage {
  readonly dynamo = new Map<string, OperationUsage>();
  readonly invocations: Invocation[] = [];
  readonly outcomes = new Map<string, number>();
  /** SMS texts sent, with how often. */
  readonly smsTexts = new Map<string, number>();
  createSchedule = 0;
  deleteSchedule = 0;
  deleteNotFound = 0;
  timersFired = 0;
  sms = 0;
  smsParts = 0;
  emails = 0;
  push = 0;
  apiRequests = 0;
  logEvents = 0;
  logBytes = 0;
  currentFn: LambdaName = 'api';

  op(name: string): OperationUsage {
    const usage = this.dynamo.get(name) ?? { calls: 0, readUnits: 0, writeUnits: 0, withoutCapacity: 0 };
    this.dynamo.set(name, usage);
    return usage;
  }

  get readUnits(): number {
    return [...this.dynamo.values()].reduce((sum, u) => sum + u.readUnits, 0);
  }

  get writeUnits(): number {
    return [...this.dynamo.values()].reduce((sum, u) => sum + u.writeUnits, 0);
  }
}

export interface CostLine {
  service: string;
  what: string;
  quantity: number;
  price: Price;
  usd: number;
}

export interface Estimate {
  customers: number;
  options: Required<Omit<EstimateOptions, 'endpoint' | 'memoryMb'>> & { memoryMb: Record<LambdaName, number> };
  population: {
    eligible: number;
    ineligible: number;
    treatment: number;
    control: number;
    returned: number;
    neverReturnedTreatment: number;
  };
  counts: {
    apiRequests: number;
    lambda: Record<LambdaName, { invocations: number; coldStarts: number; gbSeconds: number }>;
    scheduler: { createSchedule: number; deleteSchedule: number; deleteNotFound: number; invocations: number };
    sms: number;
    smsParts: number;
    emails: number;
    push: number;
    dynamodb: { readUnits: number; writeUnits: number; byOperation: Record<string, OperationUsage>; callsWithoutCapacity: number };
    secretsManagerCalls: number;
    xrayTraces: number;
    logEvents: number;
    logBytes: number;
  };
  /** How each fired timer ended (sent, withheld, skipped, …). */
  sendOutcomes: Record<string, number>;
  /** Every distinct SMS text sent: its length, billed parts and how often it went out. */
  smsTexts: Array<{ text: string; characters: number; parts: number; sent: number }>;
  /** Local wall time of each use case against DynamoDB Local (not Lambda's duration). */
  measuredWallMs: Record<LambdaName, { median: number; p90: number }>;
  /** The table after the run: what stays stored, and what one nightly KPI scan of it reads. */
  storage: {
    items: number;
    bytes: number;
    customerItems: number;
    avgCustomerItemBytes: number;
    maxCustomerItemBytes: number;
    nightlyScanReadUnits: number;
  };
  journeys: JourneyTrace[];
  /** Variable cost of these `customers`' journeys, one line per billed dimension. */
  lines: CostLine[];
  total: number;
}

/** Journeys' variable cost for `customers` synthetic port-outs, counted from their calls. */
export async function estimate(customers: number, options: EstimateOptions = {}): Promise<Estimate> {
  if (!Number.isInteger(customers) || customers < 1) throw new Error(`customers must be a positive integer, got ${customers}`);
  if (options.returnShare !== undefined && !(options.returnShare >= 0 && options.returnShare <= 1))
    throw new Error(`returnShare must be between 0 and 1, got ${options.returnShare}`);
  const opts = {
    returnShare: options.returnShare ?? 0.15,
    returnDay: options.returnDay ?? 50,
    seed: options.seed ?? 1,
    concurrency: options.concurrency ?? 4,
    startAt: options.startAt ?? '2026-03-02T00:00:00Z',
    memoryMb: { ...ASSUMPTIONS.memoryMb, ...options.memoryMb },
  };
  const local = options.endpoint ? undefined : await startDynamoDbLocal();
  const endpoint = options.endpoint ?? local!.endpoint;
  const tableName = `cost-estimate-${randomUUID().slice(0, 8)}`;
  const current = new AsyncLocalStorage<Usage>();
  const client = countingDynamoClient(endpoint, current);
  try {
    await ensureTable(client, tableName);
    const store = new DynamoDbCustomerStore({ client: createDocumentClient(client), tableName, phoneHashKey: 'cost-estimate' });
    // The automated programme's cost: escalated accounts go to people, whose time is not priced
    // here, so every synthetic customer is left to the texts (an upper bound for the default).
    const { escalation: _people, ...automated } = parsePolicy(telecomPortOut);
    const policies = new PolicyRegistry([automated]);
    const population = syntheticPopulation(customers, opts);

    const results: Array<{ trace: JourneyTrace; usage: Usage }> = [];
    const queue = [...population];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const usage = new Usage();
        const trace = await current.run(usage, () => runJourney(next, usage, store, policies, current));
        results.push({ trace, usage });
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, customers) }, worker));
    results.sort((a, b) => a.trace.customerId.localeCompare(b.trace.customerId, 'en', { numeric: true }));

    const nightly = new Usage();
    await current.run(nightly, async () => {
      for await (const _ of store.scan(0, 1)) void _;
    });
    const storage = { ...(await measureStorage(client, tableName)), nightlyScanReadUnits: nightly.readUnits };
    return summarize(customers, opts, results, storage);
  } finally {
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client.destroy();
    await local?.stop();
  }
}

/**
 * A DynamoDB client that asks for `ReturnConsumedCapacity: 'TOTAL'` on every command and adds
 * what each response reports to the current customer's usage. DynamoDB Local reports it for
 * GetItem, PutItem, TransactWriteItems and Scan (checked), including the 2x of transactions.
 */
function countingDynamoClient(endpoint: string, current: AsyncLocalStorage<Usage>): DynamoDBClient {
  const client = localDynamoClient(endpoint);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const usage = current.getStore();
      if (!usage) return next(args);
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const commandName = context.commandName ?? 'UnknownCommand';
      const operation = usage.op(commandName.replace(/Command$/, ''));
      operation.calls += 1;
      try {
        const result = await next(args);
        const reported = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
        const capacities = reported === undefined ? [] : Array.isArray(reported) ? reported : [reported];
        if (capacities.length === 0) operation.withoutCapacity += 1;
        const isRead = /^(Get|BatchGet|TransactGet|Query|Scan)/.test(commandName);
        for (const c of capacities) {
          operation.readUnits += c.ReadCapacityUnits ?? (isRead ? (c.CapacityUnits ?? 0) : 0);
          operation.writeUnits += c.WriteCapacityUnits ?? (isRead ? 0 : (c.CapacityUnits ?? 0));
        }
        return result;
      } catch (error) {
        // DynamoDB (and DynamoDB Local) report no capacity on a failed call, though a failed
        // conditional write is billed; the run counts these so they are never silently missed.
        operation.withoutCapacity += 1;
        throw error;
      }
    },
    { step: 'initialize', name: 'winbackCountConsumedCapacity' },
  );
  return client;
}

// ---------------------------------------------------------------------------------------------
// Synthetic population
// ---------------------------------------------------------------------------------------------

interface SyntheticCustomer {
  customerId: string;
  churn: WinbackEvent;
  churnedAtMs: number;
  returned?: WinbackEvent;
  returnedAtMs?: number;
}

function pick<T>(rand: () => number, weighted: ReadonlyArray<readonly [T, number]>): T {
  let point = rand() * weighted.reduce((sum, [, w]) => sum + w, 0);
  for (const [value, weight] of weighted) {
    point -= weight;
    if (point < 0) return value;
  }
  return weighted.at(-1)![0];
}

const ZONES = [
  ['America/New_York', 47],
  ['America/Chicago', 29],
  ['America/Denver', 7],
  ['America/Los_Angeles', 17],
] as const;
const EXIT_REASONS = [
  ['price', 30],
  ['coverage', 25],
  ['support', 15],
  ['tariff_complexity', 10],
  ['moved', 10],
  ['other', 5],
  ['unknown', 5],
] as const;

/**
 * Port-outs of US subscribers spread over 30 days, all with a phone number and SMS consent
 * only. About 5% are repeat churners and 3% below the value floor (not contacted); `returnShare`
 * come back around `returnDay` (normal, sd 8 days, kept within days 31–89).
 */
function syntheticPopulation(
  count: number,
  opts: { returnShare: number; returnDay: number; seed: number; startAt: string },
): SyntheticCustomer[] {
  // Seeded, so every run is the same population.
  const rand = mulberry32(opts.seed);
  const start = Date.parse(opts.startAt);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: count }, (_, i) => {
    const customerId = `cust-${i + 1}`;
    const churnedAtMs = start + Math.floor(rand() * 30 * DAY_MS);
    const occurredAt = new Date(churnedAtMs).toISOString();
    const churn = parsed({
      eventId: `churn-${customerId}`,
      type: 'customer.churned',
      occurredAt,
      customerId,
      churnKind: 'port_out',
      exitReason: pick(rand, EXIT_REASONS),
      contacts: { phone: `+1202555${String(1000 + (i % 9000)).padStart(4, '0')}` },
      consents: { sms: true, email: false, push: false },
      timezone: pick(rand, ZONES),
      locale: 'en-US',
      monthlyRevenue: rand() < 0.03 ? 3.5 : Math.round((10 + rand() * 70) * 100) / 100,
      tenureMonths: 1 + Math.floor(rand() * 60),
      priorChurns: pick(rand, [
        [0, 85],
        [1, 10],
        [2, 5],
      ]),
      accountType: 'consumer',
    });
    const customer: SyntheticCustomer = { customerId, churn, churnedAtMs };
    if (rand() < opts.returnShare) {
      const day = Math.min(89, Math.max(31, opts.returnDay + 8 * normal()));
      customer.returnedAtMs = churnedAtMs + Math.round(day * DAY_MS);
      customer.returned = parsed({
        eventId: `return-${customerId}`,
        type: 'customer.returned',
        occurredAt: new Date(customer.returnedAtMs).toISOString(),
        customerId,
        revenue: 30,
      });
    }
    return customer;
  });
}

function parsed(input: Record<string, unknown>): WinbackEvent {
  const result = parseEvent(input);
  if (!result.ok) throw new Error(`synthetic event is invalid: ${JSON.stringify(result.issues)}`);
  return result.event;
}

// ---------------------------------------------------------------------------------------------
// One journey
// ---------------------------------------------------------------------------------------------

/** Timers a journey may fire at most before the run calls it a loop (2 touches + deferrals). */
const MAX_STEPS = 50;

/**
 * Runs one customer's timeline: the churn event posted, each timer firing at its due instant
 * (deleted once fired, like `ActionAfterCompletion: DELETE`), the return posted when it happens.
 * On a tie the posted event goes first.
 */
async function runJourney(
  customer: SyntheticCustomer,
  usage: Usage,
  store: DynamoDbCustomerStore,
  policies: PolicyRegistry,
  current: AsyncLocalStorage<Usage>,
): Promise<JourneyTrace> {
  let now = customer.churnedAtMs;
  const timers = new Map<string, TimerSpec>();
  const plannedDueMs: number[] = [];
  // A claim's lease timer is created with each send and deleted with its outcome: both calls are
  // free, and it fires only for a sender that died, which a run here never does. Left out of the
  // touch timers counted below.
  const leases = new Set<string>();
  const scheduler: TouchScheduler = {
    async schedule(timer) {
      if ('kind' in timer.payload && timer.payload.kind === 'lease') {
        leases.add(timer.name);
        return;
      }
      usage.createSchedule += 1;
      if (timers.has(timer.name)) return; // ConflictException: already scheduled
      timers.set(timer.name, timer);
      if (!/-d\d+$/.test(timer.name)) plannedDueMs.push(Date.parse(timer.dueAt));
    },
    async cancel(name) {
      if (leases.delete(name)) return;
      usage.deleteSchedule += 1;
      if (!timers.delete(name)) usage.deleteNotFound += 1; // ResourceNotFoundException: fired or gone
    },
  };
  const deps: EngineDeps = {
    store,
    scheduler,
    channels: { sms: countingChannel(usage, 'sms'), email: countingChannel(usage, 'email'), push: countingChannel(usage, 'push') },
    clock: { now: () => now },
    policies,
    prices: DEFAULT_PRICE_TABLE,
    logger: countingLogger(usage),
    idHashKey: 'cost-estimate',
    // Texts carry their tracked link, as sent, on a short domain of the length the policy check
    // assumes: a link is paid for in SMS parts.
    links: LINKS,
  };
  const posted = [
    { atMs: customer.churnedAtMs, event: customer.churn },
    ...(customer.returned ? [{ atMs: customer.returnedAtMs!, event: customer.returned }] : []),
  ];
  const invoke = async <T>(fn: LambdaName, run: () => Promise<T>): Promise<T> => {
    usage.currentFn = fn;
    const started = performance.now();
    try {
      return await run();
    } finally {
      usage.invocations.push({ fn, atMs: now, wallMs: performance.now() - started });
    }
  };

  for (let step = 0; ; step++) {
    if (step > MAX_STEPS) throw new Error(`customer ${customer.customerId}: more than ${MAX_STEPS} steps, the journey loops`);
    const timer = [...timers.values()].sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.name.localeCompare(b.name))[0];
    const event = posted[0];
    if (!timer && !event) break;
    if (event && (!timer || event.atMs <= Date.parse(timer.dueAt))) {
      posted.shift();
      now = Math.max(now, event.atMs);
      usage.apiRequests += 1;
      await invoke('api', () => ingestEvent(deps, event.event));
    } else if (timer) {
      timers.delete(timer.name);
      now = Math.max(now, Date.parse(timer.dueAt));
      usage.timersFired += 1;
      const result = await invoke('sendTouch', () => fireTimer(deps, timer.payload));
      usage.outcomes.set(result.outcome, (usage.outcomes.get(result.outcome) ?? 0) + 1);
    }
  }

  // Read outside the counted usage: this read is the estimate's, not the engine's.
  const record = await current.exit(() => store.get(customer.customerId));
  const journey = record?.journeys[0];
  return {
    customerId: customer.customerId,
    eligible: journey?.status !== 'ineligible',
    arm: journey?.arm ?? 'treatment',
    churnedAtMs: customer.churnedAtMs,
    ...(customer.returnedAtMs !== undefined ? { returnedAtMs: customer.returnedAtMs } : {}),
    plannedDueMs,
    createSchedule: usage.createSchedule,
    deleteSchedule: usage.deleteSchedule,
    timersFired: usage.timersFired,
    sms: usage.sms,
    smsParts: usage.smsParts,
    emails: usage.emails,
    readUnits: usage.readUnits,
    writeUnits: usage.writeUnits,
    apiRequests: usage.apiRequests,
  };
}

/** Where the texts' tracked links point: a short domain, of the length the policy check assumes. */
const LINKS = { baseUrl: 'https://go.example.com', key: 'cost-estimate' };

function countingChannel(usage: Usage, channel: Channel): MessageChannel {
  return {
    async send(message: OutboundMessage, price: MessagePrice): Promise<SendReceipt> {
      if (channel === 'sms') {
        usage.sms += 1;
        usage.smsParts += price.parts;
        // One text however many touches sent it: each carries its own link, of one length.
        const text = message.link
          ? message.text.replace(message.link, `${LINKS.baseUrl}/r/${'x'.repeat(message.link.length - LINKS.baseUrl.length - 3)}`)
          : message.text;
        usage.smsTexts.set(text, (usage.smsTexts.get(text) ?? 0) + 1);
      } else if (channel === 'email') usage.emails += 1;
      else usage.push += 1;
      return { messageId: `${channel}-${randomUUID()}` };
    },
  };
}

// What the Powertools logger adds to every line in Lambda (its context), with realistic values.
const LAMBDA_CONTEXT: Record<LambdaName, Record<string, unknown>> = {
  api: {
    service: 'winback-api',
    cold_start: false,
    function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:WinbackEngine-PublicApiHandler5D1A9E4C-AbCdEfGhIjKl',
    function_memory_size: '512',
    function_name: 'WinbackEngine-PublicApiHandler5D1A9E4C-AbCdEfGhIjKl',
    function_request_id: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
    sampling_rate: 0,
    xray_trace_id: '1-6742b1c2-0123456789abcdef01234567',
  },
  sendTouch: {
    service: 'winback-send-touch',
    cold_start: false,
    function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:WinbackEngine-send-touch',
    function_memory_size: '512',
    function_name: 'WinbackEngine-send-touch',
    function_request_id: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
    sampling_rate: 0,
    xray_trace_id: '1-6742b1c2-0123456789abcdef01234567',
  },
};

/** Counts the engine's log lines and their size as the Powertools logger would write them. */
function countingLogger(usage: Usage): EngineLogger {
  const line =
    (level: string) =>
    (message: string, ...attributes: Array<Record<string, unknown>>) => {
      const json = JSON.stringify({
        level,
        message,
        timestamp: '2026-03-02T14:05:00.123Z',
        ...LAMBDA_CONTEXT[usage.currentFn],
        ...Object.assign({}, ...attributes),
      });
      usage.logEvents += 1;
      usage.logBytes += Buffer.byteLength(json) + ASSUMPTIONS.logEventOverheadBytes;
    };
  return { info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}

/** Lambda's own JSON log records per invocation (platform.start, platform.report). */
const PLATFORM_LINES = [
  {
    time: '2026-03-02T14:05:00.000Z',
    type: 'platform.start',
    record: {
      requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
      version: '$LATEST',
      tracing: {
        spanId: '0123456789abcdef',
        type: 'X-Amzn-Trace-Id',
        value: 'Root=1-6742b1c2-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1',
      },
    },
  },
  {
    time: '2026-03-02T14:05:00.150Z',
    type: 'platform.report',
    record: {
      requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
      metrics: { durationMs: 101.25, billedDurationMs: 102, memorySizeMB: 512, maxMemoryUsedMB: 96 },
      tracing: {
        spanId: '0123456789abcdef',
        type: 'X-Amzn-Trace-Id',
        value: 'Root=1-6742b1c2-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1',
      },
      status: 'success',
    },
  },
].map((record) => Buffer.byteLength(JSON.stringify(record)) + ASSUMPTIONS.logEventOverheadBytes);

/** One API Gateway access log line (the fields lib/public-api.ts asks for). */
const ACCESS_LOG_BYTES =
  Buffer.byteLength(
    JSON.stringify({
      requestId: '4f1d6a2e-3b9c-4d8e-9f0a-1b2c3d4e5f60',
      requestTime: '02/Mar/2026:14:05:00 +0000',
      httpMethod: 'POST',
      resourcePath: '/v1/events',
      status: '202',
      protocol: 'HTTP/1.1',
      responseLength: '44',
    }),
  ) + ASSUMPTIONS.logEventOverheadBytes;

// ---------------------------------------------------------------------------------------------
// Storage after the run
// ---------------------------------------------------------------------------------------------

/** DynamoDB's item size: attribute names and values in UTF-8, per its documented rules. */
export function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.B !== undefined) return value.B.length;
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + valueSize(v) + 1, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + valueSize(v) + 1, 0);
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + Math.ceil(n.length / 2) + 1, 0);
  return 0;
}

/** Every item left in the table (outside the counted usage): customer records and event receipts. */
async function measureStorage(client: DynamoDBClient, tableName: string) {
  let items = 0;
  let bytes = 0;
  const customerSizes: number[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      const size = itemSize(item);
      items += 1;
      bytes += size + 100; // DynamoDB bills 100 bytes of index overhead per stored item
      if (item.pk?.S?.startsWith('CUSTOMER#')) customerSizes.push(size);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return {
    items,
    bytes,
    customerItems: customerSizes.length,
    avgCustomerItemBytes: customerSizes.length ? Math.round(customerSizes.reduce((a, b) => a + b, 0) / customerSizes.length) : 0,
    maxCustomerItemBytes: Math.max(0, ...customerSizes),
  };
}

// ---------------------------------------------------------------------------------------------
// Summing up and pricing
// ---------------------------------------------------------------------------------------------

const median = (values: number[], q = 0.5) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

function summarize(
  customers: number,
  options: Estimate['options'],
  results: Array<{ trace: JourneyTrace; usage: Usage }>,
  storage: Estimate['storage'],
): Estimate {
  const usages = results.map((r) => r.usage);
  const sum = (f: (u: Usage) => number) => usages.reduce((total, u) => total + f(u), 0);
  const byOperation: Record<string, OperationUsage> = {};
  for (const usage of usages) {
    for (const [name, op] of usage.dynamo) {
      byOperation[name] ??= { calls: 0, readUnits: 0, writeUnits: 0, withoutCapacity: 0 };
      const total = byOperation[name];
      total.calls += op.calls;
      total.readUnits += op.readUnits;
      total.writeUnits += op.writeUnits;
      total.withoutCapacity += op.withoutCapacity;
    }
  }

  // Cold starts: one environment per function, kept while invocations come less than the idle
  // lifetime apart (timers and posted events of all customers on one time line).
  const idleMs = ASSUMPTIONS.idleEnvironmentMinutes * 60_000;
  const lambda = {} as Estimate['counts']['lambda'];
  const measuredWallMs = {} as Estimate['measuredWallMs'];
  for (const fn of ['api', 'sendTouch'] as const) {
    const calls = usages.flatMap((u) => u.invocations.filter((i) => i.fn === fn)).sort((a, b) => a.atMs - b.atMs);
    const coldStarts = calls.filter((call, i) => i === 0 || call.atMs - calls[i - 1]!.atMs > idleMs).length;
    const gb = options.memoryMb[fn] / 1024;
    const gbSeconds = gb * ((calls.length * ASSUMPTIONS.durationMs[fn] + coldStarts * ASSUMPTIONS.initMs) / 1000);
    lambda[fn] = { invocations: calls.length, coldStarts, gbSeconds };
    measuredWallMs[fn] = {
      median: median(calls.map((c) => c.wallMs)),
      p90: median(
        calls.map((c) => c.wallMs),
        0.9,
      ),
    };
  }
  const invocations = lambda.api.invocations + lambda.sendTouch.invocations;
  const apiRequests = sum((u) => u.apiRequests);
  const logBytes = sum((u) => u.logBytes) + invocations * PLATFORM_LINES.reduce((a, b) => a + b, 0) + apiRequests * ACCESS_LOG_BYTES;
  const logEvents = sum((u) => u.logEvents) + invocations * PLATFORM_LINES.length + apiRequests;
  const readUnits = Object.values(byOperation).reduce((s, o) => s + o.readUnits, 0);
  const writeUnits = Object.values(byOperation).reduce((s, o) => s + o.writeUnits, 0);
  const outcomes: Record<string, number> = {};
  for (const usage of usages) for (const [k, v] of usage.outcomes) outcomes[k] = (outcomes[k] ?? 0) + v;
  const texts = new Map<string, number>();
  for (const usage of usages) for (const [k, v] of usage.smsTexts) texts.set(k, (texts.get(k) ?? 0) + v);

  const counts: Estimate['counts'] = {
    apiRequests,
    lambda,
    scheduler: {
      createSchedule: sum((u) => u.createSchedule),
      deleteSchedule: sum((u) => u.deleteSchedule),
      deleteNotFound: sum((u) => u.deleteNotFound),
      invocations: sum((u) => u.timersFired),
    },
    sms: sum((u) => u.sms),
    smsParts: sum((u) => u.smsParts),
    emails: sum((u) => u.emails),
    push: sum((u) => u.push),
    dynamodb: {
      readUnits,
      writeUnits,
      byOperation,
      callsWithoutCapacity: Object.values(byOperation).reduce((s, o) => s + o.withoutCapacity, 0),
    },
    secretsManagerCalls: lambda.api.coldStarts + lambda.sendTouch.coldStarts,
    xrayTraces: Math.round((apiRequests + lambda.sendTouch.invocations) * ASSUMPTIONS.xraySampledShare),
    logEvents,
    logBytes,
  };

  const line = (service: string, what: string, quantity: number, price: Price): CostLine => ({
    service,
    what,
    quantity,
    price,
    usd: costOf(quantity, price),
  });
  const lines: CostLine[] = [
    line('API Gateway (REST)', 'requests (one per event posted)', counts.apiRequests, PRICES.apiRequest),
    line(
      'Lambda',
      `invocations (api ${lambda.api.invocations}, send-touch ${lambda.sendTouch.invocations})`,
      invocations,
      PRICES.lambdaRequest,
    ),
    line(
      'Lambda',
      `compute, GB-s (${ASSUMPTIONS.durationMs.api}/${ASSUMPTIONS.durationMs.sendTouch} ms per call, ${ASSUMPTIONS.initMs} ms per cold start)`,
      lambda.api.gbSeconds + lambda.sendTouch.gbSeconds,
      PRICES.lambdaGbSecond,
    ),
    line('DynamoDB', 'write request units (measured)', writeUnits, PRICES.dynamoWrite),
    line('DynamoDB', 'read request units (measured)', readUnits, PRICES.dynamoRead),
    line(
      'EventBridge Scheduler',
      `invocations = timers fired (${counts.scheduler.createSchedule} created, ${counts.scheduler.deleteSchedule} deleted: free)`,
      counts.scheduler.invocations,
      PRICES.schedulerInvocation,
    ),
    line('SNS / End User Messaging SMS', `SMS parts (${counts.sms} messages)`, counts.smsParts, PRICES.smsPart),
    line('SES', 'e-mails', counts.emails, PRICES.email),
    line('Secrets Manager', 'GetSecretValue (one per cold start)', counts.secretsManagerCalls, PRICES.secretsApiCall),
    line('X-Ray', 'traces (API requests + send-touch invocations)', counts.xrayTraces, PRICES.xrayTrace),
    line('CloudWatch Logs', `GB ingested (${counts.logEvents} log events)`, counts.logBytes / 1e9, PRICES.logIngestGb),
    line('SQS', 'dead-letter messages (none in a clean run)', 0, PRICES.sqsRequest),
  ];

  const traces = results.map((r) => r.trace);
  const eligible = traces.filter((t) => t.eligible);
  return {
    customers,
    options,
    population: {
      eligible: eligible.length,
      ineligible: traces.length - eligible.length,
      treatment: eligible.filter((t) => t.arm === 'treatment').length,
      control: eligible.filter((t) => t.arm === 'control').length,
      returned: traces.filter((t) => t.returnedAtMs !== undefined).length,
      neverReturnedTreatment: eligible.filter((t) => t.arm === 'treatment' && t.returnedAtMs === undefined).length,
    },
    counts,
    sendOutcomes: outcomes,
    smsTexts: [...texts]
      .map(([text, sent]) => ({ text, characters: [...text].length, parts: smsParts(text), sent }))
      .sort((a, b) => b.sent - a.sent),
    measuredWallMs,
    storage,
    journeys: traces,
    lines,
    total: lines.reduce((s, l) => s + l.usd, 0),
  };
}

/** What the deployment costs a month whatever the number of journeys. */
export interface FixedCosts {
  lines: CostLine[];
  total: number;
  /** Where the resource counts came from. */
  source: string;
}

/** Resource counts of the synthesized stacks that carry a monthly fee. */
export interface StackFacts {
  alarms: number;
  secrets: number;
  kmsKeys: number;
  memoryMb: Partial<Record<LambdaName, number>>;
  /** Resources CloudFormation keeps when the stacks are deleted. */
  retained: string[];
  source: string;
}

/** Counted from lib/ as of this writing (lib/operations.ts: 3 DLQ + 3 function + 1 API alarm). */
export const DEFAULT_STACK_FACTS: StackFacts = {
  alarms: 7,
  secrets: 1,
  kmsKeys: 1,
  memoryMb: {},
  retained: [],
  source: 'defaults in scripts/cost-estimate.ts (synth failed)',
};

export function fixedMonthlyCosts(facts: StackFacts): FixedCosts {
  const lines: CostLine[] = [
    {
      service: 'Secrets Manager',
      what: 'keys secret',
      quantity: facts.secrets,
      price: PRICES.secretMonth,
      usd: costOf(facts.secrets, PRICES.secretMonth),
    },
    {
      service: 'KMS',
      what: 'customer managed key (SNS topics)',
      quantity: facts.kmsKeys,
      price: PRICES.kmsKeyMonth,
      usd: costOf(facts.kmsKeys, PRICES.kmsKeyMonth),
    },
    {
      service: 'CloudWatch',
      what: 'alarms',
      quantity: facts.alarms,
      price: PRICES.alarmMonth,
      usd: costOf(facts.alarms, PRICES.alarmMonth),
    },
  ];
  return { lines, total: lines.reduce((s, l) => s + l.usd, 0), source: facts.source };
}

/**
 * Synthesizes both stacks (without bundling the functions, so no esbuild run) with the context
 * in cdk.json and counts what carries a monthly fee, the functions' memory and what is retained.
 */
export async function stackFacts(): Promise<StackFacts> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { App } = await import('aws-cdk-lib');
  const { buildWinback } = await import('#lib/winback-app');
  const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const outdir = mkdtempSync(join(tmpdir(), 'winback-cost-'));
  try {
    const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    buildWinback(app);
    const facts: StackFacts = {
      alarms: 0,
      secrets: 0,
      kmsKeys: 0,
      memoryMb: {},
      retained: [],
      source: 'counted in the synthesized stacks (cdk.json context)',
    };
    for (const stack of app.synth().stacks) {
      const resources =
        (stack.template as { Resources?: Record<string, { Type: string; DeletionPolicy?: string; Properties?: Record<string, unknown> }> })
          .Resources ?? {};
      for (const [id, resource] of Object.entries(resources)) {
        if (resource.Type === 'AWS::CloudWatch::Alarm') facts.alarms += 1;
        if (resource.Type === 'AWS::SecretsManager::Secret') facts.secrets += 1;
        if (resource.Type === 'AWS::KMS::Key') facts.kmsKeys += 1;
        if (resource.DeletionPolicy === 'Retain') facts.retained.push(`${stack.stackName}/${id} (${resource.Type})`);
        if (resource.Type === 'AWS::Lambda::Function') {
          const props = resource.Properties ?? {};
          const service = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.POWERTOOLS_SERVICE_NAME;
          const fn: LambdaName | undefined = service === 'winback-api' ? 'api' : service === 'winback-send-touch' ? 'sendTouch' : undefined;
          if (fn && typeof props.MemorySize === 'number') facts.memoryMb[fn] = props.MemorySize;
        }
      }
    }
    return facts;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** What keeps costing while the customers' records stay in the table, a month, per `customers`. */
export function ongoingMonthlyCosts(result: Estimate): CostLine[] {
  const gb = result.storage.bytes / 1e9;
  const scans = 30 * result.storage.nightlyScanReadUnits;
  return [
    {
      service: 'DynamoDB',
      what: 'storage, GB (records and event receipts)',
      quantity: gb,
      price: PRICES.dynamoStorage,
      usd: costOf(gb, PRICES.dynamoStorage),
    },
    { service: 'DynamoDB', what: 'point-in-time recovery, GB', quantity: gb, price: PRICES.dynamoPitr, usd: costOf(gb, PRICES.dynamoPitr) },
    {
      service: 'DynamoDB',
      what: 'nightly KPI scan, read units (30 nights, measured)',
      quantity: scans,
      price: PRICES.dynamoRead,
      usd: costOf(scans, PRICES.dynamoRead),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const usd = (value: number) => (value === 0 ? '$0' : value >= 1 ? `$${value.toFixed(2)}` : `$${value.toPrecision(2)}`);
const quantity = (value: number) =>
  Number.isInteger(value) ? value.toLocaleString('en-US') : value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
function unitPrice(price: Price): string {
  const per = price.per === 1 ? '' : price.per === M ? '1M ' : `${price.per.toLocaleString('en-US')} `;
  return `$${price.usd} per ${per}${price.unit}`;
}

function table(lines: CostLine[], scale: number, heading: string): string[] {
  const out = [`| service | ${heading} | quantity | unit list price | cost |`, '| --- | --- | ---: | --- | ---: |'];
  for (const l of lines)
    out.push(`| ${l.service} | ${l.what} | ${quantity(l.quantity * scale)} | ${unitPrice(l.price)} | ${usd(l.usd * scale)} |`);
  return out;
}

export function formatReport(result: Estimate, fixed?: FixedCosts): string {
  const k = 1000 / result.customers;
  const { population: p, counts: c } = result;
  const sms = result.lines.find((l) => l.price === PRICES.smsPart)!.usd;
  const out: string[] = [];
  out.push(
    `Winback: AWS cost per 1,000 churned customers (${PRICES_REGION} list prices as of ${PRICES_AS_OF}; check them against the pricing pages)`,
  );
  out.push('');
  out.push(
    `Simulated: ${result.customers} US port-outs with SMS consent over 30 days from ${result.options.startAt.slice(0, 10)} (seed ${result.options.seed}); ` +
      `${p.eligible} eligible (${p.treatment} treatment, ${p.control} control), ${p.ineligible} not contacted (repeat churners, below value floor); ` +
      `${p.returned} returned around day ${result.options.returnDay}.`,
  );
  out.push(
    `Fired timers ended as: ${Object.entries(result.sendOutcomes)
      .map(([k2, v]) => `${v} ${k2}`)
      .join(', ')}.`,
  );
  out.push('');
  out.push('Per 1,000 churned customers (variable: the calls their journeys make)');
  out.push('');
  out.push(...table(result.lines, k, 'what is counted'));
  out.push(`| **total** | | | | **${usd(result.total * k)}** |`);
  out.push('');
  out.push(
    `Without SMS: ${usd((result.total - sms) * k)} per 1,000 customers; SMS is ${((sms / result.total) * 100).toFixed(1)}% of the total, before carrier fees.`,
  );
  out.push(
    `Per churned customer: ${usd((result.total * k) / 1000)}; per SMS part ${usd(costOf(1, PRICES.smsPart))} (each message is ${(c.smsParts / Math.max(1, c.sms)).toFixed(2)} parts on average).`,
  );
  const long = result.smsTexts.filter((t) => t.parts > 1);
  if (long.length > 0) {
    const sentLong = long.reduce((s, t) => s + t.sent, 0);
    out.push(
      `${long.length} of the ${result.smsTexts.length} SMS texts sent are longer than one part (160 GSM characters, footer included), and went out ${sentLong} times of ${c.sms}: ` +
        long.map((t) => `"${t.text.slice(0, 32)}…" ${t.characters} characters, ${t.parts} parts`).join('; ') +
        '.',
    );
  }
  out.push('');
  out.push('DynamoDB, measured (ReturnConsumedCapacity TOTAL on every call, as DynamoDB Local reports it)');
  out.push('');
  out.push('| operation | calls per 1,000 | read units | write units |', '| --- | ---: | ---: | ---: |');
  for (const [name, op] of Object.entries(c.dynamodb.byOperation).sort())
    out.push(`| ${name} | ${quantity(op.calls * k)} | ${quantity(op.readUnits * k)} | ${quantity(op.writeUnits * k)} |`);
  out.push('');
  const eligible = result.journeys.filter((j) => j.eligible);
  const perJourney = (f: (j: JourneyTrace) => number) => (eligible.length ? eligible.reduce((s, j) => s + f(j), 0) / eligible.length : 0);
  out.push(
    `Per eligible journey: ${perJourney((j) => j.writeUnits).toFixed(1)} WRU and ${perJourney((j) => j.readUnits).toFixed(1)} RRU on average; customer item ${result.storage.avgCustomerItemBytes} bytes on average, ${result.storage.maxCustomerItemBytes} at most.`,
  );
  out.push(`Calls without reported capacity: ${c.dynamodb.callsWithoutCapacity} (failed calls report none; a clean run has none).`);
  out.push(
    `Scheduler: ${quantity(c.scheduler.createSchedule * k)} CreateSchedule, ${quantity(c.scheduler.deleteSchedule * k)} DeleteSchedule (${quantity(c.scheduler.deleteNotFound * k)} already gone), ${quantity(c.scheduler.invocations * k)} fired.`,
  );
  out.push(
    `Lambda: api ${quantity(c.lambda.api.invocations * k)} invocations (${quantity(c.lambda.api.coldStarts * k)} cold), send-touch ${quantity(c.lambda.sendTouch.invocations * k)} (${quantity(c.lambda.sendTouch.coldStarts * k)} cold); ` +
      `local wall time of the use case against DynamoDB Local (not Lambda): ingest median ${result.measuredWallMs.api.median.toFixed(1)} ms, send median ${result.measuredWallMs.sendTouch.median.toFixed(1)} ms.`,
  );
  out.push('');
  if (fixed) {
    out.push(`Fixed, per month whatever the volume (${fixed.source})`);
    out.push('');
    out.push(...table(fixed.lines, 1, 'what'));
    out.push(`| **total** | | | | **${usd(fixed.total)}** |`);
    out.push('');
  }
  const ongoing = ongoingMonthlyCosts(result);
  out.push("Ongoing, per month while 1,000 customers' records stay in the table (records have no TTL; receipts expire after 400 days)");
  out.push('');
  out.push(...table(ongoing, k, 'what'));
  out.push(`| **total** | | | | **${usd(ongoing.reduce((s, l) => s + l.usd, 0) * k)}** |`);
  out.push('');
  out.push('Assumptions (not measurable here):');
  out.push(
    `- Lambda billed duration ${ASSUMPTIONS.durationMs.api} ms per api call and ${ASSUMPTIONS.durationMs.sendTouch} ms per send-touch call at ${result.options.memoryMb.api}/${result.options.memoryMb.sendTouch} MB arm64; ${ASSUMPTIONS.initMs} ms INIT per cold start.`,
  );
  out.push(
    `- A cold start when a function was idle for more than ${ASSUMPTIONS.idleEnvironmentMinutes} minutes (all customers on one time line, no concurrency); each fetches the keys secret once.`,
  );
  out.push(
    '- X-Ray records every request (default sampling at this volume). Logs: engine lines as Powertools writes them, platform.start/report, one API access log line, 26 bytes overhead each.',
  );
  out.push('- One event per API request (a batch of up to 500 events is one request).');
  out.push(
    "- Not counted: engagement feedback (each SMS's delivery receipts and each SES event reach the engagement function through SNS: its invocations, their SNS deliveries and the record updates they make), SMS carrier fees and the origination identity's monthly lease (10DLC, toll-free or short code in the US), free tiers, data transfer, the nightly job's Lambda/S3/Athena (per night, not per customer).",
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

const COST_COMMAND = {
  command: 'npm run cost --',
  summary: 'Estimates what Winback costs in AWS per 1,000 churned customers, counted from the calls their journeys make (about a minute).',
  usage: ['[--customers N] [--return-share 0..1] [--return-day N] [--seed N]'],
  options: {
    customers: { type: 'string', value: 'n', description: 'synthetic port-out customers (default: 1000)' },
    'return-share': { type: 'string', value: '0..1', description: 'the share who return (default: 0.15)' },
    'return-day': { type: 'string', value: 'n', description: 'around which day after churn they return (default: 50)' },
    seed: { type: 'string', value: 'n', description: 'the random seed (default: 1)' },
  },
  notes: ['What is counted and what is assumed: docs/deploy.md, "What it costs per 1,000 churned customers".'],
} as const satisfies CommandSpec;

async function main(): Promise<void> {
  const values = readCommandLine(COST_COMMAND, ({ values }) => ({
    customers: numberOption('customers', values.customers, 1000, { min: 1, integer: true }),
    returnShare: numberOption('return-share', values['return-share'], 0.15, { min: 0, max: 1 }),
    returnDay: numberOption('return-day', values['return-day'], 50, { min: 1, integer: true }),
    seed: numberOption('seed', values.seed, 1, { min: 0, max: 2 ** 32 - 1, integer: true }),
  }));
  let facts: StackFacts;
  try {
    facts = await stackFacts();
  } catch (error) {
    console.error(
      `warning: could not synthesize the stacks to count alarms and memory (${error instanceof Error ? error.message : String(error)}); using defaults`,
    );
    facts = DEFAULT_STACK_FACTS;
  }
  const result = await estimate(values.customers, {
    returnShare: values.returnShare,
    returnDay: values.returnDay,
    seed: values.seed,
    memoryMb: facts.memoryMb,
  });
  console.log(formatReport(result, fixedMonthlyCosts(facts)));
  if (facts.retained.length > 0) console.log(`\nRetained when the stacks are deleted: ${facts.retained.join(', ')}.`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
