import type { Policy } from '#shared/domain/policy';
import { offerCost } from '#shared/domain/policy-offers';
import { DAY_MS } from '#shared/domain/vocabulary';
import { type Assumptions, baselineRate, responseRate } from './assumptions.ts';
import type { CustomerOutcome, JourneyOutcome, MessageOutcome } from './outcome.ts';

/**
 * The running counts of one policy's simulation: sums only, so the tallies of parts of a cohort
 * (run side by side) add up to the tally of the whole (`addTallies`). `summarize` turns a tally
 * into the figures docs/simulator.md defines.
 */
export interface Tally {
  customers: number;
  churns: number;
  journeys: number;
  eligible: number;
  excluded: number;
  excludedByReason: Record<string, number>;
  heldOut: number;
  /** Eligible journeys in the treatment arm that are not escalated: the automated programme the holdout measures. */
  automated: number;
  escalated: number;
  escalatedByTeam: Record<string, number>;
  /** `team|YYYY-MM-DD` (Monday of the task's due week, UTC) → tasks. */
  escalatedByTeamWeek: Record<string, number>;
  messages: number;
  messagesByChannel: Record<string, number>;
  partsByChannel: Record<string, number>;
  withheld: number;
  /** Messages sent by day since the churn, and by local hour (0–23). */
  sendsByDay: Record<string, number>;
  sendsByHour: Record<string, number>;
  messageCost: number;
  /** Σ baseline rate over the automated and control journeys, for the minimum detectable lift. */
  baselineSum: number;
  projected: { winbacks: number; controlWinbacks: number; incremental: number; offerCost: number };
  backtest: { returns: number; withinWindow: number; contactedBefore: number; beforeFirstContact: number; messagesBefore: number };
  failedTimers: number;
}

export function newTally(): Tally {
  return {
    customers: 0,
    churns: 0,
    journeys: 0,
    eligible: 0,
    excluded: 0,
    excludedByReason: {},
    heldOut: 0,
    automated: 0,
    escalated: 0,
    escalatedByTeam: {},
    escalatedByTeamWeek: {},
    messages: 0,
    messagesByChannel: {},
    partsByChannel: {},
    withheld: 0,
    sendsByDay: {},
    sendsByHour: {},
    messageCost: 0,
    baselineSum: 0,
    projected: { winbacks: 0, controlWinbacks: 0, incremental: 0, offerCost: 0 },
    backtest: { returns: 0, withinWindow: 0, contactedBefore: 0, beforeFirstContact: 0, messagesBefore: 0 },
    failedTimers: 0,
  };
}

const bump = (counts: Record<string, number>, key: string | number, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

/** Adds one customer's outcome under `policy`. */
export function addOutcome(tally: Tally, outcome: CustomerOutcome, policy: Policy, assumptions: Assumptions): void {
  tally.customers += 1;
  tally.churns += outcome.unplannedChurns.length + outcome.journeys.length;
  for (const reason of outcome.unplannedChurns) {
    if (reason === 'already_in_active_journey') continue;
    tally.excluded += 1;
    bump(tally.excludedByReason, reason);
  }
  for (const journey of outcome.journeys) addJourney(tally, journey, policy, assumptions);
}

function addJourney(tally: Tally, journey: JourneyOutcome, policy: Policy, assumptions: Assumptions): void {
  tally.journeys += 1;
  if (journey.status === 'ineligible') {
    tally.excluded += 1;
    for (const reason of journey.ineligibleReasons) bump(tally.excludedByReason, reason);
    return;
  }
  tally.eligible += 1;
  const baseline = baselineRate(assumptions, journey.exitReason);
  if (journey.arm === 'control') {
    tally.heldOut += 1;
    tally.baselineSum += baseline;
    tally.projected.controlWinbacks += baseline;
  } else if (journey.escalation) {
    tally.escalated += 1;
    bump(tally.escalatedByTeam, journey.escalation.team);
    bump(tally.escalatedByTeamWeek, `${journey.escalation.team}|${mondayOf(journey.escalation.dueAtMs)}`);
  } else {
    tally.automated += 1;
    tally.baselineSum += baseline;
  }
  for (const message of journey.messages) addMessage(tally, message);
  if (journey.arm === 'treatment') project(tally, journey, policy, assumptions, baseline);
  addBacktest(tally, journey);
}

function addMessage(tally: Tally, message: MessageOutcome): void {
  if (message.withheld) {
    tally.withheld += 1;
    return;
  }
  tally.messages += 1;
  bump(tally.messagesByChannel, message.channel);
  bump(tally.partsByChannel, message.channel, message.parts);
  bump(tally.sendsByDay, message.daySinceChurn);
  bump(tally.sendsByHour, message.localHour);
  tally.messageCost += message.cost;
}

/**
 * Projects a treatment journey under the assumptions (docs/simulator.md, "Projections"): with b
 * the baseline rate and u_k the rate of its k-th message, in the order sent (a retention task
 * first, at `retentionTaskRate`), the journey returns with probability
 * P = b + (1 − b)(1 − Π(1 − u_k)); what message k adds, (1 − b)·u_k·Π_{j<k}(1 − u_j), takes offer
 * k, and the baseline b takes the first message's offer.
 */
export function projectJourney(journey: JourneyOutcome, policy: Policy, assumptions: Assumptions, baseline: number) {
  const sent = journey.messages.filter((message) => !message.withheld);
  const costOf = (message: MessageOutcome) => {
    const offer = policy.offers.find((o) => o.id === message.offerId);
    return offer ? offerCost(offer, journey.monthlyRevenue) : 0;
  };
  let away = journey.escalation ? 1 - assumptions.retentionTaskRate : 1;
  let offers = sent.length > 0 ? baseline * costOf(sent[0]!) : 0;
  for (const message of sent) {
    const segment = { angle: message.angle, tier: journey.tier, exitReason: journey.exitReason, daySinceChurn: message.daySinceChurn };
    const rate = responseRate(assumptions, segment);
    offers += (1 - baseline) * away * rate * costOf(message);
    away *= 1 - rate;
  }
  const winback = baseline + (1 - baseline) * (1 - away);
  return { winback, incremental: winback - baseline, offerCost: offers };
}

function project(tally: Tally, journey: JourneyOutcome, policy: Policy, assumptions: Assumptions, baseline: number): void {
  const { winback, incremental, offerCost: offers } = projectJourney(journey, policy, assumptions, baseline);
  tally.projected.winbacks += winback;
  tally.projected.incremental += incremental;
  tally.projected.offerCost += offers;
}

/** A cohort that carries returns: what the policy would have sent before each (withheld messages count for the control group). */
function addBacktest(tally: Tally, journey: JourneyOutcome): void {
  if (journey.returnedAtMs === undefined) return;
  tally.backtest.returns += 1;
  if (journey.status === 'won_back') tally.backtest.withinWindow += 1;
  const before = journey.messages.filter((message) => message.atMs < journey.returnedAtMs!).length;
  tally.backtest.messagesBefore += before;
  if (before > 0) tally.backtest.contactedBefore += 1;
  else tally.backtest.beforeFirstContact += 1;
}

/** The Monday (UTC) of the week an instant falls in, YYYY-MM-DD. */
export function mondayOf(instantMs: number): string {
  const day = Math.floor(instantMs / DAY_MS);
  // 1970-01-01 was a Thursday: day 0 is weekday 3 counted from Monday = 0.
  const monday = day - ((day + 3) % 7);
  return new Date(monday * DAY_MS).toISOString().slice(0, 10);
}

/** Adds `source` into `target`, number by number: the tally of two parts of a cohort is their sum. */
export function addTallies<T>(target: T, source: T): T {
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
    const into = target as Record<string, unknown>;
    if (typeof value === 'number') into[key] = ((into[key] as number | undefined) ?? 0) + value;
    else if (value && typeof value === 'object') {
      into[key] ??= {};
      addTallies(into[key], value);
    }
  }
  return target;
}
