import type { MessageEngaged } from '../events.ts';
import { unitHash } from '../hash.ts';
import { isOptOut } from '../opt-out.ts';
import { findOffer, horizonEndMs } from '../policy.ts';
import type { PolicyRegistry } from '../policy-registry.ts';
import { nextSendInstant } from '../send-window.ts';
import { channelBlock, contactFor, contactHash, usableChannels } from '../targeting.ts';
import type { Channel } from '../channels.ts';
import { DAY_MS } from '../vocabulary.ts';
import { channelLost, consentClock, setConsent } from './consent.ts';
import { type CustomerRecord, findTouch, iso, type Journey, log, ms, policyOf } from './record.ts';
import { type Effects, plannedTouch, timerFor } from './timers.ts';

/**
 * Delivery feedback on a touch: recorded on the touch; a first click may earn a follow-up; a
 * bounce or complaint suppresses the contact; a STOP reply withdraws the channel's consent.
 */
export function onEngaged(record: CustomerRecord, event: MessageEngaged, policies: PolicyRegistry, effects: Effects): void {
  const found = findTouch(record, event.touchId);
  const at = event.occurredAt;
  if (!found) {
    log(record, { at, decision: 'recorded', reason: 'engagement_for_unknown_touch', eventId: event.eventId, touchId: event.touchId });
    return;
  }
  const { journey, touch } = found;
  const where = { eventId: event.eventId, journeyId: journey.journeyId, touchId: event.touchId };
  // A task notice went to a team, not to the customer: its delivery says nothing about them.
  if (touch.kind === 'task_notice') {
    log(record, { at, decision: 'recorded', reason: 'engagement_for_task_notice', ...where });
    return;
  }
  const channel = touch.channel;
  const firstClick = event.kind === 'clicked' && touch.engagement.clicked === undefined;
  touch.engagement[event.kind] ??= at;
  if (firstClick) planClickFollowUp(record, journey, channel, ms(at), policies, effects);
  log(record, { at, decision: 'recorded', reason: `engagement:${event.kind}`, ...where });
  const profile = record.profile;
  const contact = profile ? contactFor(profile, channel) : undefined;
  if (!profile || contact === undefined) return;
  if (event.kind === 'bounced' || event.kind === 'complained') {
    // A hard bounce or a complaint ends this contact on this channel, whatever the consent says.
    profile.suppressed = { ...profile.suppressed, [channel]: { reason: event.kind, at, contact: contactHash(contact) } };
    log(record, { at, decision: 'suppressed', reason: event.kind, ...where, channel });
    channelLost(record, channel, `suppressed_${event.kind}`, at, policies, effects);
  } else if (event.kind === 'replied' && event.text !== undefined && isOptOut(event.text)) {
    // "STOP" is a withdrawal of consent: recorded as such (the text itself is never stored).
    const change = { at, eventId: event.eventId, reason: 'consent_revoked_by_reply', journeyId: journey.journeyId, touchId: touch.touchId };
    setConsent(record, channel, false, change, policies, effects);
  }
}

/**
 * A click shows interest without a return yet: the policy may earn the journey one follow-up,
 * `afterDays` later, on the clicked channel if still usable, inside the send window and before
 * the horizon. At most one per journey; the frequency caps still decide at send time.
 */
function planClickFollowUp(
  record: CustomerRecord,
  journey: Journey,
  clickedChannel: Channel,
  clickedAtMs: number,
  policies: PolicyRegistry,
  effects: Effects,
): void {
  const policy = policyOf(policies, journey);
  const rule = policy.clickFollowUp;
  const profile = record.profile;
  const touchId = `${journey.journeyId}-f1`;
  if (!rule || !profile || journey.status !== 'active' || journey.touches.some((t) => t.touchId === touchId)) return;
  const clock = consentClock(record, journey.churnedAt, clickedAtMs);
  const stillUsable = channelBlock(profile, clickedChannel, policy, clock) === undefined;
  const channel = stillUsable ? clickedChannel : usableChannels(profile, policy, clock)[0];
  const sendWindow = policies.sendWindowFor(policy, profile.market);
  if (!channel || !sendWindow) return;
  const seed = unitHash('follow-up', record.customerId, touchId);
  const horizonMs = horizonEndMs(policy, ms(journey.churnedAt));
  const dueAtMs = nextSendInstant(clickedAtMs + rule.afterDays * DAY_MS, horizonMs, profile.timezone, sendWindow, seed);
  const at = iso(clickedAtMs);
  if (dueAtMs === undefined) {
    log(record, { at, decision: 'skipped', reason: 'follow_up_after_horizon', journeyId: journey.journeyId, touchId });
    return;
  }
  const offer = findOffer(policy, {
    angle: rule.angle,
    exitReason: journey.exitReason,
    tier: journey.segment.tier,
    variant: journey.variant,
    monthlyRevenue: journey.monthlyRevenue,
  })!;
  const fields = { kind: 'follow_up' as const, touchId, index: policy.touches.length, angle: rule.angle, offerId: offer.id, channel };
  const touch = plannedTouch(record, fields, dueAtMs, policies.pseudonyms);
  journey.touches.push(touch);
  effects.schedule.push(timerFor(record, touch));
  const reason = `follow_up_after_click:${offer.id}@${touch.dueAt}`;
  log(record, { at, decision: 'planned', reason, journeyId: journey.journeyId, touchId, channel });
}
