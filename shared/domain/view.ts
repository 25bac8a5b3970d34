import type { CustomerRecord, DecisionEntry, Journey, JourneyStatus, RetentionTask, TouchChannel, TouchStatus } from './journey/record.ts';
import type { PolicyRegistry } from './policy-registry.ts';
import { horizonEndMs } from './policy.ts';
import { contactFor } from './targeting.ts';
import { CHANNELS, type Channel } from './channels.ts';
import { plannedMessage } from './journey/send-decision.ts';
import type { TrackedLinks } from './tracked-link.ts';
import { localIso } from './local-time.ts';

/** As stored, plus `ended`: an active journey whose horizon has passed without a return. */
export type ViewStatus = JourneyStatus | 'ended';

/** `GET /v1/customers/{id}`: the journey as an operator needs to see it; no contact details. */
export interface CustomerView {
  customerId: string;
  status: ViewStatus | 'no_journey';
  channels: Partial<Record<Channel, { reachable: boolean; consent: boolean }>>;
  journey?: {
    journeyId: string;
    status: ViewStatus;
    policy: string;
    churnKind: string;
    exitReason: string;
    churnedAt: string;
    segment: string;
    arm: string;
    variant: string;
    ineligibleReasons: string[];
    returnedAt?: string;
    /** Touches on the `task` channel are the notices of the retention task. */
    touches: Array<{
      touchId: string;
      index: number;
      angle: string;
      channel: TouchChannel;
      dueAt: string;
      /** `dueAt` in the customer's time zone, with its offset (absent once the profile is erased). */
      dueAtLocal?: string;
      status: TouchStatus;
      reason?: string;
      sentAt?: string;
      engagement: Record<string, string>;
      /** A planned message's words, as it will send them on its channel (`subject`: e-mail only). */
      text?: string;
      subject?: string;
    }>;
    /** The retention task, if the account was escalated (its contact details: `GET /v1/tasks`). */
    task?: RetentionTask;
  };
  /** Earlier journeys, most recent first, summarized. */
  pastJourneys: Array<{ journeyId: string; status: ViewStatus; churnedAt: string; returnedAt?: string }>;
  history: DecisionEntry[];
}

/** One touch as the view shows it. */
export type ViewTouch = NonNullable<CustomerView['journey']>['touches'][number];

function statusAt(journey: Journey, nowMs: number, policies: PolicyRegistry): ViewStatus {
  if (journey.status !== 'active') return journey.status;
  return nowMs >= horizonEndMs(policies.get(journey.policyId, journey.policyVersion), Date.parse(journey.churnedAt)) ? 'ended' : 'active';
}

/**
 * The customer as `GET /v1/customers/{id}` shows them. `links`: where this runtime makes tracked
 * links, so a planned touch's text shows its own (absent: `{link}`).
 */
export function toCustomerView(record: CustomerRecord, nowMs: number, policies: PolicyRegistry, links?: TrackedLinks): CustomerView {
  const latest = record.journeys.at(-1);
  const profile = record.profile;
  const latestStatus = latest ? statusAt(latest, nowMs, policies) : undefined;
  return {
    customerId: record.customerId,
    status: latestStatus ?? 'no_journey',
    // The channel→contact mapping the engine sends by (`contactFor`), not a second copy of it.
    channels: profile
      ? Object.fromEntries(
          CHANNELS.map((channel) => [
            channel,
            { reachable: contactFor(profile, channel) !== undefined, consent: profile.consents[channel] },
          ]),
        )
      : {},
    ...(latest
      ? {
          journey: {
            journeyId: latest.journeyId,
            status: latestStatus!,
            policy: `${latest.policyId}@${latest.policyVersion}`,
            churnKind: latest.churnKind,
            exitReason: latest.exitReason,
            churnedAt: latest.churnedAt,
            segment: latest.segment.key,
            arm: latest.arm,
            variant: latest.variant,
            ineligibleReasons: latest.ineligibleReasons,
            ...(latest.returnedAt ? { returnedAt: latest.returnedAt } : {}),
            ...(latest.task ? { task: latest.task } : {}),
            touches: latest.touches.map((t) => ({
              touchId: t.touchId,
              index: t.index,
              angle: t.angle,
              channel: t.channel,
              dueAt: t.dueAt,
              ...(profile ? { dueAtLocal: localIso(Date.parse(t.dueAt), profile.timezone) } : {}),
              status: t.status,
              ...(t.reason ? { reason: t.reason } : {}),
              ...(t.sentAt ? { sentAt: t.sentAt } : {}),
              engagement: t.engagement,
              ...(t.status === 'planned' ? plannedMessage(record, latest, t, policies, links) : {}),
            })),
          },
        }
      : {}),
    pastJourneys: record.journeys
      .slice(0, -1)
      .reverse()
      .map((j) => ({
        journeyId: j.journeyId,
        status: statusAt(j, nowMs, policies),
        churnedAt: j.churnedAt,
        ...(j.returnedAt ? { returnedAt: j.returnedAt } : {}),
      })),
    history: record.history,
  };
}
