import { Pseudonyms } from '#shared/domain/pseudonyms';
import type { UnsubscribeClaim } from '#shared/domain/unsubscribe';
import type { EngineDeps } from './deps.ts';
import { ingestEvent, type IngestResult } from './ingest-event.ts';

/**
 * A customer opted out through a signed link (RFC 8058 one-click, or the link in a footer): the
 * same consent change an upstream system would post, so the same rules follow (touches on that
 * channel switch to another consented channel or are cancelled). A second click the same day is
 * a replay; a click on a later day (say, after consenting again) opts out again.
 */
export async function unsubscribe(deps: EngineDeps, claim: UnsubscribeClaim): Promise<IngestResult> {
  const now = new Date(deps.clock.now()).toISOString();
  return ingestEvent(deps, {
    eventId: `unsubscribe/${new Pseudonyms(deps.idHashKey).eventTag(`${claim.channel}\u001f${claim.customerId}`, 24)}/${now.slice(0, 10)}`,
    type: 'consent.changed',
    occurredAt: now,
    customerId: claim.customerId,
    channel: claim.channel,
    granted: false,
  });
}
