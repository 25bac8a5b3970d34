import { applyEvent } from '#shared/domain/journey/apply-event';
import { Pseudonyms } from '#shared/domain/pseudonyms';
import type { UnsubscribeClaim } from '#shared/domain/unsubscribe';
import type { EngineDeps } from './deps.ts';
import { applyOnce } from './ingest-event.ts';

/**
 * A customer opted out through a signed link (RFC 8058 one-click, or the link in a footer): the
 * same consent change an upstream system would post, so the same rules follow (touches on that
 * channel switch to another consented channel or are cancelled). A second click the same day is
 * a replay; a click on a later day (say, after consenting again) opts out again.
 *
 * A link only ever goes to a customer Winback holds. When it holds none any more (erased), the
 * click changes nothing and records nothing: an old link must never bring a record back, least of
 * all under an id that may be a phone number. The page still says the person is unsubscribed,
 * which is true: nothing is held to send from.
 */
export async function unsubscribe(
  deps: EngineDeps,
  claim: UnsubscribeClaim,
): Promise<{ status: 'accepted' | 'duplicate' | 'unknown_customer' }> {
  const now = new Date(deps.clock.now()).toISOString();
  const tag = new Pseudonyms(deps.idHashKey).eventTag(`${claim.channel}\u001f${claim.customerId}`, 24);
  const event = {
    eventId: `unsubscribe/${tag}/${now.slice(0, 10)}`,
    type: 'consent.changed' as const,
    occurredAt: now,
    customerId: claim.customerId,
    channel: claim.channel,
    granted: false,
  };
  const applied = await applyOnce(deps, event, (stored) =>
    stored ? applyEvent(stored, event, deps.clock.now(), deps.policies) : undefined,
  );
  return { status: applied === 'duplicate' ? 'duplicate' : applied === 'applied' ? 'accepted' : 'unknown_customer' };
}
