import type { CustomerRecord } from '#shared/domain/journey/record';
import { isStuckClaim } from '#shared/domain/journey/send-outcome';
import type { EngineDeps } from './deps.ts';
import { resolveLease } from './send-touch.ts';

/** What a sweep did with the claims it found stuck in `sending`. */
export interface StuckClaims {
  /** Recorded sent: the channel showed the message had gone out (the local outbox can tell). */
  sent: number;
  /** Recorded `failed: outcome_unknown`: the message may or may not have gone out. */
  outcomeUnknown: number;
  /** Left as they were: resolved meanwhile by their own timer, or the store failed (the next sweep tries again). */
  unresolved: number;
}

export const noStuckClaims = (): StuckClaims => ({ sent: 0, outcomeUnknown: 0, unresolved: 0 });

/**
 * Resolves the record's claims stuck in `sending` (`isStuckClaim`: a lease passed, or a claim made
 * before claims had leases) as their lease timer would (`resolveLease`): sent if the channel shows
 * the message went out, else `failed: outcome_unknown`. For the claims nothing else will resolve:
 * those written by a version without leases, and those whose lease timer was lost. Idempotent: a
 * resolved touch is no longer `sending`, so a second sweep finds nothing.
 *
 * Answers the record as it stands afterwards (read again when a claim was resolved), and adds
 * what it did to `counts`. Never throws for one claim: a store failure leaves that claim for the
 * next sweep, logged by touch id only.
 */
export async function resolveStuckClaims(deps: EngineDeps, record: CustomerRecord, counts: StuckClaims): Promise<CustomerRecord> {
  const nowMs = deps.clock.now();
  const stuck = record.journeys.flatMap((journey) => journey.touches.filter((touch) => isStuckClaim(touch, nowMs)));
  if (stuck.length === 0) return record;
  for (const touch of stuck) {
    try {
      // Read afresh by resolveLease: the record met by a scan may be a page old.
      const result = await resolveLease(deps, { customerId: record.customerId, touchId: touch.touchId });
      if (result.outcome === 'sent') counts.sent += 1;
      else if (result.outcome === 'failed') counts.outcomeUnknown += 1;
      else counts.unresolved += 1;
    } catch (error) {
      counts.unresolved += 1;
      deps.logger.error('stuck claim not resolved; the next sweep tries again', {
        touchId: touch.touchId,
        error: error instanceof Error ? error.name : 'unknown',
      });
    }
  }
  // Should the read fail, the night's facts show the record as the scan met it.
  return (await deps.store.get(record.customerId).catch(() => undefined)) ?? record;
}
