import { parse } from 'csv-parse/sync';
import { CHANNEL_TABLE, CHANNELS } from '#shared/domain/channels';
import { parseEvent, type WinbackEvent } from '#shared/domain/events';

/**
 * A cohort to simulate: the events of `POST /v1/events` as JSON Lines (one event per line: churns
 * and, for a backtest, returns, consent changes and activity), or a CSV export with one churned
 * customer per row (docs/simulator.md, "Cohort CSV"), mapped onto churn events (and a return where
 * the row has `returnedAt`). An invalid line is left out and reported, as the API rejects an
 * invalid event of a batch and keeps the others.
 */

export interface CohortProblem {
  /** Line of the file (1 = first; a CSV's header is line 1). */
  line: number;
  /** The field at fault: an event path (`contacts.phone`) in JSONL, a column in CSV. */
  field: string;
  message: string;
}

export interface Cohort {
  events: WinbackEvent[];
  /** Lines left out. */
  rejected: number;
  /** The first problems, at most {@link MAX_PROBLEMS}. */
  problems: CohortProblem[];
  /** CSV columns Winback does not read (left alone). */
  ignoredColumns: string[];
}

export const MAX_PROBLEMS = 20;

/** Reads a cohort file's text; `.csv` files are CSV, anything else JSON Lines. */
export function parseCohort(text: string, format: 'jsonl' | 'csv'): Cohort {
  return format === 'csv' ? parseCsvCohort(text) : parseJsonlCohort(text);
}

function collector() {
  const cohort: Cohort = { events: [], rejected: 0, problems: [], ignoredColumns: [] };
  const reject = (line: number, issues: Array<{ field: string; message: string }>) => {
    cohort.rejected += 1;
    for (const issue of issues) if (cohort.problems.length < MAX_PROBLEMS) cohort.problems.push({ line, ...issue });
  };
  return { cohort, reject };
}

export function parseJsonlCohort(text: string): Cohort {
  const { cohort, reject } = collector();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let input: unknown;
    try {
      input = JSON.parse(line);
    } catch (error) {
      reject(i + 1, [{ field: '(line)', message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` }]);
      return;
    }
    const parsed = parseEvent(input);
    if (parsed.ok) cohort.events.push(parsed.event);
    else
      reject(
        i + 1,
        parsed.issues.map((issue) => ({ field: issue.path, message: issue.message })),
      );
  });
  return cohort;
}

/** The CSV columns Winback reads, in the order docs/simulator.md lists them. */
export const CSV_COLUMNS = [
  'customerId',
  'churnedAt',
  'churnKind',
  'exitReason',
  ...CHANNELS.map((channel) => CHANNEL_TABLE[channel].contact),
  ...CHANNELS.map((channel) => `${channel}Consent`),
  'timezone',
  'locale',
  'monthlyRevenue',
  'tenureMonths',
  'priorChurns',
  'accountType',
  'market',
  'brand',
  'eventId',
  'returnedAt',
  'returnRevenue',
] as const;

type Row = Record<string, string>;

const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0', '']);

export function parseCsvCohort(text: string): Cohort {
  const { cohort, reject } = collector();
  let rows: Row[];
  try {
    rows = parse(text, { columns: (header: string[]) => header.map((name) => name.trim()), skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    reject(0, [{ field: '(file)', message: `not valid CSV: ${error instanceof Error ? error.message : String(error)}` }]);
    return cohort;
  }
  const columns = Object.keys(rows[0] ?? {});
  cohort.ignoredColumns = columns.filter((column) => !(CSV_COLUMNS as readonly string[]).includes(column));
  for (const [i, row] of rows.entries()) {
    const line = i + 2;
    const { events, issues } = rowEvents(row);
    if (issues.length > 0) {
      reject(line, issues);
      continue;
    }
    const parsed = events.map(parseEvent);
    // The first event is the churn, a second one the return: each field named by its column.
    const failed = parsed.flatMap((p, n) =>
      p.ok ? [] : p.issues.map((issue) => ({ field: n === 0 ? columnOf(issue.path) : returnColumnOf(issue.path), message: issue.message })),
    );
    if (failed.length > 0) reject(line, failed);
    else for (const p of parsed) if (p.ok) cohort.events.push(p.event);
  }
  return cohort;
}

/** The events a CSV row stands for: a churn, and a return if it has `returnedAt`. */
function rowEvents(row: Row): { events: unknown[]; issues: Array<{ field: string; message: string }> } {
  const issues: Array<{ field: string; message: string }> = [];
  const value = (column: string) => (row[column] === undefined || row[column] === '' ? undefined : row[column]);
  const number = (column: string) => {
    const text = value(column);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n)) issues.push({ field: column, message: `must be a number, not "${text}"` });
    return n;
  };
  const flag = (column: string) => {
    const text = (value(column) ?? '').toLowerCase();
    if (!TRUE.has(text) && !FALSE.has(text)) issues.push({ field: column, message: `must be true or false (yes/no, 1/0), not "${text}"` });
    return TRUE.has(text);
  };
  const customerId = value('customerId');
  const churnedAt = value('churnedAt');
  const churn = {
    eventId: value('eventId') ?? `churn:${customerId}:${churnedAt}`,
    type: 'customer.churned',
    occurredAt: churnedAt,
    customerId,
    churnKind: value('churnKind') ?? 'port_out',
    exitReason: value('exitReason'),
    contacts: Object.fromEntries(CHANNELS.map((c) => [CHANNEL_TABLE[c].contact, value(CHANNEL_TABLE[c].contact)])),
    consents: Object.fromEntries(CHANNELS.map((c) => [c, flag(`${c}Consent`)])),
    timezone: value('timezone'),
    locale: value('locale'),
    monthlyRevenue: number('monthlyRevenue'),
    tenureMonths: number('tenureMonths'),
    priorChurns: number('priorChurns'),
    accountType: value('accountType'),
    market: value('market'),
    brand: value('brand'),
  };
  const returnedAt = value('returnedAt');
  const returned = returnedAt
    ? [
        {
          eventId: `return:${customerId}:${returnedAt}`,
          type: 'customer.returned',
          occurredAt: returnedAt,
          customerId,
          revenue: number('returnRevenue'),
        },
      ]
    : [];
  return { events: [withoutUndefined(churn), ...returned.map(withoutUndefined)], issues };
}

const withoutUndefined = (object: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(object)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, v && typeof v === 'object' && !Array.isArray(v) ? withoutUndefined(v as Record<string, unknown>) : v]),
  );

/** The CSV column a return event's field comes from. */
const returnColumnOf = (path: string) => (path === 'occurredAt' ? 'returnedAt' : path === 'revenue' ? 'returnRevenue' : path);

/** The CSV column a churn event's field comes from. */
function columnOf(path: string): string {
  if (path === 'occurredAt') return 'churnedAt';
  const consent = /^consents\.(\w+)$/.exec(path);
  if (consent) return `${consent[1]}Consent`;
  return path.replace(/^contacts\./, '');
}
