/**
 * The analyst tables, column by column: the single source of truth for the Parquet writer, the
 * Glue tables in CDK and the DuckDB views of `npm run query`, so the three cannot drift.
 * Both tables are partitioned by `dt` (the night the job ran, `YYYY-MM-DD`), which is a folder
 * (`dt=2026-11-23/`), not a column in the files. No column holds personal data.
 */

/** Parquet physical type of a column, and the Athena (Glue) type it is declared as. */
export type ColumnType = 'string' | 'int' | 'double' | 'boolean' | 'timestamp';

export interface Column {
  name: string;
  type: ColumnType;
  comment: string;
}

export interface TableDefinition {
  /** Table name in Athena (database `winback`) and DuckDB (schema `winback`). */
  name: string;
  /** Folder under the lake bucket, e.g. `journey_facts/` → `journey_facts/dt=2026-11-23/part-0000.parquet`. */
  prefix: string;
  columns: readonly Column[];
}

export const DATABASE = 'winback';

export const JOURNEY_FACTS: TableDefinition = {
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
    { name: 'status', type: 'string', comment: 'active, won_back, returned, ineligible, ended' },
    { name: 'eligible', type: 'boolean', comment: 'worth a touch under the policy' },
    { name: 'ineligible_reasons', type: 'string', comment: 'comma-separated reasons, empty when eligible' },
    { name: 'channel', type: 'string', comment: 'channel of the first touch (task: handed to a retention team), none without touches' },
    { name: 'channels_used', type: 'string', comment: 'comma-separated channels that sent (or withheld) a message' },
    { name: 'touches_planned', type: 'int', comment: 'messages planned (touches and counts below leave out task notices)' },
    { name: 'touches_sent', type: 'int', comment: 'touches sent (treatment)' },
    { name: 'touches_withheld', type: 'int', comment: 'touches recorded but not sent (control)' },
    { name: 'touches_delivered', type: 'int', comment: 'touches with a delivery receipt' },
    { name: 'touches_clicked', type: 'int', comment: 'touches clicked' },
    { name: 'message_cost', type: 'double', comment: 'what the messages cost' },
    { name: 'offer_cost', type: 'double', comment: 'cost of the offer taken up by a returned customer' },
    { name: 'returned_at', type: 'timestamp', comment: 'when the customer came back, null if not' },
    { name: 'days_to_return', type: 'int', comment: 'whole days from churn to return, null if not returned' },
    { name: 'returned_within_window', type: 'boolean', comment: 'returned within the conversion window (90 days by default)' },
    { name: 'revenue_after_return', type: 'double', comment: 'revenue reported with the return' },
    { name: 'churned_again_at', type: 'timestamp', comment: 'next churn after the return, null if none' },
    { name: 'retained_6m', type: 'boolean', comment: 'still a customer 6 months (182 days) after returning; null until observable' },
    { name: 'retained_12m', type: 'boolean', comment: 'still a customer 12 months (365 days) after returning; null until observable' },
    { name: 'nps', type: 'int', comment: 'survey score 0-10 after the return, null if none' },
    { name: 'task_team', type: 'string', comment: 'retention team the account was escalated to, null if not escalated' },
    { name: 'task_status', type: 'string', comment: 'open, follow_up, retained, ported_away, customer_returned; null if not escalated' },
    { name: 'task_value', type: 'double', comment: 'account value by the escalation formula, null if not escalated' },
    { name: 'task_follow_ups', type: 'int', comment: 'follow-ups the team agreed with the customer, null if not escalated' },
    { name: 'task_reason', type: 'string', comment: 'reason for leaving the team reported, null if none' },
  ],
};

export const KPIS: TableDefinition = {
  name: 'kpis',
  prefix: 'kpis/',
  columns: [
    { name: 'cohort_month', type: 'string', comment: 'month of the churn, YYYY-MM' },
    { name: 'segment', type: 'string', comment: 'value tier' },
    { name: 'exit_reason', type: 'string', comment: 'why they left' },
    { name: 'channel', type: 'string', comment: 'channel of the first touch' },
    { name: 'variant', type: 'string', comment: 'A/B variant' },
    { name: 'arm', type: 'string', comment: 'treatment or control' },
    { name: 'journeys', type: 'int', comment: 'journeys, eligible or not' },
    { name: 'eligible', type: 'int', comment: 'eligible journeys' },
    { name: 'contacted', type: 'int', comment: 'eligible journeys with at least one touch sent' },
    { name: 'delivered', type: 'int', comment: 'eligible journeys with at least one touch delivered' },
    { name: 'clicked', type: 'int', comment: 'eligible journeys with at least one touch clicked' },
    { name: 'returned', type: 'int', comment: 'eligible journeys returned within the conversion window' },
    { name: 'winback_rate', type: 'double', comment: 'returned / eligible' },
    { name: 'control_rate', type: 'double', comment: 'win-back rate of the matching control group (treatment rows)' },
    { name: 'lift', type: 'double', comment: 'winback_rate - control_rate (treatment rows)' },
    { name: 'lift_ci_low', type: 'double', comment: 'lower bound of the 95% interval of the lift (two proportions, Wald)' },
    { name: 'lift_ci_high', type: 'double', comment: 'upper bound of the 95% interval of the lift' },
    { name: 'message_cost', type: 'double', comment: 'message cost' },
    { name: 'offer_cost', type: 'double', comment: 'offer cost' },
    { name: 'cost_per_winback', type: 'double', comment: '(message_cost + offer_cost) / returned, null without returns' },
    { name: 'cost_per_acquisition', type: 'double', comment: 'configured cost of acquiring a new customer' },
    { name: 'cost_vs_acquisition', type: 'double', comment: 'cost_per_winback / cost_per_acquisition' },
    { name: 'revenue_returned', type: 'double', comment: 'revenue from returned customers' },
    { name: 'median_days_to_return', type: 'double', comment: 'median whole days from churn to return' },
    { name: 'retained_6m_observed', type: 'int', comment: 'returned customers whose 6-month mark has passed' },
    { name: 'retained_6m_rate', type: 'double', comment: 'share of those still customers at 6 months' },
    { name: 'retained_12m_observed', type: 'int', comment: 'returned customers whose 12-month mark has passed' },
    { name: 'retained_12m_rate', type: 'double', comment: 'share of those still customers at 12 months' },
    { name: 'nps_responses', type: 'int', comment: 'survey answers of returned customers' },
    { name: 'nps', type: 'double', comment: 'net promoter score of returned customers (-100..100)' },
    { name: 'tasks_opened', type: 'int', comment: 'journeys escalated to a retention team' },
    { name: 'tasks_retained', type: 'int', comment: 'tasks whose outcome was retained' },
    { name: 'tasks_ported_away', type: 'int', comment: 'tasks whose outcome was ported_away' },
    { name: 'tasks_followed_up', type: 'int', comment: 'tasks with at least one follow-up' },
    { name: 'task_retained_rate', type: 'double', comment: 'tasks_retained / tasks_opened' },
    { name: 'task_ported_away_rate', type: 'double', comment: 'tasks_ported_away / tasks_opened' },
  ],
};

export const ANALYST_TABLES = [JOURNEY_FACTS, KPIS] as const;

/** A row as the engine builds it: numbers, strings, booleans, epoch-millisecond timestamps, or null. */
export type Row = Record<string, string | number | boolean | null>;
