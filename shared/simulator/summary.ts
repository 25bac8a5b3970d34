import { minimumDetectableLift } from '#shared/domain/kpi/stats';
import type { Policy } from '#shared/domain/policy';
import type { Assumptions } from './assumptions.ts';
import type { Tally } from './tally.ts';

/**
 * One policy's figures, as summary.json and report.html show them. docs/simulator.md defines
 * each with its formula. Money is in the policy's currency; a figure that cannot be computed (no
 * win-back to divide by, no control group) is null.
 */
export interface PolicySummary {
  policy: string;
  description: string;
  currency: string;
  customers: number;
  churns: number;
  journeys: number;
  eligible: number;
  excluded: { total: number; byReason: Record<string, number> };
  heldOut: number;
  escalated: { total: number; byTeam: Record<string, number>; byTeamWeek: Array<{ team: string; week: string; tasks: number }> };
  messages: {
    sent: number;
    withheld: number;
    byChannel: Record<string, { messages: number; parts: number }>;
    smsParts: number;
    byDaySinceChurn: Array<{ day: number; messages: number }>;
    byLocalHour: Array<{ hour: number; messages: number }>;
  };
  cost: {
    messages: number;
    offers: number;
    total: number;
    perProjectedWinback: number | null;
    budgetPerWinback: { low: number; high: number };
    withinBudget: boolean | null;
  };
  holdout: { automated: number; control: number; baselineRate: number | null; minimumDetectableLift: number | null };
  projection: {
    winbacks: number;
    controlWinbacks: number;
    incrementalWinbacks: number;
    costPerIncrementalWinback: number | null;
    costPerAcquisition: number;
    costPerIncrementalWinbackOfAcquisition: number | null;
  };
  backtest: {
    returns: number;
    withinWindow: number;
    contactedBefore: number;
    returnedBeforeFirstContact: number;
    messagesBefore: number;
  } | null;
  failedTimers: number;
}

const sorted = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
const perUnit = (total: number, units: number) => (units > 0 ? total / units : null);

/**
 * Every fraction rounded to 9 decimals: sums of fractions differ in their last bits with the order
 * they were added in (threads), and the figures must not.
 */
export function tidy<T>(value: T): T {
  if (typeof value === 'number') return (Number.isInteger(value) ? value : Math.round(value * 1e9) / 1e9) as T;
  if (Array.isArray(value)) return value.map(tidy) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tidy(v)])) as T;
  return value;
}

/** The figures of one policy from its tally. */
export function summarize(tally: Tally, policy: Policy, assumptions: Assumptions): PolicySummary {
  return tidy(figures(tally, policy, assumptions));
}

function figures(tally: Tally, policy: Policy, assumptions: Assumptions): PolicySummary {
  const cost = tally.messageCost + tally.projected.offerCost;
  const perWinback = perUnit(cost, tally.projected.winbacks);
  const budget = {
    low: assumptions.budgetShareOfCpa.low * assumptions.costPerAcquisition,
    high: assumptions.budgetShareOfCpa.high * assumptions.costPerAcquisition,
  };
  const perIncremental = tally.projected.incremental > 0 ? cost / tally.projected.incremental : null;
  const baselineRate = perUnit(tally.baselineSum, tally.automated + tally.heldOut);
  return {
    policy: `${policy.id}@${policy.version}`,
    description: policy.description,
    currency: policy.currency,
    customers: tally.customers,
    churns: tally.churns,
    journeys: tally.journeys,
    eligible: tally.eligible,
    excluded: { total: tally.excluded, byReason: sorted(tally.excludedByReason) },
    heldOut: tally.heldOut,
    escalated: { total: tally.escalated, byTeam: sorted(tally.escalatedByTeam), byTeamWeek: teamWeeks(tally.escalatedByTeamWeek) },
    messages: messagesOf(tally),
    cost: {
      messages: tally.messageCost,
      offers: tally.projected.offerCost,
      total: cost,
      perProjectedWinback: perWinback,
      budgetPerWinback: budget,
      withinBudget: perWinback === null ? null : perWinback <= budget.high,
    },
    holdout: {
      automated: tally.automated,
      control: tally.heldOut,
      baselineRate,
      minimumDetectableLift: baselineRate === null ? null : minimumDetectableLift(baselineRate, tally.automated, tally.heldOut),
    },
    projection: {
      winbacks: tally.projected.winbacks,
      controlWinbacks: tally.projected.controlWinbacks,
      incrementalWinbacks: tally.projected.incremental,
      costPerIncrementalWinback: perIncremental,
      costPerAcquisition: assumptions.costPerAcquisition,
      costPerIncrementalWinbackOfAcquisition: perIncremental === null ? null : perIncremental / assumptions.costPerAcquisition,
    },
    backtest:
      tally.backtest.returns > 0
        ? {
            returns: tally.backtest.returns,
            withinWindow: tally.backtest.withinWindow,
            contactedBefore: tally.backtest.contactedBefore,
            returnedBeforeFirstContact: tally.backtest.beforeFirstContact,
            messagesBefore: tally.backtest.messagesBefore,
          }
        : null,
    failedTimers: tally.failedTimers,
  };
}

function messagesOf(tally: Tally): PolicySummary['messages'] {
  const channels = Object.keys(tally.messagesByChannel).sort();
  return {
    sent: tally.messages,
    withheld: tally.withheld,
    byChannel: Object.fromEntries(
      channels.map((channel) => [channel, { messages: tally.messagesByChannel[channel]!, parts: tally.partsByChannel[channel] ?? 0 }]),
    ),
    smsParts: tally.partsByChannel.sms ?? 0,
    byDaySinceChurn: Object.entries(tally.sendsByDay)
      .map(([day, messages]) => ({ day: Number(day), messages }))
      .sort((a, b) => a.day - b.day),
    byLocalHour: Array.from({ length: 24 }, (_, hour) => ({ hour, messages: tally.sendsByHour[hour] ?? 0 })),
  };
}

function teamWeeks(counts: Record<string, number>): PolicySummary['escalated']['byTeamWeek'] {
  return Object.entries(counts)
    .map(([key, tasks]) => {
      const [team, week] = key.split('|') as [string, string];
      return { team, week, tasks };
    })
    .sort((a, b) => (a.week === b.week ? (a.team < b.team ? -1 : 1) : a.week < b.week ? -1 : 1));
}
