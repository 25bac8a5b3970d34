-- Incremental lift of each variant over the control group by cohort month, with its 95% confidence interval (two proportions, Wald), recomputed from the summed counts of the latest night's kpis.
-- Rates are never averaged: counts are summed over segments, exit reasons and channels first.
-- An interval entirely above 0 means the treatment brings back more customers than doing nothing.
WITH arms AS (
  SELECT
    cohort_month,
    variant,
    sum(CASE WHEN arm = 'treatment' THEN eligible ELSE 0 END) AS treatment_eligible,
    sum(CASE WHEN arm = 'treatment' THEN returned ELSE 0 END) AS treatment_returned,
    sum(CASE WHEN arm = 'control' THEN eligible ELSE 0 END) AS control_eligible,
    sum(CASE WHEN arm = 'control' THEN returned ELSE 0 END) AS control_returned
  FROM winback.kpis
  WHERE dt = (SELECT max(dt) FROM winback.kpis)
  GROUP BY cohort_month, variant
),
rates AS (
  SELECT
    arms.*,
    CAST(treatment_returned AS DOUBLE) / NULLIF(treatment_eligible, 0) AS treatment_rate,
    CAST(control_returned AS DOUBLE) / NULLIF(control_eligible, 0) AS control_rate
  FROM arms
),
lifts AS (
  SELECT
    rates.*,
    treatment_rate - control_rate AS lift,
    sqrt(treatment_rate * (1 - treatment_rate) / NULLIF(treatment_eligible, 0) + control_rate * (1 - control_rate) / NULLIF(control_eligible, 0)) AS lift_se
  FROM rates
)
SELECT
  cohort_month,
  variant,
  CAST(treatment_eligible AS BIGINT) AS treatment_eligible,
  CAST(treatment_returned AS BIGINT) AS treatment_returned,
  treatment_rate,
  CAST(control_eligible AS BIGINT) AS control_eligible,
  CAST(control_returned AS BIGINT) AS control_returned,
  control_rate,
  lift,
  -- z of a two-sided 95% interval, as a DOUBLE literal (E0) so neither engine does DECIMAL maths.
  lift - 1.959963984540054E0 * lift_se AS lift_ci_low,
  lift + 1.959963984540054E0 * lift_se AS lift_ci_high
FROM lifts
ORDER BY cohort_month, variant
