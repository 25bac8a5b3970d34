import type { CustomerRecord, Journey, Touch, TouchKind } from './journey/record.ts';
import { pseudonymize } from './hash.ts';
import { isOutcomeUnknown } from './journey/send-outcome.ts';
import { keptJourneyIds, Pseudonyms } from './pseudonyms.ts';

/** A journey as kept apart from the customer: a keyed hash instead of the customer id, no contact data. */
export interface KeptJourney extends Omit<Journey, 'touches' | 'churnEventId'> {
  customerHash: string;
  /** Keyed hash of the churn event id: upstream systems sometimes build event ids from phone numbers. */
  churnEventHash: string;
  touches: ErasedTouch[];
}

/** A journey as kept after erasure. */
export interface ErasedJourney extends KeptJourney {
  erasedAt: string;
}

/** A finished journey moved out of a customer's record to keep the record bounded (`journey/archive.ts`): its facts, for KPIs. */
export interface ArchivedJourney extends KeptJourney {
  archivedAt: string;
}

/** What is kept of a touch after erasure: what it was, what became of it, what it cost. */
export interface ErasedTouch
  extends Pick<Touch, 'touchId' | 'index' | 'channel' | 'status' | 'sentAt' | 'cost' | 'engagement' | 'outcomeUnknown'> {
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
  const erasedAt = new Date(nowMs).toISOString();
  return record.journeys.map((journey) => ({ ...keptJourney(record.customerId, journey, hashKey), erasedAt }));
}

/** One journey's facts as kept apart from the customer: pseudonymous, journey id keyed. */
export function keptJourney(customerId: string, { touches, churnEventId, ...journey }: Journey, hashKey: string): KeptJourney {
  const { journeyId, rename } = keptJourneyIds(journey.journeyId, churnEventId, new Pseudonyms(hashKey));
  return {
    ...journey,
    journeyId,
    ...(journey.task ? { task: { ...journey.task, taskId: rename(journey.task.taskId) } } : {}),
    customerHash: pseudonymize(customerId, hashKey),
    churnEventHash: pseudonymize(churnEventId, hashKey),
    touches: touches.map((touch) => erasedTouch(touch, rename)),
  };
}

/**
 * What is kept of a touch, its ids moved by `rename` to the kept journey id. A touch still being
 * sent is kept as failed with its outcome unknown: its sender can no longer record the outcome
 * (the record is gone), and the message may or may not have gone out. The reason of a failure is
 * not kept (a channel's error may quote a contact), only whether its outcome was unknown.
 */
function erasedTouch(touch: Touch, rename: (id: string) => string): ErasedTouch {
  const unknown = touch.status === 'sending' || isOutcomeUnknown(touch);
  return {
    touchId: rename(touch.touchId),
    index: touch.index,
    kind: touch.kind,
    channel: touch.channel,
    status: touch.status === 'planned' ? 'cancelled' : touch.status === 'sending' ? 'failed' : touch.status,
    ...(unknown ? { outcomeUnknown: true as const } : {}),
    ...(touch.kind === 'task_notice' ? { taskId: rename(touch.taskId) } : { offerId: touch.offerId }),
    engagement: touch.engagement,
    ...(touch.sentAt ? { sentAt: touch.sentAt } : {}),
    ...(touch.cost !== undefined ? { cost: touch.cost } : {}),
  };
}
