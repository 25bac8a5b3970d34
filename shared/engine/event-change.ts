import { applyEvent } from '#shared/domain/journey/apply-event';
import { emptyRecord, type CustomerRecord } from '#shared/domain/journey/record';
import type { Change } from '#shared/domain/journey/timers';
import type { WinbackEvent } from '#shared/domain/events';
import { shortHash } from '#shared/domain/hash';
import type { EngineDeps } from './deps.ts';

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
    deps.logger.info('event for an unknown customer ignored', { eventId: shortHash(event.eventId), type: event.type });
    return undefined;
  }
  return applyEvent(stored ?? emptyRecord(event.customerId), event, deps.clock.now(), deps.policies);
}
