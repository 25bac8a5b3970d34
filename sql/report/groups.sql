-- Treatment against control, for the report, in five grains (column `grain`), for the night {{dt}}:
--   programme    per cohort month;
--   variant      per cohort month and A/B variant (`grain_value`), with the winner where significant;
--   segment, exit_reason, channel   per value (`grain_value`), all cohort months of the night together
--                (`cohort_month` null).
-- Each row: both arms' win-back rates with 95% Wilson intervals, the lift with its 95% Wald
-- interval, incremental win-backs, cost per incremental win-back against cost per acquisition, and
-- a too-small flag. Counts are summed over the night's kpis rows first; rates are never averaged.
-- Groups without an eligible journey are left out.
-- Definitions and formulas: docs/kpis.md, "The report".
WITH night AS (
  SELECT *
  FROM winback.kpis
  -- DuckDB types the hive `dt` folder as DATE, Athena as a string: compare as text.
  WHERE CAST(dt AS VARCHAR) = '{{dt}}'
),
keyed AS (
  SELECT 'programme' AS grain, cohort_month, CAST(NULL AS VARCHAR) AS grain_value, arm, eligible, returned,
    message_cost + offer_cost AS cost, cost_per_acquisition
  FROM night
  UNION ALL
  SELECT 'variant', cohort_month, variant, arm, eligible, returned, message_cost + offer_cost, cost_per_acquisition FROM night
  UNION ALL
  SELECT 'segment', CAST(NULL AS VARCHAR), segment, arm, eligible, returned, message_cost + offer_cost, cost_per_acquisition FROM night
  UNION ALL
  SELECT 'exit_reason', CAST(NULL AS VARCHAR), exit_reason, arm, eligible, returned, message_cost + offer_cost, cost_per_acquisition
  FROM night
  UNION ALL
  SELECT 'channel', CAST(NULL AS VARCHAR), channel, arm, eligible, returned, message_cost + offer_cost, cost_per_acquisition FROM night
),
arms AS (
  SELECT
    grain,
    cohort_month,
    grain_value,
    CAST(sum(CASE WHEN arm = 'treatment' THEN eligible ELSE 0 END) AS BIGINT) AS treatment_eligible,
    CAST(sum(CASE WHEN arm = 'treatment' THEN returned ELSE 0 END) AS BIGINT) AS treatment_returned,
    CAST(sum(CASE WHEN arm = 'control' THEN eligible ELSE 0 END) AS BIGINT) AS control_eligible,
    CAST(sum(CASE WHEN arm = 'control' THEN returned ELSE 0 END) AS BIGINT) AS control_returned,
    -- Only the treatment arm is sent anything: the control's messages are withheld.
    round(sum(CASE WHEN arm = 'treatment' THEN cost ELSE 0 END), 6) AS total_cost,
    max(cost_per_acquisition) AS cost_per_acquisition
  FROM keyed
  GROUP BY grain, cohort_month, grain_value
  -- A group with no eligible journey in either arm (only ineligible churns) has nothing to show.
  HAVING sum(eligible) > 0
),
rates AS (
  SELECT
    arms.*,
    -- The arms' sizes as doubles, null when empty: every formula below is then null, never a
    -- division by zero (an error or Infinity, depending on the engine).
    CAST(NULLIF(treatment_eligible, 0) AS DOUBLE) AS nt,
    CAST(NULLIF(control_eligible, 0) AS DOUBLE) AS nc,
    CAST(treatment_returned AS DOUBLE) / NULLIF(treatment_eligible, 0) AS treatment_rate,
    CAST(control_returned AS DOUBLE) / NULLIF(control_eligible, 0) AS control_rate,
    -- z of a two-sided 95% interval, as a DOUBLE literal (E0) so neither engine does DECIMAL maths.
    1.959963984540054E0 AS z,
    -- Readable only with at least 5 returns and 5 non-returns in each arm.
    (
      treatment_returned < 5 OR treatment_eligible - treatment_returned < 5
      OR control_returned < 5 OR control_eligible - control_returned < 5
    ) AS too_small
  FROM arms
),
lifts AS (
  SELECT
    rates.*,
    treatment_rate - control_rate AS lift,
    sqrt(treatment_rate * (1 - treatment_rate) / nt + control_rate * (1 - control_rate) / nc) AS lift_se,
    treatment_returned - control_rate * nt AS incremental_winbacks,
    -- Wilson score interval of each rate: centre and half-width.
    (treatment_rate + z * z / (2 * nt)) / (1 + z * z / nt) AS treatment_centre,
    z * sqrt(treatment_rate * (1 - treatment_rate) / nt + z * z / (4 * nt * nt)) / (1 + z * z / nt) AS treatment_half,
    (control_rate + z * z / (2 * nc)) / (1 + z * z / nc) AS control_centre,
    z * sqrt(control_rate * (1 - control_rate) / nc + z * z / (4 * nc * nc)) / (1 + z * z / nc) AS control_half,
    -- Variants: each against the next best by treatment win-back rate in its cohort month.
    row_number() OVER (PARTITION BY grain, cohort_month ORDER BY treatment_rate DESC NULLS LAST, grain_value) AS rate_rank,
    lead(treatment_rate) OVER (PARTITION BY grain, cohort_month ORDER BY treatment_rate DESC NULLS LAST, grain_value) AS next_rate,
    lead(nt) OVER (PARTITION BY grain, cohort_month ORDER BY treatment_rate DESC NULLS LAST, grain_value) AS next_n,
    lead(treatment_returned) OVER (PARTITION BY grain, cohort_month ORDER BY treatment_rate DESC NULLS LAST, grain_value) AS next_returned
  FROM rates
),
leads AS (
  SELECT
    lifts.*,
    CASE WHEN grain = 'variant' AND rate_rank = 1 THEN treatment_rate - next_rate END AS lead_over_next,
    CASE WHEN grain = 'variant' AND rate_rank = 1 THEN
      sqrt(treatment_rate * (1 - treatment_rate) / nt + next_rate * (1 - next_rate) / next_n)
    END AS lead_se
  FROM lifts
)
SELECT
  grain,
  cohort_month,
  grain_value,
  treatment_eligible,
  treatment_returned,
  treatment_rate,
  treatment_centre - treatment_half AS treatment_rate_ci_low,
  treatment_centre + treatment_half AS treatment_rate_ci_high,
  control_eligible,
  control_returned,
  control_rate,
  control_centre - control_half AS control_rate_ci_low,
  control_centre + control_half AS control_rate_ci_high,
  lift,
  lift - z * lift_se AS lift_ci_low,
  lift + z * lift_se AS lift_ci_high,
  incremental_winbacks,
  nt * (lift - z * lift_se) AS incremental_winbacks_ci_low,
  nt * (lift + z * lift_se) AS incremental_winbacks_ci_high,
  total_cost,
  CASE WHEN incremental_winbacks > 0 THEN total_cost / incremental_winbacks END AS cost_per_incremental_winback,
  cost_per_acquisition,
  CASE WHEN incremental_winbacks > 0 THEN total_cost / incremental_winbacks / cost_per_acquisition END AS incremental_cost_vs_acquisition,
  too_small,
  lead_over_next,
  lead_over_next - z * lead_se AS lead_over_next_ci_low,
  lead_over_next + z * lead_se AS lead_over_next_ci_high,
  -- The winner: the best variant of its cohort month, when its lead over the next best is
  -- significant (the interval lies above 0) and both have 5 returns and 5 non-returns or more.
  COALESCE(
    grain = 'variant' AND rate_rank = 1 AND lead_over_next - z * lead_se > 0
    AND treatment_returned >= 5 AND nt - treatment_returned >= 5
    AND next_returned >= 5 AND next_n - next_returned >= 5,
    false
  ) AS winner
FROM leads
ORDER BY
  CASE grain WHEN 'programme' THEN 1 WHEN 'variant' THEN 2 WHEN 'segment' THEN 3 WHEN 'exit_reason' THEN 4 ELSE 5 END,
  cohort_month,
  grain_value
