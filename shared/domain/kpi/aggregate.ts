import type { Row } from './tables.ts';

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

const GROUP_BY = ['cohort_month', 'segment', 'exit_reason', 'channel', 'variant', 'arm'] as const;

interface Totals {
  /** Group values as in the facts; null stays null, as SQL's GROUP BY keeps it. */
  key: Record<(typeof GROUP_BY)[number], string | null>;
  journeys: number;
  eligible: number;
  contacted: number;
  delivered: number;
  clicked: number;
  returned: number;
  messageCost: number;
  offerCost: number;
  revenue: number;
  /** Whole days to return → how many returned customers took that long: an exact median without keeping rows. */
  daysToReturn: Map<number, number>;
  retained6Observed: number;
  retained6: number;
  retained12Observed: number;
  retained12: number;
  npsResponses: number;
  promoters: number;
  detractors: number;
  tasksOpened: number;
  tasksRetained: number;
  tasksPortedAway: number;
  tasksFollowedUp: number;
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;
const ratio = (numerator: number, denominator: number) => (denominator === 0 ? null : numerator / denominator);

/** Median of a histogram of integers; the mean of the two middle values for an even count. */
export function histogramMedian(histogram: ReadonlyMap<number, number>): number | null {
  const total = [...histogram.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const sorted = [...histogram.entries()].sort((a, b) => a[0] - b[0]);
  const at = (rank: number) => {
    let seen = 0;
    for (const [value, count] of sorted) {
      seen += count;
      if (seen >= rank) return value;
    }
    return sorted.at(-1)![0];
  };
  return (at(Math.floor((total + 1) / 2)) + at(Math.floor((total + 2) / 2))) / 2;
}

/**
 * Difference of two proportions (treatment − control) with its 95% Wald interval:
 * se = √(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂). Null when either group has no one.
 */
export function liftInterval(
  treatedReturned: number,
  treated: number,
  controlReturned: number,
  control: number,
): { lift: number; low: number; high: number } | null {
  if (treated === 0 || control === 0) return null;
  const p1 = treatedReturned / treated;
  const p2 = controlReturned / control;
  const lift = p1 - p2;
  const se = Math.sqrt((p1 * (1 - p1)) / treated + (p2 * (1 - p2)) / control);
  return { lift, low: lift - Z_95 * se, high: lift + Z_95 * se };
}

/**
 * KPIs per cohort month, segment, exit reason, channel, variant and arm, folded from journey
 * fact rows one at a time: memory grows with the number of groups, never with the number of
 * journeys. `sql/kpis.sql` computes the same table in Athena (or DuckDB) from the same facts.
 */
export class KpiAggregator {
  private readonly groups = new Map<string, Totals>();
  private rowsSeen = 0;

  add(fact: Row): void {
    this.rowsSeen += 1;
    const key = Object.fromEntries(
      GROUP_BY.map((name) => [name, fact[name] === null || fact[name] === undefined ? null : String(fact[name])]),
    ) as Totals['key'];
    const id = JSON.stringify(GROUP_BY.map((name) => key[name]));
    let totals = this.groups.get(id);
    if (!totals) {
      totals = {
        key,
        journeys: 0,
        eligible: 0,
        contacted: 0,
        delivered: 0,
        clicked: 0,
        returned: 0,
        messageCost: 0,
        offerCost: 0,
        revenue: 0,
        daysToReturn: new Map(),
        retained6Observed: 0,
        retained6: 0,
        retained12Observed: 0,
        retained12: 0,
        npsResponses: 0,
        promoters: 0,
        detractors: 0,
        tasksOpened: 0,
        tasksRetained: 0,
        tasksPortedAway: 0,
        tasksFollowedUp: 0,
      };
      this.groups.set(id, totals);
    }
    totals.journeys += 1;
    totals.messageCost += fact.message_cost as number;
    totals.offerCost += fact.offer_cost as number;
    if (fact.task_team !== null && fact.task_team !== undefined) {
      totals.tasksOpened += 1;
      if (fact.task_status === 'retained') totals.tasksRetained += 1;
      if (fact.task_status === 'ported_away') totals.tasksPortedAway += 1;
      if ((fact.task_follow_ups as number) > 0) totals.tasksFollowedUp += 1;
    }
    if (!fact.eligible) return;
    totals.eligible += 1;
    if ((fact.touches_sent as number) > 0) totals.contacted += 1;
    if ((fact.touches_delivered as number) > 0) totals.delivered += 1;
    if ((fact.touches_clicked as number) > 0) totals.clicked += 1;
    if (!fact.returned_within_window) return;
    totals.returned += 1;
    totals.revenue += fact.revenue_after_return as number;
    const days = fact.days_to_return;
    if (typeof days === 'number') totals.daysToReturn.set(days, (totals.daysToReturn.get(days) ?? 0) + 1);
    if (fact.retained_6m !== null) {
      totals.retained6Observed += 1;
      if (fact.retained_6m) totals.retained6 += 1;
    }
    if (fact.retained_12m !== null) {
      totals.retained12Observed += 1;
      if (fact.retained_12m) totals.retained12 += 1;
    }
    if (fact.nps !== null) {
      totals.npsResponses += 1;
      if ((fact.nps as number) >= 9) totals.promoters += 1;
      if ((fact.nps as number) <= 6) totals.detractors += 1;
    }
  }

  get factsSeen(): number {
    return this.rowsSeen;
  }

  get groupCount(): number {
    return this.groups.size;
  }

  /** The `kpis` rows, sorted by their group columns. */
  rows(costPerAcquisition: number): Row[] {
    const all = [...this.groups.values()];
    const withoutArm = (t: Totals) => JSON.stringify(GROUP_BY.filter((n) => n !== 'arm').map((n) => t.key[n]));
    const controlOf = new Map(all.filter((t) => t.key.arm === 'control').map((t) => [withoutArm(t), t]));
    // SQL's ORDER BY puts NULLs last in ascending order (DuckDB and Trino alike).
    const compare = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);
    return all
      .sort((a, b) => {
        for (const name of GROUP_BY) {
          const order = compare(a.key[name], b.key[name]);
          if (order !== 0) return order;
        }
        return 0;
      })
      .map((t) => {
        // SQL joins on equal keys, and NULL never equals NULL: a group with a null key has no control.
        const hasNullKey = GROUP_BY.some((n) => n !== 'arm' && t.key[n] === null);
        const control = t.key.arm === 'treatment' && !hasNullKey ? controlOf.get(withoutArm(t)) : undefined;
        const interval = control ? liftInterval(t.returned, t.eligible, control.returned, control.eligible) : null;
        const messageCost = round6(t.messageCost);
        const offerCost = round6(t.offerCost);
        const costPerWinback = ratio(messageCost + offerCost, t.returned);
        return {
          ...t.key,
          journeys: t.journeys,
          eligible: t.eligible,
          contacted: t.contacted,
          delivered: t.delivered,
          clicked: t.clicked,
          returned: t.returned,
          winback_rate: ratio(t.returned, t.eligible),
          control_rate: control ? ratio(control.returned, control.eligible) : null,
          lift: interval?.lift ?? null,
          lift_ci_low: interval?.low ?? null,
          lift_ci_high: interval?.high ?? null,
          message_cost: messageCost,
          offer_cost: offerCost,
          cost_per_winback: costPerWinback,
          cost_per_acquisition: costPerAcquisition,
          cost_vs_acquisition: costPerWinback === null ? null : costPerWinback / costPerAcquisition,
          revenue_returned: round6(t.revenue),
          median_days_to_return: histogramMedian(t.daysToReturn),
          retained_6m_observed: t.retained6Observed,
          retained_6m_rate: ratio(t.retained6, t.retained6Observed),
          retained_12m_observed: t.retained12Observed,
          retained_12m_rate: ratio(t.retained12, t.retained12Observed),
          nps_responses: t.npsResponses,
          nps: t.npsResponses === 0 ? null : (100 * (t.promoters - t.detractors)) / t.npsResponses,
          tasks_opened: t.tasksOpened,
          tasks_retained: t.tasksRetained,
          tasks_ported_away: t.tasksPortedAway,
          tasks_followed_up: t.tasksFollowedUp,
          task_retained_rate: ratio(t.tasksRetained, t.tasksOpened),
          task_ported_away_rate: ratio(t.tasksPortedAway, t.tasksOpened),
        };
      });
  }
}
