import { CHANNEL_TABLE, type Channel } from '#shared/domain/channels';
import type { CustomerRecord, Journey, MessageTouch } from '#shared/domain/journey/record';
import { type OutboundMessage, plannedMessage } from '#shared/domain/journey/send-decision';
import type { PolicyRegistry } from '#shared/domain/policy-registry';
import type { MessagePrice } from '#shared/domain/pricing';
import { smsParts } from '#shared/domain/sms';
import type { TrackedLinks } from '#shared/domain/tracked-link';
import { offsetMinutes } from '#shared/domain/time-zone';
import { DAY_MS } from '#shared/domain/vocabulary';

/**
 * What one simulated customer came to, read from their record at the end of the run: the
 * decisions (planned or excluded and why, arm, escalation) and every message, with the day since
 * the churn and the local hour it went out at. Nothing personal: no contact, no text.
 */

/** A message to the customer: sent (treatment) or withheld (control group: what would have been sent). */
export interface MessageOutcome {
  touchId: string;
  /** The policy touch's number (1 = first), or `follow-up` for the click follow-up. */
  touch: number | 'follow-up';
  angle: string;
  offerId: string;
  channel: Channel;
  atMs: number;
  /** Whole days since the churn: day N is [churn + N·24 h, churn + (N+1)·24 h). */
  daySinceChurn: number;
  /** The hour of the day in the customer's time zone, 0–23. */
  localHour: number;
  /** Billed units: SMS parts, or 1 message. */
  parts: number;
  /** What sending it cost (the engine's price at send); 0 for a withheld message. */
  cost: number;
  withheld: boolean;
}

export interface JourneyOutcome {
  journeyId: string;
  policy: string;
  churnedAtMs: number;
  status: Journey['status'];
  ineligibleReasons: string[];
  arm: Journey['arm'];
  variant: string;
  tier: string;
  exitReason: string;
  monthlyRevenue: number;
  escalation?: { team: string; dueAtMs: number };
  messages: MessageOutcome[];
  returnedAtMs?: number;
}

export interface CustomerOutcome {
  customerId: string;
  /** Churns that started no journey, by reason (`no_policy_for_churn`, `already_in_active_journey`). */
  unplannedChurns: string[];
  journeys: JourneyOutcome[];
}

/** A message a channel received, with the price the engine gave it. */
export interface SentMessage {
  message: OutboundMessage;
  price: MessagePrice;
}

/** What the engine composes a journey's messages from: the record, its policies, and where links point. */
interface Composing {
  record: CustomerRecord;
  policies: PolicyRegistry;
  links: TrackedLinks | undefined;
}

/**
 * The customer's outcome; `sent` are the messages the channels received, by touch id; `links`
 * where the simulated engine points tracked links, so a withheld message is measured as sent.
 */
export function customerOutcome(
  record: CustomerRecord,
  sent: ReadonlyMap<string, SentMessage>,
  policies: PolicyRegistry,
  links?: TrackedLinks,
): CustomerOutcome {
  const zone = record.profile?.timezone ?? 'UTC';
  const unplannedChurns = record.history
    .filter(
      (entry) =>
        (entry.decision === 'ineligible' && entry.journeyId === undefined) ||
        (entry.decision === 'recorded' && entry.reason === 'already_in_active_journey'),
    )
    .map((entry) => entry.reason);
  const journeys = record.journeys.map((journey) => journeyOutcome(journey, sent, zone, { record, policies, links }));
  return { customerId: record.customerId, unplannedChurns, journeys };
}

function journeyOutcome(journey: Journey, sent: ReadonlyMap<string, SentMessage>, zone: string, composing: Composing): JourneyOutcome {
  const churnedAtMs = Date.parse(journey.churnedAt);
  const messages = journey.touches
    .filter((touch): touch is MessageTouch => touch.kind !== 'task_notice' && (touch.status === 'sent' || touch.status === 'withheld'))
    .map((touch) => messageOutcome(touch, sent.get(touch.touchId), churnedAtMs, zone, { journey, ...composing }));
  return {
    journeyId: journey.journeyId,
    policy: `${journey.policyId}@${journey.policyVersion}`,
    churnedAtMs,
    status: journey.status,
    ineligibleReasons: journey.ineligibleReasons,
    arm: journey.arm,
    variant: journey.variant,
    tier: journey.segment.tier,
    exitReason: journey.exitReason,
    monthlyRevenue: journey.monthlyRevenue,
    ...(journey.task ? { escalation: { team: journey.task.team, dueAtMs: Date.parse(journey.task.dueAt) } } : {}),
    messages,
    ...(journey.returnedAt ? { returnedAtMs: Date.parse(journey.returnedAt) } : {}),
  };
}

function messageOutcome(
  touch: MessageTouch,
  sent: SentMessage | undefined,
  churnedAtMs: number,
  zone: string,
  composing: Composing & { journey: Journey },
): MessageOutcome {
  const atMs = Date.parse(touch.sentAt!);
  return {
    touchId: touch.touchId,
    touch: touch.kind === 'policy' ? touch.index + 1 : 'follow-up',
    angle: touch.angle,
    offerId: touch.offerId,
    channel: touch.channel,
    atMs,
    daySinceChurn: Math.floor((atMs - churnedAtMs) / DAY_MS),
    localHour: localHour(atMs, zone),
    // A sent message is billed as the engine priced it; a withheld one as its text would have been.
    parts: sent?.price.parts ?? withheldParts(touch, composing),
    cost: touch.status === 'sent' ? (touch.cost ?? 0) : 0,
    withheld: touch.status === 'withheld',
  };
}

/**
 * The billed units of what a withheld touch would have sent: the message the engine composes for
 * it (`plannedMessage`), in the customer's language, with its footer and its tracked link.
 */
function withheldParts(touch: MessageTouch, { record, journey, policies, links }: Composing & { journey: Journey }): number {
  if (CHANNEL_TABLE[touch.channel].measure !== 'sms_parts') return 1;
  const message = plannedMessage(record, journey, touch, policies, links);
  return message ? smsParts(message.text) : 1;
}

const HOUR_MS = 3_600_000;

/** The hour of the day (0–23) an instant shows in a time zone: its UTC offset added, then the hour of that wall time. */
export function localHour(instantMs: number, zone: string): number {
  const wall = instantMs + offsetMinutes(zone, instantMs) * 60_000;
  return ((Math.floor(wall / HOUR_MS) % 24) + 24) % 24;
}
