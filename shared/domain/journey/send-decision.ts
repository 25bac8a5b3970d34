import { assertUnreachable } from '../exhaustive.ts';
import { unitHash } from '../hash.ts';
import { findOffer, type Offer, type Policy } from '../policy.ts';
import type { PolicyRegistry } from '../policy-registry.ts';
import { isInsideSendWindow, nextSendInstant } from '../send-window.ts';
import type { SendWindow } from '../send-window.ts';
import { channelBlock, contactFor, usableChannels } from '../targeting.ts';
import { smsBody, type TemplateMessage, textFor, type WhatsAppTemplate, whatsAppLanguage } from '../texts.ts';
import { fillLink, LINK_PLACEHOLDER, trackedLink, type TrackedLinks } from '../tracked-link.ts';
import { consentClock } from './consent.ts';
import { type CustomerRecord, findTouch, isTaskOpen, type Journey, type MessageTouch, ms, type Profile, policyOf } from './record.ts';
import type { Touch, TouchChannel } from './record.ts';
import { leaseExpired } from './send-outcome.ts';
import { taskNotice } from './task-view.ts';
import { MIN_LEAD_MS, type TouchDue } from './timers.ts';
import { touchRule, touchWindow } from './touch-window.ts';

/**
 * A message ready for a channel adapter. `to` is personal data: it goes to the channel, never to
 * a log. On the `task` channel, `to` is the team and the text carries the account's contact
 * details for it.
 */
export interface OutboundMessage {
  channel: TouchChannel;
  to: string;
  customerId: string;
  touchId: string;
  text: string;
  subject?: string;
  variant: string;
  locale: string;
  /** The language the text is in: the first of the customer's locale chain the policy has it in. */
  language?: string;
  /** The link `{link}` was filled with (the touch's tracked link), for channels that carry it apart from the text. */
  link?: string;
  /** On WhatsApp: the approved template the message goes out as, in the text's language. */
  template?: TemplateMessage;
  /** On push: the offer the message makes, which the partner's app may show apart from the text. */
  offer?: { id: string; angle: string };
  timezone: string;
}

export type SendDecision =
  | { kind: 'send'; message: OutboundMessage }
  /** The control group's touch: recorded with the channel and language it would have gone in. */
  | { kind: 'withhold'; channel: TouchChannel; language?: string }
  | { kind: 'defer'; dueAtMs: number; reason: string }
  | { kind: 'skip'; reason: string }
  /** The timer is stale or the touch already handled: do nothing at all. */
  | { kind: 'ignore'; reason: string }
  /** The touch is still claimed (`sending`) past its lease: resolve the claim (`lease_expired`). */
  | { kind: 'resolve_lease' };

/**
 * Decides, at the moment a touch timer fires, whether the touch goes out. Everything is checked
 * again here, because the world may have changed since it was planned: a return, a withdrawn
 * consent, the send window, the frequency cap.
 */
export function decideSend(
  record: CustomerRecord,
  due: TouchDue,
  nowMs: number,
  policies: PolicyRegistry,
  links?: TrackedLinks,
): SendDecision {
  const found = findTouch(record, due.touchId);
  if (!found) return { kind: 'ignore', reason: 'unknown_touch' };
  const { journey, touch } = found;
  if (touch.timerName !== due.timerName) return { kind: 'ignore', reason: 'stale_timer' };
  // A second delivery of the timer of a touch whose sender died after claiming it: its lease says when to give up on the sender.
  if (touch.status === 'sending' && leaseExpired(touch, nowMs)) return { kind: 'resolve_lease' };
  if (touch.status !== 'planned') return { kind: 'ignore', reason: `already_${touch.status}` };
  const profile = record.profile;
  if (!profile) return { kind: 'skip', reason: 'no_profile' };
  const policy = policyOf(policies, journey);
  switch (touch.kind) {
    case 'task_notice':
      return decideTaskNotice(record, profile, journey, touch, policy);
    case 'policy':
    case 'follow_up':
      return decideMessage(
        { record, profile, journey, touch, policy, sendWindow: policies.sendWindowFor(policy, profile.market), links },
        nowMs,
      );
    default:
      return assertUnreachable(touch, 'unknown touch kind');
  }
}

/** What a message decision looks at. */
interface MessageContext {
  record: CustomerRecord;
  profile: Profile;
  journey: Journey;
  touch: MessageTouch;
  policy: Policy;
  sendWindow: SendWindow | undefined;
  /** Where `{link}` points in this runtime; absent: the offer's own URL, untracked, or nothing. */
  links: TrackedLinks | undefined;
  /** A preview of the message: `{link}` stays as written. */
  keepLinkPlaceholder?: boolean;
}

/** A message to the customer: still wanted, on a usable channel, inside the windows and under the caps. */
function decideMessage(context: MessageContext, nowMs: number): SendDecision {
  const { record, profile, journey, touch, policy, sendWindow } = context;
  const rule = touchRule(policy, touch);
  if (!rule) return { kind: 'skip', reason: 'touch_not_in_policy' };
  if (journey.status !== 'active') return { kind: 'skip', reason: 'customer_returned' };
  const churnedAtMs = ms(journey.churnedAt);
  if (rule.onlyIfNotReturned && record.lastReturnedAt && ms(record.lastReturnedAt) >= churnedAtMs) {
    return { kind: 'skip', reason: 'customer_returned' };
  }
  const window = touchWindow(policy, churnedAtMs, rule);
  if (nowMs >= window.endMs) return { kind: 'skip', reason: 'touch_window_passed' };

  const clock = consentClock(record, journey.churnedAt, nowMs);
  const blocked = channelBlock(profile, touch.channel, policy, clock);
  const channel = blocked === undefined ? touch.channel : usableChannels(profile, policy, clock)[0];
  if (!channel) return { kind: 'skip', reason: blocked ?? 'no_consent' };
  if (!sendWindow) return { kind: 'skip', reason: 'no_send_window_in_market' };
  if (journey.touches.filter(isMessageOut).length >= policy.frequencyCap.maxPerJourney) {
    return { kind: 'skip', reason: 'journey_cap_reached' };
  }
  const held = holdUntil(context, window, sendWindow, nowMs);
  if (held) return held;
  const message = composeMessage(context, channel);
  if (journey.arm === 'control') return { kind: 'withhold', channel, ...(message.language ? { language: message.language } : {}) };
  return { kind: 'send', message };
}

/** A message that went out to the customer, or was withheld for the control group: both count against the caps. */
const isMessageOut = (t: Touch) => t.kind !== 'task_notice' && (t.status === 'sent' || t.status === 'withheld');

/**
 * A deferral when the touch cannot go now: a timer that fired before the touch's window (a
 * mis-formatted schedule, a clock skew) must not break the quiet days; outside the customer's
 * send window it waits for the next one; at the frequency cap it waits for a free slot.
 */
function holdUntil(
  { record, profile, touch, policy }: MessageContext,
  window: { startMs: number; endMs: number },
  sendWindow: SendWindow,
  nowMs: number,
): SendDecision | undefined {
  const deferUntil = (fromMs: number, reason: string): SendDecision => {
    // Hashed only for a deferral: most touches go out when their timer fires.
    const seed = unitHash('defer', record.customerId, touch.touchId, String(touch.deferrals));
    const from = Math.max(fromMs, nowMs + MIN_LEAD_MS, window.startMs);
    const dueAtMs = nextSendInstant(from, window.endMs, profile.timezone, sendWindow, seed);
    return dueAtMs === undefined ? { kind: 'skip', reason: `${reason}_until_window_end` } : { kind: 'defer', dueAtMs, reason };
  };
  if (nowMs < window.startMs) return deferUntil(window.startMs, 'before_touch_window');
  if (!isInsideSendWindow(nowMs, profile.timezone, sendWindow)) return deferUntil(nowMs, 'outside_send_window');
  const capWindowMs = policy.frequencyCap.perHours * 3_600_000;
  const recent = record.journeys
    .flatMap((j) => j.touches)
    .filter((t) => isMessageOut(t) && t.sentAt && ms(t.sentAt) > nowMs - capWindowMs)
    .map((t) => ms(t.sentAt!))
    .sort((a, b) => b - a);
  // Free again once the oldest message that keeps the count at the cap leaves the window.
  if (recent.length >= policy.frequencyCap.maxMessages) {
    return deferUntil(recent[policy.frequencyCap.maxMessages - 1]! + capWindowMs, 'frequency_cap');
  }
  return undefined;
}

/** The touch's offer, or the one the policy now finds for it (an offer removed from a policy file). */
function offerOf({ journey, touch, policy }: MessageContext): Offer {
  return (
    policy.offers.find((o) => o.id === touch.offerId) ??
    findOffer(policy, {
      angle: touch.angle,
      exitReason: journey.exitReason,
      tier: journey.segment.tier,
      variant: journey.variant,
      monthlyRevenue: journey.monthlyRevenue,
    })!
  );
}

/** The message itself: the touch's offer in the policy's words, in the customer's language. */
function composeMessage(context: MessageContext, channel: Exclude<TouchChannel, 'task'>): OutboundMessage {
  const { record, profile, journey, touch, policy, links } = context;
  const offer = offerOf(context);
  const words = textFor(policy, offer, profile.locale);
  const claim = { customerId: record.customerId, touchId: touch.touchId };
  const link = context.keepLinkPlaceholder ? LINK_PLACEHOLDER : links ? trackedLink(links, claim) : offer.url;
  const text = fillLink(words.text, link);
  return {
    channel,
    to: contactFor(profile, channel)!,
    customerId: record.customerId,
    touchId: touch.touchId,
    text: channel === 'sms' ? smsBody({ text, smsFooter: words.smsFooter }) : text,
    // An e-mail's subject, and a push notification's title.
    ...(channel === 'email' || channel === 'push' ? { subject: words.subject } : {}),
    variant: journey.variant,
    locale: profile.locale,
    language: words.language,
    ...(link !== undefined && words.text.includes(LINK_PLACEHOLDER) ? { link } : {}),
    ...(channel === 'whatsapp' && offer.whatsappTemplate
      ? { template: templateOf(offer.whatsappTemplate, words.language, policy.brand, link) }
      : {}),
    ...(channel === 'push' ? { offer: { id: offer.id, angle: offer.angle } } : {}),
    timezone: profile.timezone,
  };
}

/** An offer's WhatsApp template in the text's language, its parameters filled (a `{link}` without a link: the brand's name stands in). */
function templateOf(template: WhatsAppTemplate, language: string, brand: string, link: string | undefined): TemplateMessage {
  const fill = (parameter: string) => fillLink(parameter.replaceAll('{brand}', brand), link) || brand;
  return { name: template.name, language: whatsAppLanguage(language), parameters: template.parameters.map(fill) };
}

/**
 * A task notice goes to the team whatever the customer's channels, windows and caps say (those
 * govern messages to the customer); it only needs the journey still running and the task open.
 */
function decideTaskNotice(record: CustomerRecord, profile: Profile, journey: Journey, touch: Touch, policy: Policy): SendDecision {
  const task = journey.task;
  if (!task || !isTaskOpen(task)) return { kind: 'skip', reason: 'task_closed' };
  if (journey.status !== 'active') return { kind: 'skip', reason: 'customer_returned' };
  const { subject, text } = taskNotice({ customerId: record.customerId, profile, journey, task, currency: policy.currency });
  const { customerId } = record;
  const message = { channel: 'task' as const, to: task.team, customerId, touchId: touch.touchId, subject, text };
  return { kind: 'send', message: { ...message, variant: journey.variant, locale: profile.locale, timezone: profile.timezone } };
}

/**
 * The words a planned message touch will send, as planned (its channel, its offer), for the
 * customer view: the same composition as at send time. At send time the channel may change (a
 * withdrawn consent) and the touch may be skipped; the text of its channel does not change.
 * Undefined for a task notice (its text carries the account's contact details), without a
 * profile (erased), or when the policy no longer has the touch's offer.
 */
export function plannedMessage(
  record: CustomerRecord,
  journey: Journey,
  touch: Touch,
  policies: PolicyRegistry,
  links?: TrackedLinks,
): { text: string; subject?: string } | undefined {
  const profile = record.profile;
  if (touch.kind === 'task_notice' || !profile) return undefined;
  const policy = policyOf(policies, journey);
  if (!policy.offers.some((offer) => offer.id === touch.offerId)) return undefined;
  // A touch's link is the same whenever it is made: where this runtime makes links, the preview
  // shows the one that will be sent; elsewhere (the API function) it shows `{link}`.
  const context = { record, profile, journey, touch, policy, sendWindow: undefined, links, keepLinkPlaceholder: links === undefined };
  const { text, subject } = composeMessage(context, touch.channel);
  return { text, ...(subject !== undefined ? { subject } : {}) };
}
