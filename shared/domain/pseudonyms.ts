import { createHmac } from 'node:crypto';
import { shortHash } from './hash.ts';

/**
 * The names Winback derives from what upstream systems send (a customer id, an event id) and
 * then keeps, or hands to another service: journey ids (in touch ids, task ids, journey facts,
 * erased journeys), the customer part of timer names (EventBridge Scheduler schedule names) and
 * event ids in log lines. Customer and event ids are often built from phone numbers, and a plain
 * hash of a phone number is reversed by trying every number, so each name is an HMAC-SHA256 under
 * the deployment's pseudonym key (`deriveKey(masterKey, 'customer-id-hash')`), bound to its use by
 * a context string, then cut to the length the name had.
 *
 * Without a key (tests, the simulator, tools that keep nothing) the names are the plain hashes
 * Winback used before they were keyed; records stored then keep their names, and every stored
 * name is only ever compared, never recomputed.
 */
export class Pseudonyms {
  /** The last customer tagged, and the tag: a plan names two or three timers for the same customer. */
  private lastTagged = { customerId: '', tag: '' };

  constructor(private readonly key?: string) {
    if (key === '') throw new Error('the pseudonym key must not be empty');
  }

  /** Whether names are keyed (a deployment) or the plain legacy hashes (no key given). */
  get keyed(): boolean {
    return this.key !== undefined;
  }

  /** The id of the journey a churn event starts (12 hex digits). */
  journeyId(churnEventId: string): string {
    return this.key === undefined ? shortHash(`journey:${churnEventId}`, 12) : this.hmac('journey', churnEventId, 12);
  }

  /** The customer's part of their timer names (16 hex digits). */
  customerTag(customerId: string): string {
    if (this.lastTagged.customerId !== customerId || this.lastTagged.tag === '') {
      const tag = this.key === undefined ? shortHash(customerId) : this.hmac('timer', customerId, 16);
      this.lastTagged = { customerId, tag };
    }
    return this.lastTagged.tag;
  }

  /** An event id as log lines and timer names show it (`length` hex digits). */
  eventTag(eventId: string, length = 16): string {
    return this.key === undefined ? shortHash(eventId, length) : this.hmac('event', eventId, length);
  }

  private hmac(context: string, value: string, length: number): string {
    return createHmac('sha256', this.key!).update(`winback/${context}\u001f${value}`).digest('hex').slice(0, length);
  }
}

/**
 * Whether a stored journey id is the plain hash of its churn event id that journeys got before
 * ids were keyed: such an id is replaced by the keyed one wherever it is kept apart from the
 * customer (erased journeys, journey facts).
 */
export const isLegacyJourneyId = (journeyId: string, churnEventId: string) => journeyId === shortHash(`journey:${churnEventId}`, 12);

/**
 * The journey id to keep apart from the customer (erased journeys, journey facts): the stored id,
 * or for a legacy plain-hash id the keyed one of its churn event; and a function moving ids that
 * start with the old journey id (touch ids, task ids) to the kept one.
 */
export function keptJourneyIds(journeyId: string, churnEventId: string, pseudonyms: Pseudonyms) {
  const kept = isLegacyJourneyId(journeyId, churnEventId) ? pseudonyms.journeyId(churnEventId) : journeyId;
  return {
    journeyId: kept,
    rename: (id: string) => (kept !== journeyId && id.startsWith(journeyId) ? `${kept}${id.slice(journeyId.length)}` : id),
  };
}

/**
 * What a store keys an event receipt by: the HMAC-SHA256 of the event id under the store's
 * receipt key (`deriveKey(masterKey, 'event-receipt')`), so receipts, which outlive an erasure,
 * hold no id an upstream system built from a phone number; a replay computes the same key and is
 * still told apart. Without a key, the raw id (receipts as stored before they were keyed).
 */
export function receiptIdOf(eventHashKey: string | undefined, eventId: string): string {
  return eventHashKey === undefined ? eventId : createHmac('sha256', eventHashKey).update(eventId).digest('hex');
}
