import { applyCallBack, canCallBack } from '#shared/domain/journey/call-back';
import { findTouch, policyOf } from '#shared/domain/journey/record';
import { shortHash } from '#shared/domain/hash';
import { horizonEndMs } from '#shared/domain/policy';
import { textFor } from '#shared/domain/texts';
import { fillLink, type LinkClaim } from '#shared/domain/tracked-link';
import type { EngineDeps } from './deps.ts';
import { applyOnce, ingestEvent } from './ingest-event.ts';

/** What the reactivation page shows: the offer in the customer's language, and whether a call back can be asked for. */
export interface ReactivationPage {
  language: string;
  brand: string;
  subject: string;
  text: string;
  callBack: boolean;
}

/** Where a followed link leads: the offer's URL, Winback's page, or nowhere (`gone`: unknown, erased or expired). */
export type LinkDestination = { kind: 'redirect'; url: string } | { kind: 'page'; page: ReactivationPage } | { kind: 'gone' };

/** The customer's record and the touch a link names, while the link is alive: until the journey's horizon. */
async function linkedTouch(deps: EngineDeps, claim: LinkClaim) {
  const record = await deps.store.get(claim.customerId);
  const found = record && findTouch(record, claim.touchId);
  if (!record || !found || found.touch.kind === 'task_notice') return undefined;
  const policy = policyOf(deps.policies, found.journey);
  if (deps.clock.now() >= horizonEndMs(policy, Date.parse(found.journey.churnedAt))) return undefined;
  return { record, journey: found.journey, touch: found.touch, policy };
}

/**
 * A customer followed a touch's tracked link.
 *
 * Primary course:
 *  1. Find the touch the (already verified) link names; an erased customer, an unknown touch or a
 *     journey past its horizon: the link is gone.
 *  2. Unless it is a link preview (a HEAD, a preview bot), record `clicked` on the touch as a
 *     `message.engaged` event through the normal ingest, once per touch (later clicks replay).
 *  3. Lead to the offer's URL, or to Winback's reactivation page in the customer's language.
 */
export async function followLink(deps: EngineDeps, claim: LinkClaim, options: { countsAsClick: boolean }): Promise<LinkDestination> {
  const linked = await linkedTouch(deps, claim);
  if (!linked) return { kind: 'gone' };
  if (options.countsAsClick) {
    await ingestEvent(deps, {
      eventId: `link/${shortHash(`${claim.customerId}\u001f${claim.touchId}`, 24)}`,
      type: 'message.engaged',
      occurredAt: new Date(deps.clock.now()).toISOString(),
      customerId: claim.customerId,
      touchId: claim.touchId,
      kind: 'clicked',
    });
  }
  const { record, touch, policy } = linked;
  const offer = policy.offers.find((o) => o.id === touch.offerId);
  if (offer?.url) return { kind: 'redirect', url: offer.url };
  const words = offer ? textFor(policy, offer, record.profile?.locale) : undefined;
  return {
    kind: 'page',
    page: {
      language: words?.language ?? 'en',
      brand: policy.brand,
      subject: words?.subject ?? policy.brand,
      text: fillLink(words?.text ?? '', undefined),
      callBack: canCallBack(record, claim.touchId, deps.policies),
    },
  };
}

/**
 * The customer asked for a call back on the reactivation page: the journey's retention task
 * opens for the policy's team (`applyCallBack`), through the same once-only change as an event,
 * once per touch. Answers whether the request was taken (`false`: the link is gone, or no call
 * back can be asked for).
 */
export async function requestCallBack(deps: EngineDeps, claim: LinkClaim): Promise<boolean> {
  if (!(await linkedTouch(deps, claim))) return false;
  const eventId = `call-back/${shortHash(`${claim.customerId}\u001f${claim.touchId}`, 24)}`;
  const outcome = await applyOnce(deps, { eventId, type: 'call_back', customerId: claim.customerId }, (stored) =>
    stored ? applyCallBack(stored, claim.touchId, eventId, deps.clock.now(), deps.policies) : undefined,
  );
  return outcome !== 'unchanged';
}
