import type { CustomerRecord, Journey } from './customer.ts';
import { pseudonymize } from './hash.ts';

/** A journey as kept after erasure: a keyed hash instead of the customer id, no contact data. */
export interface ErasedJourney extends Omit<Journey, 'touches' | 'churnEventId'> {
  customerHash: string;
  /** Keyed hash of the churn event id: upstream systems sometimes build event ids from phone numbers. */
  churnEventHash: string;
  erasedAt: string;
  touches: Array<
    Pick<Journey['touches'][number], 'touchId' | 'index' | 'channel' | 'status' | 'offerId' | 'sentAt' | 'cost' | 'engagement'>
  >;
}

/** The facts KPIs still need after an erasure request, with nothing that identifies the person. */
export function erasedFacts(record: CustomerRecord, hashKey: string, nowMs: number): ErasedJourney[] {
  const customerHash = pseudonymize(record.customerId, hashKey);
  return record.journeys.map(({ touches, churnEventId, ...journey }) => ({
    ...journey,
    customerHash,
    churnEventHash: pseudonymize(churnEventId, hashKey),
    erasedAt: new Date(nowMs).toISOString(),
    touches: touches.map(({ touchId, index, channel, status, offerId, sentAt, cost, engagement }) => ({
      touchId,
      index,
      channel,
      status: status === 'planned' ? 'cancelled' : status,
      offerId,
      engagement,
      ...(sentAt ? { sentAt } : {}),
      ...(cost !== undefined ? { cost } : {}),
    })),
  }));
}
