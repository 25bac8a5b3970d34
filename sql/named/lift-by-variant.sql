-- Lift of each A/B variant over the control group by cohort month and policy, with 95% intervals (absolute: Wald; relative: delta method), the incremental win-backs and the variant leading its cohort month, from the variant rows of the latest night.
-- A lift whose interval lies entirely above 0 means the variant brings back more customers than doing nothing; read no row flagged too_small.
-- leading marks the variant with the highest lift in its cohort month and policy (ties: the first variant id).
SELECT
  cohort_month,
  policy_id,
  variant,
  eligible AS treatment_eligible,
  returned AS treatment_returned,
  winback_rate AS treatment_rate,
  control_eligible,
  control_returned,
  control_rate,
  lift,
  lift_ci_low,
  lift_ci_high,
  relative_lift,
  relative_lift_ci_low,
  relative_lift_ci_high,
  incremental_winbacks,
  cost_per_incremental_winback,
  min_detectable_lift,
  too_small,
  row_number() OVER (PARTITION BY cohort_month, policy_id ORDER BY lift DESC NULLS LAST, variant) = 1 AS leading
FROM winback.kpis_latest
WHERE grain = 'variant'
  AND arm = 'treatment'
ORDER BY cohort_month, policy_id, variant
