import { DeleteTableCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, DynamoDbCustomerStore } from '#shared/adapters/aws/dynamodb-customer-store';
import { ensureTable } from '#shared/adapters/aws/dynamodb-table';
import { localDynamoClient } from '#shared/adapters/local/dynamodb-local';
import { ingestEvent } from '#shared/engine/ingest-event';
import { fireTimer } from '#shared/engine/fire-timer';
import type { EngineDeps } from '#shared/engine/deps';
import type { MessageChannel, SendReceipt } from '#shared/ports/message-channel';
import { churnEvent, returnedEvent } from '../../tests/fixtures/events.ts';
import { customerIdIn, FakeClock, makeDeps } from '../../tests/support/fakes.ts';
import { addTally, emptyTally, itemSize, meterCapacity, readUnits, snapshot, writeUnits, type CapacityTally } from './capacity.ts';

/**
 * DynamoDB request units of one journey's lifecycle — a port-out churn, its two touches sent by
 * SMS, the customer's return — run through the real use cases and the real DynamoDB adapter
 * against DynamoDB Local, beside the floor the design allows.
 *
 * The floor: the fewest units the lifecycle can cost while keeping the store's guarantees, all
 * as standard (non-transactional) single-item calls, priced with DynamoDB's sizing rules on the
 * item sizes this very run stored:
 * - every step reads the customer item once, strongly consistent (the record decides what the
 *   event or timer does, and a conditional write needs the version it read): 1 RCU per 4 KB;
 * - an ingested event writes the customer item once, and its receipt once (the receipt must
 *   outlive an erasure, so a replayed churn cannot bring the customer back: it cannot live inside
 *   the record); a churn also writes the phone lookup item once (inbound SMS find the customer by it);
 * - a send writes the customer item twice: the claim before the message goes out (at most one
 *   message per timer), then the outcome;
 * - a write costs 1 WCU per 1 KB of the larger of the item before and after it.
 * It leaves out what the adapter adds on purpose: the receipt read before each event (so a
 * replay costs one read and no write) and writing receipt, record and lookup in one transaction
 * (atomic, so an event is applied exactly once), which DynamoDB bills at twice the units.
 */

/** Item sizes (bytes; 0 = absent) an ingested event's floor is priced from. */
export interface IngestSizes {
  customerBefore: number;
  customerAfter: number;
  receipt: number;
  /** The phone lookup item this event created, if any. */
  newLookup: number;
}

/** Item sizes a sent touch's floor is priced from: before, once claimed, after. */
export interface SendSizes {
  customerBefore: number;
  claimed: number;
  customerAfter: number;
}

export interface Units {
  read: number;
  write: number;
}

/** The floor of one ingested event (see the module comment). */
export function ingestFloor(sizes: IngestSizes): Units {
  const lookup = sizes.newLookup > 0 ? writeUnits(0, sizes.newLookup) : 0;
  return {
    read: readUnits(sizes.customerBefore),
    write: writeUnits(sizes.customerBefore, sizes.customerAfter) + writeUnits(0, sizes.receipt) + lookup,
  };
}

/** The floor of one sent touch (see the module comment). */
export function sendFloor(sizes: SendSizes): Units {
  return {
    read: readUnits(sizes.customerBefore),
    write: writeUnits(sizes.customerBefore, sizes.claimed) + writeUnits(sizes.claimed, sizes.customerAfter),
  };
}

/** One step of the lifecycle: what it consumed, and its floor. */
export interface StepCapacity {
  step: string;
  measured: CapacityTally;
  floor: Units;
}

/** Sizes of every item in the table, by `pk|sk`, read without the meter. */
async function itemSizes(client: DynamoDBClient, tableName: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    for (const item of page.Items ?? []) sizes.set(`${item.pk?.S}|${item.sk?.S}`, itemSize(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return sizes;
}

/** Size of the one item whose key starts with `prefix` that `after` has and `before` had not (0: none). */
function newItem(before: Map<string, number>, after: Map<string, number>, prefix: string): number {
  return [...after].find(([key]) => key.startsWith(prefix) && !before.has(key))?.[1] ?? 0;
}

type Sizes = Map<string, number>;

/** Runs steps one by one, recording each one's metered units and its floor from the items' sizes. */
class StepRecorder {
  readonly steps: StepCapacity[] = [];

  constructor(
    private readonly admin: DynamoDBClient,
    private readonly tableName: string,
    private readonly tally: CapacityTally,
  ) {}

  sizes(): Promise<Sizes> {
    return itemSizes(this.admin, this.tableName);
  }

  async record(step: string, action: () => Promise<void>, floorOf: (before: Sizes, after: Sizes) => Units): Promise<void> {
    const before = await this.sizes();
    const start = snapshot(this.tally);
    await action();
    const after = await this.sizes();
    this.steps.push({ step, measured: addTally(snapshot(this.tally), start, -1), floor: floorOf(before, after) });
  }
}

/** Churn, both touches, return, for one treatment-arm customer with SMS consent (the port-out fixture). */
async function lifecycle(recorder: StepRecorder, metered: DynamoDBClient, tableName: string): Promise<void> {
  const customerId = customerIdIn('treatment', undefined, 'bench-journey');
  const customerKey = `CUSTOMER#${customerId}|RECORD`;
  let claimed = 0;
  // Sizes the claimed record while the message "goes out", for the send's floor.
  const sms: MessageChannel = {
    async send(): Promise<SendReceipt> {
      claimed = (await recorder.sizes()).get(customerKey) ?? 0;
      return { messageId: `bench-sms-${claimed}` };
    },
  };
  const clock = new FakeClock('2026-01-05T09:00:00Z');
  const deps = makeDeps({ clock });
  const engine: EngineDeps = {
    ...deps,
    store: new DynamoDbCustomerStore({ client: createDocumentClient(metered), tableName, phoneHashKey: 'bench-phone-key' }),
    channels: { sms },
  };
  const ingested = (before: Sizes, after: Sizes) =>
    ingestFloor({
      customerBefore: before.get(customerKey) ?? 0,
      customerAfter: after.get(customerKey) ?? 0,
      receipt: newItem(before, after, 'EVENT#'),
      newLookup: newItem(before, after, 'PHONE#'),
    });
  const sent = (before: Sizes, after: Sizes) =>
    sendFloor({ customerBefore: before.get(customerKey) ?? 0, claimed, customerAfter: after.get(customerKey) ?? 0 });

  await recorder.record(
    'churn',
    async () =>
      void (await ingestEvent(engine, churnEvent({ customerId, eventId: 'bench-churn', occurredAt: '2026-01-05T09:00:00+00:00' }))),
    ingested,
  );
  const timers = deps.scheduler.due(Number.MAX_SAFE_INTEGER);
  if (timers.length !== 2) throw new Error(`the churn planned ${timers.length} touches, not 2`);
  for (const [index, timer] of timers.entries()) {
    clock.set(timer.dueAt);
    await recorder.record(
      `touch ${index + 1}`,
      async () => {
        const result = await fireTimer(engine, timer.payload);
        if (result.outcome !== 'sent') throw new Error(`touch ${index + 1} was ${result.outcome} (${result.reason}), not sent`);
      },
      sent,
    );
  }
  clock.advance(3_600_000);
  const occurredAt = new Date(clock.now()).toISOString();
  await recorder.record(
    'return',
    async () => void (await ingestEvent(engine, returnedEvent({ customerId, eventId: 'bench-return', occurredAt }))),
    ingested,
  );
}

/**
 * Runs the lifecycle against the DynamoDB Local at `endpoint`, in a table of its own (deleted
 * afterwards), and returns each step's metered units beside its floor.
 */
export async function measureJourneyCapacity(endpoint: string): Promise<StepCapacity[]> {
  const tableName = `winback-bench-capacity-${Date.now()}`;
  const admin = localDynamoClient(endpoint);
  const metered = localDynamoClient(endpoint);
  await ensureTable(admin, tableName);
  try {
    const recorder = new StepRecorder(admin, tableName, meterCapacity(metered));
    await lifecycle(recorder, metered, tableName);
    return recorder.steps;
  } finally {
    await admin.send(new DeleteTableCommand({ TableName: tableName }));
    admin.destroy();
    metered.destroy();
  }
}

/** The lifecycle's totals: metered units and floor. */
export function journeyTotals(steps: readonly StepCapacity[]): { measured: CapacityTally; floor: Units } {
  const measured = emptyTally();
  const floor: Units = { read: 0, write: 0 };
  for (const step of steps) {
    addTally(measured, step.measured);
    floor.read += step.floor.read;
    floor.write += step.floor.write;
  }
  return { measured, floor };
}
