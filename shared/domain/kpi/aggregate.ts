import { GRAIN_NAMES, GRAINS, type Grain, KEY_COLUMNS, type KeyColumn } from './grains.ts';
import { type Comparison, compareArms, histogramMedian, NO_CONTROL } from './stats.ts';
import type { JourneyFactRow, KpiRow } from './tables.ts';

export { histogramMedian, liftInterval, Z_95 } from './stats.ts';

/** A group's key: its grain, the grain's key columns (null outside it) and the arm. */
type GroupKey = { grain: Grain } & Record<KeyColumn, string | null> & { arm: string | null };

/** What a group adds up, fact by fact. */
interface Totals {
  key: GroupKey;
  journeys: number;
  eligible: number;
  exposed: number;
  contacted: number;
  delivered: number;
  clicked: number;
  returnedBeforeContact: number;
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
  touchesFailed: number;
  touchesOutcomeUnknown: number;
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;
const ratio = (numerator: number, denominator: number) => (denominator === 0 ? null : numerator / denominator);
const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

function emptyTotals(key: GroupKey): Totals {
  return {
    key,
    ...{ journeys: 0, eligible: 0, exposed: 0, contacted: 0, delivered: 0, clicked: 0, returnedBeforeContact: 0, returned: 0 },
    ...{ messageCost: 0, offerCost: 0, revenue: 0, daysToReturn: new Map() },
    ...{ retained6Observed: 0, retained6: 0, retained12Observed: 0, retained12: 0, npsResponses: 0, promoters: 0, detractors: 0 },
    ...{ tasksOpened: 0, tasksRetained: 0, tasksPortedAway: 0, tasksFollowedUp: 0 },
    ...{ touchesFailed: 0, touchesOutcomeUnknown: 0 },
  };
}

/** Folds one fact into a group's totals; the same conditions as the CASE expressions of sql/kpis.sql. */
function addFact(totals: Totals, fact: JourneyFactRow): void {
  totals.journeys += 1;
  totals.messageCost += fact.message_cost ?? 0;
  totals.offerCost += fact.offer_cost ?? 0;
  // Every journey's failures, eligible or not: an operations count, not a share of anything.
  totals.touchesFailed += fact.touches_failed ?? 0;
  totals.touchesOutcomeUnknown += fact.touches_outcome_unknown ?? 0;
  if (fact.task_team !== null && fact.task_team !== undefined) {
    totals.tasksOpened += 1;
    if (fact.task_status === 'retained') totals.tasksRetained += 1;
    if (fact.task_status === 'ported_away') totals.tasksPortedAway += 1;
    if ((fact.task_follow_ups ?? 0) > 0) totals.tasksFollowedUp += 1;
  }
  if (!fact.eligible) return;
  totals.eligible += 1;
  if (fact.first_contact_at !== null && fact.first_contact_at !== undefined) totals.exposed += 1;
  if ((fact.touches_sent ?? 0) > 0) totals.contacted += 1;
  if ((fact.touches_delivered ?? 0) > 0) totals.delivered += 1;
  if ((fact.touches_clicked ?? 0) > 0) totals.clicked += 1;
  if (!fact.returned_within_window) return;
  // Every return within the window is a returned customer; only those after the first contact are win-backs.
  if (fact.returned_before_contact === true) totals.returnedBeforeContact += 1;
  else totals.returned += 1;
  addReturnedCustomer(totals, fact);
}

/** A returned customer (eligible, back within the window): revenue, days to return, retention and NPS. */
function addReturnedCustomer(totals: Totals, fact: JourneyFactRow): void {
  totals.revenue += fact.revenue_after_return ?? 0;
  const days = fact.days_to_return;
  if (typeof days === 'number') totals.daysToReturn.set(days, (totals.daysToReturn.get(days) ?? 0) + 1);
  if (fact.retained_6m !== null && fact.retained_6m !== undefined) {
    totals.retained6Observed += 1;
    if (fact.retained_6m) totals.retained6 += 1;
  }
  if (fact.retained_12m !== null && fact.retained_12m !== undefined) {
    totals.retained12Observed += 1;
    if (fact.retained_12m) totals.retained12 += 1;
  }
  if (fact.nps !== null && fact.nps !== undefined) {
    totals.npsResponses += 1;
    if (fact.nps >= 9) totals.promoters += 1;
    if (fact.nps <= 6) totals.detractors += 1;
  }
}

/** A group's id: the grain, its key values and the arm, joined by U+0000, with null as U+0001 (kept apart from any text). */
const idPart = (value: string | null) => (value === null ? '\u0001' : value);
const groupId = (key: Omit<GroupKey, 'arm'>, arm: string | null) =>
  `${key.grain}\u0000${KEY_COLUMNS.map((name) => idPart(key[name])).join('\u0000')}\u0000${idPart(arm)}`;

/** Adds a group's totals into a coarser group's: every count and sum, and the day histogram. */
function mergeInto(target: Totals, source: Totals): void {
  for (const name of Object.keys(source) as Array<keyof Totals>) {
    if (name === 'key') continue;
    if (name === 'daysToReturn') {
      for (const [days, count] of source.daysToReturn) target.daysToReturn.set(days, (target.daysToReturn.get(days) ?? 0) + count);
    } else {
      (target[name] as number) += source[name] as number;
    }
  }
}

/**
 * The `kpis` rows, at every grain of grains.ts. Facts are folded one at a time into the fine
 * grain (every key), and the other grains are sums of fine groups: memory grows with the number
 * of groups, never with the number of journeys, and each fact is folded once. `sql/kpis.sql`
 * computes the same rows in Athena (or DuckDB) from the same facts, the same way.
 */
export class KpiAggregator {
  private readonly fine = new Map<string, Totals>();
  private rowsSeen = 0;

  add(fact: JourneyFactRow): void {
    this.rowsSeen += 1;
    const key = { grain: 'fine' } as GroupKey;
    for (const name of KEY_COLUMNS) key[name] = text(fact[name]);
    key.arm = text(fact.arm);
    const id = groupId(key, key.arm);
    let totals = this.fine.get(id);
    if (!totals) {
      totals = emptyTotals(key);
      this.fine.set(id, totals);
    }
    addFact(totals, fact);
  }

  get factsSeen(): number {
    return this.rowsSeen;
  }

  /** Groups at every grain: the rows `rows()` gives. */
  get groupCount(): number {
    return this.allGrains().size;
  }

  /** The `kpis` rows, sorted by grain, key columns and arm (nulls last, as SQL's ORDER BY). */
  rows(costPerAcquisition: number): KpiRow[] {
    const groups = this.allGrains();
    const sorted = [...groups.values()].sort((a, b) => compareKeys(a.key, b.key));
    return sorted.map((totals) => {
      // Each treatment group beside the control group with the same grain and keys (null matching null).
      const control = totals.key.arm === 'treatment' ? groups.get(groupId(totals.key, 'control')) : undefined;
      return kpiRow(totals, control, costPerAcquisition);
    });
  }

  /** Every grain's groups, each the sum of the fine groups that share its keys. */
  private allGrains(): Map<string, Totals> {
    const groups = new Map<string, Totals>();
    for (const fine of this.fine.values()) {
      for (const grain of GRAIN_NAMES) {
        const kept: readonly KeyColumn[] = GRAINS[grain];
        const key = { grain } as GroupKey;
        for (const name of KEY_COLUMNS) key[name] = kept.includes(name) ? fine.key[name] : null;
        key.arm = fine.key.arm;
        const id = groupId(key, key.arm);
        let totals = groups.get(id);
        if (!totals) {
          totals = emptyTotals(key);
          groups.set(id, totals);
        }
        mergeInto(totals, fine);
      }
    }
    return groups;
  }
}

// SQL's ORDER BY puts NULLs last in ascending order (DuckDB and Trino alike); text by code unit.
const compareText = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);

function compareKeys(a: GroupKey, b: GroupKey): number {
  for (const name of ['grain', ...KEY_COLUMNS, 'arm'] as const) {
    const order = compareText(a[name], b[name]);
    if (order !== 0) return order;
  }
  return 0;
}

/** One `kpis` row, its columns in the table's order. */
function kpiRow(t: Totals, control: Totals | undefined, costPerAcquisition: number): KpiRow {
  const comparison = t.key.arm === 'treatment' ? (control ? compareArms(t, control) : NO_CONTROL) : undefined;
  return {
    ...t.key,
    journeys: t.journeys,
    eligible: t.eligible,
    exposed: t.exposed,
    contacted: t.contacted,
    delivered: t.delivered,
    clicked: t.clicked,
    returned_before_contact: t.returnedBeforeContact,
    returned: t.returned,
    winback_rate: ratio(t.returned, t.eligible),
    winback_rate_exposed: ratio(t.returned, t.exposed),
    ...controlColumns(control, comparison),
    ...costColumns(t, comparison, costPerAcquisition),
    ...returnedCustomerColumns(t),
    ...taskColumns(t),
    touches_failed: t.touchesFailed,
    touches_outcome_unknown: t.touchesOutcomeUnknown,
  };
}

/** The control group's counts and rates, and the comparison with it (treatment rows only). */
function controlColumns(control: Totals | undefined, c: Comparison | undefined) {
  return {
    control_eligible: control?.eligible ?? null,
    control_exposed: control?.exposed ?? null,
    control_returned: control?.returned ?? null,
    control_rate: control ? ratio(control.returned, control.eligible) : null,
    control_rate_exposed: control ? ratio(control.returned, control.exposed) : null,
    lift: c?.lift ?? null,
    lift_ci_low: c?.liftLow ?? null,
    lift_ci_high: c?.liftHigh ?? null,
    relative_lift: c?.relativeLift ?? null,
    relative_lift_ci_low: c?.relativeLow ?? null,
    relative_lift_ci_high: c?.relativeHigh ?? null,
    incremental_winbacks: c?.incremental ?? null,
    incremental_winbacks_ci_low: c?.incrementalLow ?? null,
    incremental_winbacks_ci_high: c?.incrementalHigh ?? null,
    min_detectable_lift: c?.minDetectableLift ?? null,
    // A treatment row without a control group cannot be read either; a control row has no flag.
    too_small: c?.tooSmall ?? null,
  };
}

/** What the group cost, per win-back and per incremental win-back, against the cost per acquisition. */
function costColumns(t: Totals, c: Comparison | undefined, costPerAcquisition: number) {
  const messageCost = round6(t.messageCost);
  const offerCost = round6(t.offerCost);
  const costPerWinback = ratio(messageCost + offerCost, t.returned);
  const incremental = c?.incremental ?? null;
  const costPerIncremental = incremental !== null && incremental > 0 ? (messageCost + offerCost) / incremental : null;
  return {
    message_cost: messageCost,
    offer_cost: offerCost,
    cost_per_winback: costPerWinback,
    cost_per_incremental_winback: costPerIncremental,
    cost_per_acquisition: costPerAcquisition,
    cost_vs_acquisition: costPerWinback === null ? null : costPerWinback / costPerAcquisition,
    incremental_cost_vs_acquisition: costPerIncremental === null ? null : costPerIncremental / costPerAcquisition,
  };
}

/** Revenue, days to return, retention and NPS of the returned customers (eligible, back within the window). */
function returnedCustomerColumns(t: Totals) {
  return {
    revenue_returned: round6(t.revenue),
    median_days_to_return: histogramMedian(t.daysToReturn),
    retained_6m_observed: t.retained6Observed,
    retained_6m_rate: ratio(t.retained6, t.retained6Observed),
    retained_12m_observed: t.retained12Observed,
    retained_12m_rate: ratio(t.retained12, t.retained12Observed),
    nps_responses: t.npsResponses,
    nps: t.npsResponses === 0 ? null : (100 * (t.promoters - t.detractors)) / t.npsResponses,
  };
}

function taskColumns(t: Totals) {
  return {
    tasks_opened: t.tasksOpened,
    tasks_retained: t.tasksRetained,
    tasks_ported_away: t.tasksPortedAway,
    tasks_followed_up: t.tasksFollowedUp,
    task_retained_rate: ratio(t.tasksRetained, t.tasksOpened),
    task_ported_away_rate: ratio(t.tasksPortedAway, t.tasksOpened),
  };
}
