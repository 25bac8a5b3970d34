import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB request units, metered and derived.
 *
 * Metered: {@link meterCapacity} adds middleware to a DynamoDB client that asks every call for
 * `ReturnConsumedCapacity: 'TOTAL'` and adds up what comes back, so the adapter under test stays
 * untouched. DynamoDB Local answers it for single-item calls, queries, scans and transactions,
 * with `CapacityUnits` only (as DynamoDB does for single-item calls): the read/write split comes
 * from the operation. One exception: for TransactWriteItems DynamoDB Local 3.x counts each
 * distinct per-item unit count once (two 1-KB puts: 2 units; DynamoDB bills 4, 2 per KB of each
 * item — awslabs/amazon-dynamodb-local-samples#31, checked here: a 10 B + 1.6 KB + 10 B
 * transaction reports 6 instead of 8). So the meter prices transactions itself from the items
 * in the request, as DynamoDB documents it, and keeps what DynamoDB Local said beside it.
 *
 * Derived: {@link itemSize}, {@link readUnits} and {@link writeUnits} apply DynamoDB's published
 * sizing rules ("DynamoDB item sizes and formats", "Read/write capacity unit consumption").
 */

/** An attribute value as the SDK returns it or as it travels in a request body (binary as base64). */
export interface AnyAttributeValue {
  S?: string;
  N?: string;
  B?: Uint8Array | string;
  BOOL?: boolean;
  NULL?: boolean;
  SS?: string[];
  NS?: string[];
  BS?: Array<Uint8Array | string>;
  L?: AnyAttributeValue[];
  M?: Record<string, AnyAttributeValue>;
}

export type AnyItem = Record<string, AnyAttributeValue>;

/** Operations that consume read units, and those that consume write units. */
const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** Read and write units consumed so far, and how many calls of each operation. */
export interface CapacityTally {
  read: number;
  write: number;
  calls: Record<string, number>;
  /** Write units as DynamoDB Local reported them, its transactions' under-count included. */
  writeAsReportedByLocal: number;
}

export const emptyTally = (): CapacityTally => ({ read: 0, write: 0, calls: {}, writeAsReportedByLocal: 0 });

/** A copy, to subtract from later. */
export const snapshot = (tally: CapacityTally): CapacityTally => ({ ...tally, calls: { ...tally.calls } });

/** Adds `from` into `into`, or subtracts it with `sign` −1. */
export function addTally(into: CapacityTally, from: CapacityTally, sign: 1 | -1 = 1): CapacityTally {
  into.read += sign * from.read;
  into.write += sign * from.write;
  into.writeAsReportedByLocal += sign * from.writeAsReportedByLocal;
  for (const [operation, count] of Object.entries(from.calls)) {
    const total = (into.calls[operation] ?? 0) + sign * count;
    if (total === 0) delete into.calls[operation];
    else into.calls[operation] = total;
  }
  return into;
}

/** The units of one answer: a single `ConsumedCapacity`, or one per table for batches and transactions. */
export function consumedUnits(consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): number {
  if (consumed === undefined) return 0;
  return (Array.isArray(consumed) ? consumed : [consumed]).reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
}

/**
 * Counts `units` into `tally` under `operation` (`GetItem`, not the SDK's `GetItemCommand`).
 * @throws for an operation that neither reads nor writes items: a bench metering a DescribeTable
 *   has wired the meter to the wrong client.
 */
export function countUnits(tally: CapacityTally, operation: string, units: number): void {
  if (READS.has(operation)) tally.read += units;
  else if (WRITES.has(operation)) tally.write += units;
  else throw new Error(`${operation} consumes no item capacity; meter only the client the store uses`);
  tally.calls[operation] = (tally.calls[operation] ?? 0) + 1;
}

/** One entry of TransactWriteItems, as in the request body. */
interface TransactWriteEntry {
  Put?: { TableName?: string; Item: AnyItem };
  Delete?: unknown;
  Update?: unknown;
  ConditionCheck?: unknown;
}

const keyOf = (item: AnyItem) => JSON.stringify([item.pk, item.sk]);

/**
 * Prices what DynamoDB bills for writes, from request bodies, remembering the size of every item
 * written through it, so a put that replaces an item is priced on the larger of the two.
 */
export class WritePricer {
  private readonly sizes = new Map<string, number>();

  /** Remembers a single-item put (DynamoDB Local prices those right). */
  put(item: AnyItem): void {
    this.sizes.set(keyOf(item), itemSize(item));
  }

  /**
   * 2 write units per KB of each item, each rounded up on its own.
   * @throws for entries other than Put: their size depends on stored items this pricer never saw.
   */
  transaction(entries: readonly TransactWriteEntry[]): number {
    return entries.reduce((sum, entry) => {
      if (!entry.Put) throw new Error(`the bench prices only Put in transactions, got ${Object.keys(entry).join()}`);
      const key = keyOf(entry.Put.Item);
      const after = itemSize(entry.Put.Item);
      const units = 2 * writeUnits(this.sizes.get(key) ?? 0, after);
      this.sizes.set(key, after);
      return sum + units;
    }, 0);
  }
}

/** A request body as text: the SDK builds it as a string or as UTF-8 bytes. */
function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  return '{}';
}

/**
 * Meters every item operation sent through `client` (and through a DocumentClient built on it,
 * which shares its middleware stack) into the returned tally.
 */
export function meterCapacity(client: DynamoDBClient): CapacityTally {
  const tally = emptyTally();
  const pricer = new WritePricer();
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      return next(args);
    },
    { step: 'initialize', name: 'winbackBenchReturnConsumedCapacity' },
  );
  // At the build step the request body is the wire JSON, with every item marshalled.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
      const body = JSON.parse(bodyText((args.request as { body?: unknown }).body)) as {
        Item?: AnyItem;
        TransactItems?: TransactWriteEntry[];
      };
      const result = await next(args);
      const reported = consumedUnits((result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity);
      if (WRITES.has(operation)) tally.writeAsReportedByLocal += reported;
      if (operation === 'TransactWriteItems') {
        countUnits(tally, operation, pricer.transaction(body.TransactItems ?? []));
      } else {
        if (operation === 'PutItem' && body.Item) pricer.put(body.Item);
        countUnits(tally, operation, reported);
      }
      return result;
    },
    { step: 'build', name: 'winbackBenchCapacityMeter' },
  );
  return tally;
}

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');
const binary = (value: Uint8Array | string) => (typeof value === 'string' ? Buffer.from(value, 'base64').byteLength : value.byteLength);

/** Bytes of a number: one per two significant digits (leading and trailing zeros trimmed), plus one. */
function numberSize(digits: string): number {
  const significant = digits.replace(/e.*$/i, '').replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(significant.length / 2) + 1;
}

/** Bytes of one attribute value (its name not included). */
export function valueSize(value: AnyAttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return binary(value.B);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + binary(b), 0);
  // A list or map: 3 bytes, plus 1 byte per element on top of the elements themselves.
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueSize(element), 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + 1 + utf8(name) + valueSize(element), 0);
  throw new Error(`unknown attribute value type: ${Object.keys(value).join()}`);
}

/** Bytes of an item as DynamoDB sizes it: every attribute's name and value. */
export function itemSize(item: AnyItem): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

/** A strongly consistent read of an item of `bytes` (0: absent): 1 unit per 4 KB, at least 1. */
export function readUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 4096));
}

/**
 * A standard (non-transactional) write replacing an item of `before` bytes (0: absent) with one
 * of `after` bytes: 1 unit per 1 KB of the larger of the two, at least 1.
 */
export function writeUnits(before: number, after: number): number {
  return Math.max(1, Math.ceil(Math.max(before, after) / 1024));
}
