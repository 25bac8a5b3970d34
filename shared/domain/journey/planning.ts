import { unitHash } from '../hash.ts';
import type { Pseudonyms } from '../pseudonyms.ts';
import { accountValue, teamFor } from '../escalation.ts';
import { findOffer, horizonEndMs, type Policy } from '../policy.ts';
import type { PolicyRegistry } from '../policy-registry.ts';
import { pickSendInstant, type SendWindow } from '../send-window.ts';
import { type Arm, assign, ineligibilityReasons, segmentOf, usableChannels } from '../targeting.ts';
import type { Channel } from '../channels.ts';
import { type ChurnKind, DAY_MS, type ExitReason } from '../vocabulary.ts';
import { consentClock } from './consent.ts';
import { activeJourney, type CustomerRecord, iso, type Journey, log, ms, type Profile, policyOf, type RetentionTask } from './record.ts';
import { type Effects, MIN_LEAD_MS, plannedTouch, timerFor } from './timers.ts';
import { touchWindow } from './touch-window.ts';

/** What a churn says, wherever it came from (an upstream event, a lapse timer). */
export interface ChurnFacts {
  eventId: string;
  churnKind: ChurnKind;
  exitReason: ExitReason;
  occurredAt: string;
}

/**
 * Plans a journey for a churn of the customer as their profile now stands.
 *
 * 1. A journey still running keeps the customer: the churn is only recorded.
 * 2. The first policy that applies to the churn plans it; none: recorded as ineligible.
 * 3. Eligibility and escalation decide the journey (`decideJourney`).
 * 4. An escalated account gets a retention task (`escalate`), instead of or before the touches.
 * 5. The policy's touches are planned on the first usable channel (`planTouches`).
 */
export function startJourney(record: CustomerRecord, churn: ChurnFacts, nowMs: number, policies: PolicyRegistry, effects: Effects): void {
  const profile = record.profile!;
  // A journey past its horizon has ended, even if nobody posted a return: a new churn starts anew.
  const running = activeJourney(record);
  if (running && nowMs < horizonEndMs(policyOf(policies, running), ms(running.churnedAt))) {
    log(record, {
      at: iso(nowMs),
      decision: 'recorded',
      reason: 'already_in_active_journey',
      eventId: churn.eventId,
      journeyId: running.journeyId,
    });
    return;
  }
  const policy = policies.forChurn({ churnKind: churn.churnKind, market: profile.market, brand: profile.brand });
  if (!policy) {
    log(record, { at: iso(nowMs), decision: 'ineligible', reason: 'no_policy_for_churn', eventId: churn.eventId });
    return;
  }
  const sendWindow = policies.sendWindowFor(policy, profile.market);
  const context = { policy, sendWindow, undeployed: policies.undeployedChannels(policy), pseudonyms: policies.pseudonyms };
  const { journey, escalation } = decideJourney(record, profile, churn, context, nowMs);
  record.journeys.push(journey);
  if (journey.status === 'ineligible') {
    const reason = journey.ineligibleReasons.join(',');
    log(record, { at: iso(nowMs), decision: 'ineligible', reason, eventId: churn.eventId, journeyId: journey.journeyId });
    return;
  }
  if (escalation) {
    if (journey.arm === 'control') holdOutTask(record, journey, policy, escalation.value, churn.eventId, nowMs);
    else escalate(record, journey, context, escalation.value, churn.eventId, nowMs, effects);
    if (escalation.mode === 'instead') return;
  }
  planTouches(record, profile, journey, context, nowMs, effects);
}

/**
 * What planning a churn needs of the deployment: the policy, the customer's send window, the
 * channels not deployed, and how journey ids and timer names are derived.
 */
interface PlanContext {
  policy: Policy;
  sendWindow: SendWindow | undefined;
  undeployed: readonly Channel[];
  pseudonyms: Pseudonyms;
}

/** An escalated account's value, and whether its task replaces the touches or comes first. */
interface Escalation {
  value: number;
  mode: 'instead' | 'before';
}

/** The account's escalation, when the policy escalates accounts and this one is worth it. */
function escalationOf(policy: Policy, profile: Profile): Escalation | undefined {
  if (!policy.escalation) return undefined;
  const value = accountValue(policy.escalation, profile);
  return value !== undefined && value >= policy.escalation.threshold ? { value, mode: policy.escalation.mode } : undefined;
}

/** The journey a churn starts: its segment, arm and variant, and why it is ineligible, if it is. */
function decideJourney(record: CustomerRecord, profile: Profile, churn: ChurnFacts, context: PlanContext, nowMs: number) {
  const { policy, sendWindow, undeployed } = context;
  const churnedAtMs = ms(churn.occurredAt);
  const journeyId = context.pseudonyms.journeyId(churn.eventId);
  const escalation = escalationOf(policy, profile);
  // Escalated accounts are held out only by the escalation's own holdout (off by default): the
  // programme's control group measures the automated touches, this one the retention team.
  const assigned = assign(record.customerId, policy);
  const { arm, variant } = escalation ? { ...assigned, arm: escalationArm(record.customerId, policy) } : assigned;
  const reasons = eligibilityOf(record, profile, churnedAtMs, policy, nowMs, escalation !== undefined);
  if (!sendWindow && !escalation) reasons.push('no_send_window_in_market');
  explainUndeployed(reasons, record, profile, churnedAtMs, policy, nowMs, undeployed);
  const journey: Journey = {
    journeyId,
    churnEventId: churn.eventId,
    policyId: policy.id,
    policyVersion: policy.version,
    churnKind: churn.churnKind,
    exitReason: churn.exitReason,
    churnedAt: iso(churnedAtMs),
    plannedAt: iso(nowMs),
    status: reasons.length > 0 ? 'ineligible' : 'active',
    ineligibleReasons: reasons,
    // Object.assign, not a spread followed by new properties: that is a slow path in Node 20's V8.
    segment: segmentOf(Object.assign({}, profile, { exitReason: churn.exitReason, churnKind: churn.churnKind }), policy),
    arm,
    variant,
    touches: [],
    monthlyRevenue: profile.monthlyRevenue,
  };
  return { journey, escalation };
}

/** The arm of an escalated account: the control group of the retention team for `escalation.holdoutPercent` of them. */
function escalationArm(customerId: string, policy: Policy): Arm {
  const percent = policy.escalation?.holdoutPercent ?? 0;
  return unitHash(policy.holdout.salt, 'escalation-holdout', customerId) < percent / 100 ? 'control' : 'treatment';
}

/** A return counts as won back by Winback only after Winback reached out: a message sent, or the account handed to a team. */
export function wonBackByWinback(journey: Journey): boolean {
  if (journey.status !== 'won_back' || !journey.returnedAt) return false;
  const returnedAtMs = ms(journey.returnedAt);
  return journey.touches.some((t) => t.status === 'sent' && t.sentAt !== undefined && ms(t.sentAt) <= returnedAtMs);
}

/** Why a churn is not worth a journey (empty: it is). A person can reach an account no automated channel may. */
function eligibilityOf(
  record: CustomerRecord,
  profile: Profile,
  churnedAtMs: number,
  policy: Policy,
  nowMs: number,
  escalated: boolean,
): string[] {
  const input = {
    churnedAtMs,
    nowMs,
    monthlyRevenue: profile.monthlyRevenue,
    priorChurns: profile.priorChurns,
    // A customer who came back on their own (the control group, or before any message) was not won back by Winback.
    earlierWinbacks: record.journeys.filter(wonBackByWinback).length + (record.archived?.wonBack ?? 0),
    reach: profile,
    clock: consentClock(record, iso(churnedAtMs), nowMs),
  };
  const reasons: string[] = ineligibilityReasons(input, policy).filter((reason) => !(escalated && reason === 'no_usable_channel'));
  if (record.lastReturnedAt && ms(record.lastReturnedAt) >= churnedAtMs) reasons.push('returned_already');
  return reasons;
}

/**
 * A customer only a channel of the policy that this deployment has no adapter for could reach
 * (a push token where no push channel is deployed) is not reachable: the decision log says so
 * (`channel_not_deployed:push`) instead of a bare `no_usable_channel`.
 */
function explainUndeployed(
  reasons: string[],
  record: CustomerRecord,
  profile: Profile,
  churnedAtMs: number,
  policy: Policy,
  nowMs: number,
  undeployed: readonly Channel[],
): void {
  const at = reasons.indexOf('no_usable_channel');
  if (at < 0 || undeployed.length === 0) return;
  const clock = consentClock(record, iso(churnedAtMs), nowMs);
  const wouldReach = usableChannels(profile, { ...policy, channels: [...undeployed] }, clock);
  if (wouldReach.length > 0) reasons[at] = `channel_not_deployed:${wouldReach.join('+')}`;
}

/** Opens the journey's retention task for the team its route names, and plans its first notice. */
function escalate(
  record: CustomerRecord,
  journey: Journey,
  { policy, pseudonyms }: PlanContext,
  value: number,
  eventId: string,
  nowMs: number,
  effects: Effects,
): void {
  const escalation = policy.escalation!;
  const team = teamFor(escalation, record.profile!.accountType);
  journey.task = newTask(journey, team, value, Math.max(ms(journey.churnedAt) + escalation.dueAfterDays * DAY_MS, nowMs), nowMs);
  log(record, { at: iso(nowMs), decision: 'escalated', reason: `${team}:${escalation.mode}`, eventId, journeyId: journey.journeyId });
  planTaskNotice(record, journey, nowMs + MIN_LEAD_MS, nowMs, pseudonyms, effects);
}

/**
 * Holds an escalated account out of its task (the retention team's control group): no task and
 * no notice, only what it would have been, so the KPIs can compare it with the accounts handed
 * over. In `before` mode its touches are planned as for any control journey (and withheld).
 */
function holdOutTask(record: CustomerRecord, journey: Journey, policy: Policy, value: number, eventId: string, nowMs: number): void {
  const team = teamFor(policy.escalation!, record.profile!.accountType);
  journey.heldOutTask = { team, value: Math.round(value * 100) / 100, at: iso(nowMs) };
  log(record, { at: iso(nowMs), decision: 'escalated', reason: `${team}:held_out`, eventId, journeyId: journey.journeyId });
}

/** Plans each of the policy's touches inside its window and the customer's send window, on the first usable channel. */
function planTouches(
  record: CustomerRecord,
  profile: Profile,
  journey: Journey,
  context: PlanContext,
  nowMs: number,
  effects: Effects,
): void {
  const { journeyId } = journey;
  const { policy, sendWindow } = context;
  const channel = usableChannels(profile, policy, consentClock(record, journey.churnedAt, nowMs))[0];
  if (!channel || !sendWindow) {
    log(record, { at: iso(nowMs), decision: 'skipped', reason: channel ? 'no_send_window_in_market' : 'no_usable_channel', journeyId });
    return;
  }
  policy.touches.forEach((rule, index) => {
    const touchId = `${journeyId}-${index + 1}`;
    const offer = findOffer(policy, {
      angle: rule.angle,
      exitReason: journey.exitReason,
      tier: journey.segment.tier,
      variant: journey.variant,
      monthlyRevenue: profile.monthlyRevenue,
    })!;
    const window = touchWindow(policy, ms(journey.churnedAt), rule);
    const seed = unitHash('plan', record.customerId, String(index));
    const dueAtMs = pickSendInstant(Math.max(window.startMs, nowMs + MIN_LEAD_MS), window.endMs, profile.timezone, sendWindow, seed);
    const fields = { kind: 'policy' as const, touchId, index, angle: rule.angle, offerId: offer.id, channel };
    const touch = plannedTouch(record, fields, dueAtMs ?? window.endMs, context.pseudonyms);
    journey.touches.push(touch);
    if (dueAtMs === undefined) {
      Object.assign(touch, { status: 'skipped', reason: 'window_passed' });
      log(record, { at: iso(nowMs), decision: 'skipped', reason: 'window_passed', journeyId, touchId });
      return;
    }
    effects.schedule.push(timerFor(record, touch));
    log(record, { at: iso(nowMs), decision: 'planned', reason: `${rule.angle}:${offer.id}@${touch.dueAt}`, journeyId, touchId, channel });
  });
}

/** A journey's retention task for `team`, open, due at `dueAtMs`: the one task a journey has. */
export function newTask(journey: Journey, team: string, value: number, dueAtMs: number, nowMs: number): RetentionTask {
  return {
    taskId: `${journey.journeyId}-task`,
    team,
    value: Math.round(value * 100) / 100,
    status: 'open',
    dueAt: iso(dueAtMs),
    openedAt: iso(nowMs),
    outcomes: [],
  };
}

/** Plans one notice of the journey's task to its team, at `dueAtMs`: a touch on the `task` channel. */
export function planTaskNotice(
  record: CustomerRecord,
  journey: Journey,
  dueAtMs: number,
  nowMs: number,
  pseudonyms: Pseudonyms,
  effects: Effects,
): void {
  const task = journey.task!;
  const index = journey.touches.filter((t) => t.kind === 'task_notice').length;
  const touchId = `${journey.journeyId}-t${index + 1}`;
  const fields = { kind: 'task_notice' as const, touchId, index, angle: 'retention_task', taskId: task.taskId, channel: 'task' as const };
  const touch = plannedTouch(record, fields, dueAtMs, pseudonyms);
  journey.touches.push(touch);
  effects.schedule.push(timerFor(record, touch));
  const reason = `task:${task.team}@${touch.dueAt}`;
  log(record, { at: iso(nowMs), decision: 'planned', reason, journeyId: journey.journeyId, touchId, channel: 'task' });
}
