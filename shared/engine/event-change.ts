import { applyEvent } from '#shared/domain/journey/apply-event';
import { emptyRecord, type CustomerRecord } from '#shared/domain/journey/record';
import type { Change } from '#shared/domain/journey/timers';
import type { WinbackEvent } from '#shared/domain/events';
import type { EngineDeps } from './deps.ts';

/**
 * How log lines and the API's answers name an event: a hash of its id keyed with the deployment's
 * secret, since some upstream systems build event ids from phone numbers. The caller reads it in
 * the answer to its POST, and finds the event's log lines by it.
 */
export const eventRef = (deps: Pick<EngineDeps, 'policies'>, eventId: string): string => deps.policies.pseudonyms.eventTag(eventId);

/** What ingesting an event answers: applied now (`accepted`), or already applied before (`duplicate`). */
export type IngestStatus = 'accepted' | 'duplicate';

/**
 * The change an upstream event makes to the customer's record as stored (undefined: none stored),
 * or undefined for none: feedback about a customer Winback does not hold (erased, or never seen)
 * has nothing to attach to, and keeping it would re-create a record under an id that may be a
 * phone number. Consent, activity and returns are kept on purpose: a churn may still arrive after them.
 */
export function eventChange(deps: EngineDeps, event: WinbackEvent, stored: CustomerRecord | undefined): Change | undefined {
  if (!stored && (event.type === 'message.engaged' || event.type === 'survey.answered' || event.type === 'task.outcome')) {
    deps.logger.info('event for an unknown customer ignored', { eventRef: eventRef(deps, event.eventId), type: event.type });
    return undefined;
  }
  return applyEvent(stored ?? emptyRecord(event.customerId), event, deps.clock.now(), deps.policies);
}
