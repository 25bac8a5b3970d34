/**
 * `npm run cohort -- [--customers 1000] [--seed 1] [--start 2026-03-02T00:00:00Z] [--days 30]
 * [--return-share 0] [--format jsonl|csv] > cohort.jsonl`: a synthetic cohort of port-outs, the
 * same for the same options, for trying the simulator and for its benchmark and tests.
 *
 * Port-outs spread over `--days` days from `--start`, at whole minutes, across four time zones
 * (two US markets, the UK, Germany); exit reasons, revenue (a few below the value floor), tenure
 * (some high-value accounts to escalate, some partners), prior churns (some repeat churners) and
 * reachability (SMS, e-mail, both, or push only) drawn from fixed shares. With `--return-share`,
 * that share of customers returns between day 10 and day 100: a backtest cohort.
 */
import '../bin/sdk-warning.ts';
import { fileURLToPath } from 'node:url';
import { type CommandSpec, numberOption, readCommandLine, UsageError } from '../bin/cli.ts';
import { mulberry32 } from './seeded-random.ts';

export interface CohortOptions {
  customers: number;
  seed?: number;
  /** ISO instant of the first possible churn. */
  start?: string;
  /** Churns spread over this many days. */
  days?: number;
  /** Share of customers who return (a backtest cohort). */
  returnShare?: number;
}

type Weighted<T> = ReadonlyArray<readonly [T, number]>;

const pick = <T>(rand: () => number, choices: Weighted<T>): T => {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let point = rand() * total;
  for (const [value, weight] of choices) {
    point -= weight;
    if (point < 0) return value;
  }
  return choices.at(-1)![0];
};

const PLACES: Weighted<{ timezone: string; market: string; phone: string; locale: string }> = [
  [{ timezone: 'America/New_York', market: 'US', phone: '+1202555', locale: 'en-US' }, 30],
  [{ timezone: 'America/New_York', market: 'US-FL', phone: '+1305555', locale: 'en-US' }, 10],
  [{ timezone: 'Europe/London', market: 'GB', phone: '+447700900', locale: 'en-GB' }, 30],
  [{ timezone: 'Europe/Berlin', market: 'DE', phone: '+4915100', locale: 'de-DE' }, 30],
];
const EXIT_REASONS: Weighted<string> = [
  ['price', 35],
  ['coverage', 20],
  ['support', 10],
  ['tariff_complexity', 10],
  ['moved', 10],
  ['other', 5],
  ['unknown', 10],
];
const REACH: Weighted<'sms' | 'email' | 'both' | 'push' | 'none'> = [
  ['sms', 55],
  ['both', 25],
  ['email', 12],
  ['push', 5],
  ['none', 3],
];
const PRIOR_CHURNS: Weighted<number> = [
  [0, 85],
  [1, 10],
  [2, 5],
];

/** The cohort's events, churns first (in customer order), then returns: as a file would list them. */
export function generateCohort(options: CohortOptions): Array<Record<string, unknown>> {
  const rand = mulberry32(options.seed ?? 1);
  const start = Date.parse(options.start ?? '2026-03-02T00:00:00Z');
  const spreadMinutes = (options.days ?? 30) * 1440;
  const churns: Array<Record<string, unknown>> = [];
  const returns: Array<Record<string, unknown>> = [];
  for (let i = 1; i <= options.customers; i++) {
    const customerId = `c${String(i).padStart(7, '0')}`;
    const churnedAtMs = start + Math.floor(rand() * spreadMinutes) * 60_000;
    const place = pick(rand, PLACES);
    const reach = pick(rand, REACH);
    const phone = `${place.phone}${String(i % 10_000).padStart(4, '0')}`;
    churns.push({
      eventId: `churn-${customerId}`,
      type: 'customer.churned',
      occurredAt: new Date(churnedAtMs).toISOString(),
      customerId,
      churnKind: 'port_out',
      exitReason: pick(rand, EXIT_REASONS),
      contacts: {
        ...(reach === 'sms' || reach === 'both' ? { phone } : {}),
        ...(reach === 'email' || reach === 'both' ? { email: `${customerId}@example.com` } : {}),
        ...(reach === 'push' ? { pushToken: `token-${customerId}` } : {}),
      },
      consents: { sms: reach === 'sms' || reach === 'both', email: reach === 'email' || reach === 'both', push: reach === 'push' },
      timezone: place.timezone,
      market: place.market,
      locale: place.locale,
      monthlyRevenue: rand() < 0.04 ? 3.5 : Math.round((8 + rand() * 80) * 100) / 100,
      tenureMonths: 1 + Math.floor(rand() ** 2 * 60),
      priorChurns: pick(rand, PRIOR_CHURNS),
      accountType: rand() < 0.05 ? 'partner' : 'consumer',
    });
    if (rand() < (options.returnShare ?? 0)) {
      const returnedAtMs = churnedAtMs + Math.floor((10 + rand() * 90) * 1440) * 60_000;
      returns.push({
        eventId: `return-${customerId}`,
        type: 'customer.returned',
        occurredAt: new Date(returnedAtMs).toISOString(),
        customerId,
      });
    }
  }
  return [...churns, ...returns];
}

/** One CSV row per churned customer, in the simulator's documented columns (docs/simulator.md). */
export function cohortCsv(events: ReadonlyArray<Record<string, unknown>>): string {
  const returns = new Map(events.filter((e) => e.type === 'customer.returned').map((e) => [e.customerId, e.occurredAt]));
  const header =
    'customerId,churnedAt,churnKind,exitReason,phone,email,pushToken,smsConsent,emailConsent,pushConsent,timezone,market,locale,monthlyRevenue,tenureMonths,priorChurns,accountType,returnedAt';
  const rows = events
    .filter((e) => e.type === 'customer.churned')
    .map((e) => {
      const contacts = e.contacts as Record<string, string | undefined>;
      const consents = e.consents as Record<string, boolean>;
      return [
        e.customerId,
        e.occurredAt,
        e.churnKind,
        e.exitReason,
        contacts.phone ?? '',
        contacts.email ?? '',
        contacts.pushToken ?? '',
        consents.sms,
        consents.email,
        consents.push,
        e.timezone,
        e.market,
        e.locale,
        e.monthlyRevenue,
        e.tenureMonths,
        e.priorChurns,
        e.accountType,
        returns.get(e.customerId) ?? '',
      ].join(',');
    });
  return [header, ...rows].join('\n') + '\n';
}

const COHORT_COMMAND = {
  command: 'npm run cohort --',
  summary: 'Writes a synthetic cohort of port-outs (the same for the same options) to stdout, for trying the simulator.',
  usage: ['[--customers N] [--seed N] [--start ISO] [--days N] [--return-share 0..1] [--format jsonl|csv] > cohort.jsonl'],
  options: {
    customers: { type: 'string', value: 'n', description: 'how many customers (default: 1000)' },
    seed: { type: 'string', value: 'n', description: 'the random seed: the same seed gives the same cohort (default: 1)' },
    start: { type: 'string', value: 'iso', description: 'when the first port-out may happen, ISO 8601 (default: 2026-03-02T00:00:00Z)' },
    days: { type: 'string', value: 'n', description: 'port-outs spread over this many days (default: 30)' },
    'return-share': { type: 'string', value: '0..1', description: 'the share of customers who return, for a backtest (default: 0)' },
    format: { type: 'string', value: 'jsonl|csv', description: 'JSON Lines events, or one CSV row per customer (default: jsonl)' },
  },
  notes: ['Then: npm run simulate -- --cohort cohort.jsonl --policy examples/policies/telecom-port-out.v2.json (docs/simulator.md).'],
} as const satisfies CommandSpec;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = readCommandLine(COHORT_COMMAND, ({ values }) => {
    const start = values.start ?? '2026-03-02T00:00:00Z';
    if (Number.isNaN(Date.parse(start))) throw new UsageError(`--start must be an ISO 8601 time, got ${JSON.stringify(start)}`);
    const format = values.format ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format must be jsonl or csv, got ${JSON.stringify(format)}`);
    return {
      customers: numberOption('customers', values.customers, 1000, { min: 1, integer: true }),
      seed: numberOption('seed', values.seed, 1, { min: 0, max: 2 ** 32 - 1, integer: true }),
      start,
      days: numberOption('days', values.days, 30, { min: 1, integer: true }),
      returnShare: numberOption('return-share', values['return-share'], 0, { min: 0, max: 1 }),
      format,
    };
  });
  const { format, ...cohort } = options;
  const events = generateCohort(cohort);
  process.stdout.write(format === 'csv' ? cohortCsv(events) : events.map((e) => `${JSON.stringify(e)}\n`).join(''));
}
