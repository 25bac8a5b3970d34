import type { CustomerReturned } from '../events.ts';
import type { PolicyRegistry } from '../policy-registry.ts';
import { activeJourney, type CustomerRecord, iso, isTaskOpen, type Journey, log, ms, policyOf } from './record.ts';
import { cancelPending, type Effects } from './timers.ts';
import { dayEndMs } from './touch-window.ts';

export function onReturned(record: CustomerRecord, event: CustomerReturned, policies: PolicyRegistry, effects: Effects): void {
  const returnedAtMs = ms(event.occurredAt);
  const journey = activeJourney(record);
  if (!journey || ms(journey.churnedAt) > returnedAtMs) {
    if (!record.lastReturnedAt || ms(record.lastReturnedAt) < returnedAtMs) record.lastReturnedAt = iso(returnedAtMs);
    log(record, { at: iso(returnedAtMs), decision: 'recorded', reason: 'return_without_active_journey', eventId: event.eventId });
    return;
  }
  markReturned(record, journey, returnedAtMs, event.eventId, policies, effects, event.revenue);
}

/**
 * The customer is back (a return, activity after a lapse, a task retained): the journey ends and
 * its pending touches are cancelled. It is a win-back (`won_back`) when the return falls within
 * the conversion window: before the end of day `conversionWindowDays` after the churn, the same
 * meaning of "day N" as a touch's window (a return at 90.2 days is on day 90, inside a 90-day
 * window); after it, the journey has only `returned`.
 */
export function markReturned(
  record: CustomerRecord,
  journey: Journey,
  returnedAtMs: number,
  eventId: string,
  policies: PolicyRegistry,
  effects: Effects,
  revenue?: number,
): void {
  if (!record.lastReturnedAt || ms(record.lastReturnedAt) < returnedAtMs) record.lastReturnedAt = iso(returnedAtMs);
  const policy = policyOf(policies, journey);
  const withinWindow = returnedAtMs < dayEndMs(ms(journey.churnedAt), policy.conversionWindowDays);
  journey.status = withinWindow ? 'won_back' : 'returned';
  journey.returnedAt = iso(returnedAtMs);
  if (revenue !== undefined) journey.returnRevenue = revenue;
  if (journey.task && isTaskOpen(journey.task)) journey.task.status = 'customer_returned';
  log(record, { at: iso(returnedAtMs), decision: 'recorded', reason: journey.status, eventId, journeyId: journey.journeyId });
  cancelPending(record, journey, 'customer_returned', iso(returnedAtMs), effects);
}
