import type { JourneyFactRow, Row } from '#shared/domain/kpi/tables';

/** What each suite gives a fact its own way: unique ids, and its cohort and churn time. */
export interface FactIdentity {
  customer_hash: string;
  journey_id: string;
  cohort_month: string;
  churned_at: number;
}

/**
 * A `journey_facts` row with every one of its columns, in the table's order: an eligible,
 * untouched, unreturned treatment journey unless overridden. Overrides may be any value a
 * Parquet file could hold (nulls where the engine never writes one, too).
 */
export function factRow({
  customer_hash,
  journey_id,
  cohort_month,
  churned_at,
  ...overrides
}: FactIdentity & Partial<Row>): JourneyFactRow {
  const row: Row = {
    customer_hash,
    journey_id,
    cohort_month,
    churned_at,
    churn_kind: 'port_out',
    exit_reason: 'coverage',
    segment: 'standard',
    arm: 'treatment',
    variant: 'A',
    policy_id: 'telecom-port-out',
    policy_version: '1',
    status: 'ended',
    eligible: true,
    ineligible_reasons: '',
    escalated: false,
    channel: 'sms',
    channels_used: 'sms',
    touches_planned: 2,
    touches_sent: 0,
    touches_withheld: 0,
    touches_delivered: 0,
    touches_clicked: 0,
    first_contact_at: null,
    message_cost: 0,
    offer_cost: 0,
    returned_at: null,
    days_to_return: null,
    returned_within_window: false,
    returned_before_contact: false,
    won_back: false,
    revenue_after_return: 0,
    churned_again_at: null,
    retained_6m: null,
    retained_12m: null,
    nps: null,
    task_team: null,
    task_status: null,
    task_value: null,
    task_follow_ups: null,
    task_reason: null,
    touches_failed: 0,
    touches_outcome_unknown: 0,
    ...overrides,
  };
  return row as JourneyFactRow;
}
