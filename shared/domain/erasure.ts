import type { CustomerRecord, Journey, Touch, TouchKind } from './journey/record.ts';
import { pseudonymize } from './hash.ts';
import { keptJourneyIds, Pseudonyms } from './pseudonyms.ts';

/** A journey as kept after erasure: a keyed hash instead of the customer id, no contact data. */
export interface ErasedJourney extends Omit<Journey, 'touches' | 'churnEventId'> {
  customerHash: string;
  /** Keyed hash of the churn event id: upstream systems sometimes build event ids from phone numbers. */
  churnEventHash: string;
  erasedAt: string;
  touches: ErasedTouch[];
}

/** What is kept of a touch after erasure: what it was, what became of it, what it cost. */
export interface ErasedTouch extends Pick<Touch, 'touchId' | 'index' | 'channel' | 'status' | 'sentAt' | 'cost' | 'engagement'> {
  /** Absent on touches erased before touches had a kind. */
  kind?: TouchKind;
  /** The offer a message made; the task id, on touches erased before task notices had their own field. */
  offerId?: string;
  taskId?: string;
}

/**
 * The facts KPIs still need after an erasure request, with nothing that identifies the person:
 * the customer and the churn event as keyed hashes, and journey ids keyed too (a journey planned
 * before ids were keyed gets the keyed id of its churn event, and its touch and task ids with it).
 */
export function erasedFacts(record: CustomerRecord, hashKey: string, nowMs: number): ErasedJourney[] {
  const customerHash = pseudonymize(record.customerId, hashKey);
  const pseudonyms = new Pseudonyms(hashKey);
  return record.journeys.map(({ touches, churnEventId, ...journey }) => {
    const { journeyId, rename } = keptJourneyIds(journey.journeyId, churnEventId, pseudonyms);
    return {
      ...journey,
      journeyId,
      ...(journey.task ? { task: { ...journey.task, taskId: rename(journey.task.taskId) } } : {}),
      customerHash,
      churnEventHash: pseudonymize(churnEventId, hashKey),
      erasedAt: new Date(nowMs).toISOString(),
      touches: touches.map((touch) => erasedTouch(touch, rename)),
    };
  });
}

/** What is kept of a touch, its ids moved by `rename` to the kept journey id. */
function erasedTouch(touch: Touch, rename: (id: string) => string): ErasedTouch {
  return {
    touchId: rename(touch.touchId),
    index: touch.index,
    kind: touch.kind,
    channel: touch.channel,
    status: touch.status === 'planned' ? 'cancelled' : touch.status,
    ...(touch.kind === 'task_notice' ? { taskId: rename(touch.taskId) } : { offerId: touch.offerId }),
    engagement: touch.engagement,
    ...(touch.sentAt ? { sentAt: touch.sentAt } : {}),
    ...(touch.cost !== undefined ? { cost: touch.cost } : {}),
  };
}
