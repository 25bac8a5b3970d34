/**
 * The analyst tables, column by column: the single source of truth for the Parquet writer, the
 * Glue tables in CDK, the DuckDB views of `npm run query`, and the TypeScript types of their rows,
 * so none of them can drift. Both tables are partitioned by `dt` (the night the job ran,
 * `YYYY-MM-DD`), which is a folder (`dt=2026-11-23/`), not a column in the files. No column holds
 * personal data. docs/kpis.md defines every column with its formula.
 */

/** Parquet physical type of a column, and the Athena (Glue) type it is declared as. */
export type ColumnType = 'string' | 'int' | 'double' | 'boolean' | 'timestamp';

/** The TypeScript value of each column type in a row (timestamps as epoch milliseconds). */
interface ColumnValue {
  string: string;
  int: number;
  double: number;
  boolean: boolean;
  timestamp: number;
}

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly comment: string;
}

export interface TableDefinition<C extends readonly Column[] = readonly Column[]> {
  /** Table name in Athena (database `winback`) and DuckDB (schema `winback`). */
  readonly name: string;
  /** Folder under the lake bucket, e.g. `journey_facts/` → `journey_facts/dt=2026-11-23/part-0000.parquet`. */
  readonly prefix: string;
  readonly columns: C;
}

/**
 * A row of a table, derived from its column list: every column by name with the value of its
 * type, or null (as SQL may hold NULL in any column). Adding a column to a table adds it here.
 */
export type RowOf<T extends TableDefinition> = { [C in T['columns'][number] as C['name']]: ColumnValue[C['type']] | null };

/** A row of any table, as the Parquet encoder takes it. */
export type Row = Record<string, string | number | boolean | null>;

export const DATABASE = 'winback';

export const JOURNEY_FACTS = {
  name: 'journey_facts',
  prefix: 'journey_facts/',
  columns: [
    { name: 'customer_hash', type: 'string', comment: 'keyed hash (HMAC-SHA256) of the customer id' },
    { name: 'journey_id', type: 'string', comment: 'journey id' },
    { name: 'cohort_month', type: 'string', comment: 'month of the churn, YYYY-MM (UTC)' },
    { name: 'churned_at', type: 'timestamp', comment: 'when the customer churned' },
    { name: 'churn_kind', type: 'string', comment: 'port_out, cancellation, lapse' },
    { name: 'exit_reason', type: 'string', comment: 'why they left' },
    { name: 'segment', type: 'string', comment: 'value tier of the policy' },
    { name: 'arm', type: 'string', comment: 'treatment or control (holdout)' },
    { name: 'variant', type: 'string', comment: 'A/B variant' },
    { name: 'policy_id', type: 'string', comment: 'policy id' },
    { name: 'policy_version', type: 'string', comment: 'policy version the journey was planned with' },
    { name: 'status', type: 'string', comment: 'active, won_back, returned, ineligible, ended (as of the night)' },
    { name: 'eligible', type: 'boolean', comment: 'planned: worth a touch under the policy' },
    { name: 'ineligible_reasons', type: 'string', comment: 'comma-separated reasons, empty when eligible' },
    { name: 'escalated', type: 'boolean', comment: 'worth a retention task: handed to a team, or held out of one' },
    { name: 'channel', type: 'string', comment: 'channel of the first touch (task: escalated), none without touches' },
    { name: 'channels_used', type: 'string', comment: 'comma-separated channels that sent (or withheld) a message' },
    { name: 'touches_planned', type: 'int', comment: 'messages planned (touches and counts below leave out task notices)' },
    { name: 'touches_sent', type: 'int', comment: 'touches sent (treatment)' },
    { name: 'touches_withheld', type: 'int', comment: 'touches recorded but not sent (control)' },
    { name: 'touches_delivered', type: 'int', comment: 'touches with a delivery receipt' },
    { name: 'touches_clicked', type: 'int', comment: 'touches clicked' },
    {
      name: 'first_contact_at',
      type: 'timestamp',
      comment: 'first message sent or withheld, or task handed over or held out; null if none',
    },
    { name: 'message_cost', type: 'double', comment: 'sum of the costs recorded on the messages sent' },
    { name: 'offer_cost', type: 'double', comment: 'cost of the last offer sent, for a win-back; else 0' },
    { name: 'returned_at', type: 'timestamp', comment: 'when the customer came back, null if not' },
    { name: 'days_to_return', type: 'int', comment: 'floor((returned_at - churned_at) / 24h), null if not returned' },
    { name: 'returned_within_window', type: 'boolean', comment: 'returned before the end of day conversionWindowDays' },
    { name: 'returned_before_contact', type: 'boolean', comment: 'returned before first_contact_at (or with none)' },
    { name: 'won_back', type: 'boolean', comment: 'eligible, returned within the window, not before contact' },
    { name: 'revenue_after_return', type: 'double', comment: 'revenue reported with the return' },
    { name: 'churned_again_at', type: 'timestamp', comment: 'next churn of the same customer hash after the return, null if none' },
    { name: 'retained_6m', type: 'boolean', comment: 'no churn within 182 days of the return; null until observable' },
    { name: 'retained_12m', type: 'boolean', comment: 'no churn within 365 days of the return; null until observable' },
    { name: 'nps', type: 'int', comment: 'survey score 0-10 of a returned customer, null if none or not returned' },
    { name: 'task_team', type: 'string', comment: 'retention team the account was escalated to, null if not escalated' },
    { name: 'task_status', type: 'string', comment: 'open, follow_up, retained, ported_away, customer_returned; null if not escalated' },
    { name: 'task_value', type: 'double', comment: 'account value by the escalation formula, null if not escalated' },
    { name: 'task_follow_ups', type: 'int', comment: 'follow-ups the team agreed with the customer, null if not escalated' },
    { name: 'task_reason', type: 'string', comment: 'reason for leaving the team reported, null if none' },
    { name: 'touches_failed', type: 'int', comment: 'messages recorded failed, whatever the reason' },
    { name: 'touches_outcome_unknown', type: 'int', comment: 'failed messages whose outcome was unknown: the claim lapsed, sent or not' },
  ],
} as const satisfies TableDefinition;

export type JourneyFactRow = RowOf<typeof JOURNEY_FACTS>;

export const KPIS = {
  name: 'kpis',
  prefix: 'kpis/',
  columns: [
    { name: 'grain', type: 'string', comment: 'programme, policy_version, variant, segment, exit_reason, channel or fine' },
    { name: 'cohort_month', type: 'string', comment: 'month of the churn, YYYY-MM' },
    { name: 'policy_id', type: 'string', comment: 'policy id (policy_version, variant and fine grains)' },
    { name: 'policy_version', type: 'string', comment: 'policy version (policy_version and fine grains)' },
    { name: 'segment', type: 'string', comment: 'value tier (segment and fine grains)' },
    { name: 'exit_reason', type: 'string', comment: 'why they left (exit_reason and fine grains)' },
    { name: 'channel', type: 'string', comment: 'channel of the first touch (channel and fine grains)' },
    { name: 'variant', type: 'string', comment: 'A/B variant (variant and fine grains)' },
    { name: 'arm', type: 'string', comment: 'treatment or control' },
    { name: 'journeys', type: 'int', comment: 'journeys, eligible or not' },
    { name: 'eligible', type: 'int', comment: 'eligible (planned) journeys' },
    { name: 'exposed', type: 'int', comment: 'eligible journeys whose first contact came (sent, withheld or task)' },
    { name: 'contacted', type: 'int', comment: 'eligible journeys with at least one message sent' },
    { name: 'delivered', type: 'int', comment: 'eligible journeys with at least one message delivered' },
    { name: 'clicked', type: 'int', comment: 'eligible journeys with at least one message clicked' },
    { name: 'returned_before_contact', type: 'int', comment: 'eligible journeys back within the window before first contact' },
    { name: 'returned', type: 'int', comment: 'win-backs: eligible journeys back within the window after first contact' },
    { name: 'winback_rate', type: 'double', comment: 'returned / eligible (intention to treat)' },
    { name: 'winback_rate_exposed', type: 'double', comment: 'returned / exposed (among contacted)' },
    { name: 'control_eligible', type: 'int', comment: 'eligible of the matching control row (treatment rows)' },
    { name: 'control_exposed', type: 'int', comment: 'exposed of the matching control row (treatment rows)' },
    { name: 'control_returned', type: 'int', comment: 'returned of the matching control row (treatment rows)' },
    { name: 'control_rate', type: 'double', comment: 'control_returned / control_eligible' },
    { name: 'control_rate_exposed', type: 'double', comment: 'control_returned / control_exposed' },
    { name: 'lift', type: 'double', comment: 'winback_rate - control_rate' },
    { name: 'lift_ci_low', type: 'double', comment: 'lower bound of the 95% Wald interval of the lift' },
    { name: 'lift_ci_high', type: 'double', comment: 'upper bound of the 95% Wald interval of the lift' },
    { name: 'relative_lift', type: 'double', comment: 'winback_rate / control_rate - 1' },
    { name: 'relative_lift_ci_low', type: 'double', comment: 'lower bound of the 95% interval of the relative lift (delta method)' },
    { name: 'relative_lift_ci_high', type: 'double', comment: 'upper bound of the 95% interval of the relative lift (delta method)' },
    { name: 'incremental_winbacks', type: 'double', comment: 'returned - control_rate * eligible' },
    { name: 'incremental_winbacks_ci_low', type: 'double', comment: 'eligible * lift_ci_low' },
    { name: 'incremental_winbacks_ci_high', type: 'double', comment: 'eligible * lift_ci_high' },
    { name: 'min_detectable_lift', type: 'double', comment: 'smallest lift found 80% of the time at 5% (two-sided), for these sizes' },
    { name: 'too_small', type: 'boolean', comment: 'fewer than 5 returns or 5 non-returns in either arm: do not read the lift' },
    { name: 'message_cost', type: 'double', comment: 'sum of message_cost' },
    { name: 'offer_cost', type: 'double', comment: 'sum of offer_cost' },
    { name: 'cost_per_winback', type: 'double', comment: '(message_cost + offer_cost) / returned' },
    { name: 'cost_per_incremental_winback', type: 'double', comment: '(message_cost + offer_cost) / incremental_winbacks, when above 0' },
    { name: 'cost_per_acquisition', type: 'double', comment: 'configured cost of acquiring a new customer' },
    { name: 'cost_vs_acquisition', type: 'double', comment: 'cost_per_winback / cost_per_acquisition' },
    { name: 'incremental_cost_vs_acquisition', type: 'double', comment: 'cost_per_incremental_winback / cost_per_acquisition' },
    { name: 'revenue_returned', type: 'double', comment: 'revenue of the returned customers (returned_before_contact + returned)' },
    { name: 'median_days_to_return', type: 'double', comment: 'median days_to_return of the returned customers' },
    { name: 'retained_6m_observed', type: 'int', comment: 'returned customers whose 6-month mark has passed' },
    { name: 'retained_6m_rate', type: 'double', comment: 'share of those still customers at 6 months' },
    { name: 'retained_12m_observed', type: 'int', comment: 'returned customers whose 12-month mark has passed' },
    { name: 'retained_12m_rate', type: 'double', comment: 'share of those still customers at 12 months' },
    { name: 'nps_responses', type: 'int', comment: 'survey answers of the returned customers' },
    { name: 'nps', type: 'double', comment: 'net promoter score of the returned customers (-100..100)' },
    { name: 'tasks_opened', type: 'int', comment: 'journeys escalated to a retention team' },
    { name: 'tasks_retained', type: 'int', comment: 'tasks whose outcome was retained' },
    { name: 'tasks_ported_away', type: 'int', comment: 'tasks whose outcome was ported_away' },
    { name: 'tasks_followed_up', type: 'int', comment: 'tasks with at least one follow-up' },
    { name: 'task_retained_rate', type: 'double', comment: 'tasks_retained / tasks_opened' },
    { name: 'task_ported_away_rate', type: 'double', comment: 'tasks_ported_away / tasks_opened' },
    { name: 'touches_failed', type: 'int', comment: 'sum of touches_failed (every journey, eligible or not)' },
    { name: 'touches_outcome_unknown', type: 'int', comment: 'sum of touches_outcome_unknown: messages that may or may not have gone out' },
  ],
} as const satisfies TableDefinition;

export type KpiRow = RowOf<typeof KPIS>;

export const ANALYST_TABLES: readonly TableDefinition[] = [JOURNEY_FACTS, KPIS];
