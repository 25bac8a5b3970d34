/**
 * The grains of the `kpis` table: each fact counts once in every grain, in the group of the
 * grain's key columns (the other key columns are null in that grain's rows), each group split by
 * arm. Every grain is per cohort month. `sql/kpis.sql` lists the same grains in its `grains` CTE.
 */

/** The key columns of a `kpis` row besides `grain` and `arm`, in the table's order. */
export const KEY_COLUMNS = ['cohort_month', 'policy_id', 'policy_version', 'segment', 'exit_reason', 'channel', 'variant'] as const;

export type KeyColumn = (typeof KEY_COLUMNS)[number];

export const GRAINS = {
  /** The whole programme, per cohort month. */
  programme: ['cohort_month'],
  /** Per policy version (of a policy id): the lift of a change of policy. */
  policy_version: ['cohort_month', 'policy_id', 'policy_version'],
  /** Per A/B variant of a policy: which variant wins. */
  variant: ['cohort_month', 'policy_id', 'variant'],
  /** Per value tier. */
  segment: ['cohort_month', 'segment'],
  /** Per reason for leaving. */
  exit_reason: ['cohort_month', 'exit_reason'],
  /** Per channel of the first touch (`task`: escalated accounts, the retention team's lift). */
  channel: ['cohort_month', 'channel'],
  /** Every key at once: small groups, mostly too small to read alone; sum them to any other cut. */
  fine: KEY_COLUMNS,
} as const satisfies Record<string, readonly KeyColumn[]>;

export type Grain = keyof typeof GRAINS;

export const GRAIN_NAMES = Object.keys(GRAINS) as Grain[];
