-- Treatment against control, for the report, in five grains (column `grain`), for the night {{dt}}:
--   programme    per cohort month: the kpis table's programme rows, as they are;
--   variant      per cohort month, policy and A/B variant: the kpis table's variant rows, with the
--                winner where its lead over the next best variant is significant;
--   segment, exit_reason, channel   per value (`grain_value`), all cohort months of the night together
--                (`cohort_month` null): the kpis rows of that grain, counts summed over the cohort
--                months and the statistics recomputed from them with the kpis table's formulas.
-- Each row: both arms' win-back rates with 95% Wilson intervals, the lift (absolute, Wald; relative,
-- delta method) with 95% intervals, incremental win-backs, the minimum detectable lift, cost per
-- incremental win-back against cost per acquisition, and the too-small flag. Groups without an
-- eligible journey are left out. Definitions and formulas: docs/kpis.md, "The report".
WITH night AS (
  SELECT *
  FROM winback.kpis
  -- DuckDB types the hive `dt` folder as DATE, Athena as a string: compare as text.
  WHERE CAST(dt AS VARCHAR) = '{{dt}}'
),
-- Programme and variants: the treatment rows carry the comparison with their control row.
direct AS (
  SELECT
    grain,
    cohort_month,
    CASE WHEN grain = 'variant' THEN policy_id END AS policy_id,
    CASE WHEN grain = 'variant' THEN variant END AS grain_value,
    CAST(eligible AS BIGINT) AS treatment_eligible,
    CAST(returned AS BIGINT) AS treatment_returned,
    -- Null without a control group, as in the kpis table.
    CAST(control_eligible AS BIGINT) AS control_eligible,
    CAST(control_returned AS BIGINT) AS control_returned,
    winback_rate AS treatment_rate,
    control_rate,
    lift, lift_ci_low, lift_ci_high,
    relative_lift, relative_lift_ci_low, relative_lift_ci_high,
    incremental_winbacks, incremental_winbacks_ci_low, incremental_winbacks_ci_high,
    min_detectable_lift,
    too_small,
    round(message_cost + offer_cost, 6) AS total_cost,
    cost_per_incremental_winback,
    cost_per_acquisition,
    incremental_cost_vs_acquisition
  FROM night
  WHERE grain IN ('programme', 'variant')
    AND arm = 'treatment'
    AND eligible + COALESCE(control_eligible, 0) > 0
),
-- Breakdowns: both arms' counts of each value, summed over the cohort months.
summed AS (
  SELECT
    grain,
    CAST(NULL AS VARCHAR) AS cohort_month,
    CAST(NULL AS VARCHAR) AS policy_id,
    CASE grain WHEN 'segment' THEN segment WHEN 'exit_reason' THEN exit_reason ELSE channel END AS grain_value,
    CAST(sum(CASE WHEN arm = 'treatment' THEN eligible ELSE 0 END) AS BIGINT) AS treatment_eligible,
    CAST(sum(CASE WHEN arm = 'treatment' THEN returned ELSE 0 END) AS BIGINT) AS treatment_returned,
    CAST(sum(CASE WHEN arm = 'control' THEN eligible ELSE 0 END) AS BIGINT) AS control_eligible,
    CAST(sum(CASE WHEN arm = 'control' THEN returned ELSE 0 END) AS BIGINT) AS control_returned,
    -- Only the treatment arm is sent anything: the control's messages are withheld.
    round(sum(CASE WHEN arm = 'treatment' THEN message_cost + offer_cost ELSE 0 END), 6) AS total_cost,
    max(cost_per_acquisition) AS cost_per_acquisition
  FROM night
  WHERE grain IN ('segment', 'exit_reason', 'channel')
  GROUP BY grain, CASE grain WHEN 'segment' THEN segment WHEN 'exit_reason' THEN exit_reason ELSE channel END
  HAVING sum(eligible) > 0
),
-- The kpis table's formulas (sql/kpis.sql), on the summed counts: v = p(1-p)/n per arm where both
-- arms have someone, and the pooled rate.
summed_rates AS (
  SELECT
    summed.*,
    CAST(treatment_returned AS DOUBLE) / NULLIF(treatment_eligible, 0) AS pt,
    CAST(control_returned AS DOUBLE) / NULLIF(control_eligible, 0) AS pc
  FROM summed
),
summed_variances AS (
  SELECT
    summed_rates.*,
    CASE WHEN treatment_eligible > 0 AND control_eligible > 0 THEN pt * (1 - pt) / treatment_eligible END AS vt,
    CASE WHEN treatment_eligible > 0 AND control_eligible > 0 THEN pc * (1 - pc) / control_eligible END AS vc,
    CASE WHEN treatment_eligible > 0 AND control_eligible > 0
      THEN CAST(treatment_returned + control_returned AS DOUBLE) / (treatment_eligible + control_eligible) END AS pooled
  FROM summed_rates
),
summed_stats AS (
  SELECT
    summed_variances.*,
    CASE WHEN vt IS NOT NULL THEN pt - pc END AS lift,
    sqrt(vt + vc) AS lift_se,
    CASE WHEN vt IS NOT NULL AND pc > 0 THEN pt / pc - 1 END AS relative_lift,
    CASE WHEN vt IS NOT NULL AND pc > 0 THEN sqrt(vt / (pc * pc) + pt * pt * vc / (pc * pc * pc * pc)) END AS relative_se,
    CASE WHEN vt IS NOT NULL THEN treatment_returned - pc * treatment_eligible END AS incremental_winbacks
  FROM summed_variances
),
breakdowns AS (
  SELECT
    grain, cohort_month, policy_id, grain_value,
    treatment_eligible, treatment_returned, control_eligible, control_returned,
    pt AS treatment_rate,
    pc AS control_rate,
    lift,
    lift - 1.959963984540054E0 * lift_se AS lift_ci_low,
    lift + 1.959963984540054E0 * lift_se AS lift_ci_high,
    relative_lift,
    relative_lift - 1.959963984540054E0 * relative_se AS relative_lift_ci_low,
    relative_lift + 1.959963984540054E0 * relative_se AS relative_lift_ci_high,
    incremental_winbacks,
    treatment_eligible * (lift - 1.959963984540054E0 * lift_se) AS incremental_winbacks_ci_low,
    treatment_eligible * (lift + 1.959963984540054E0 * lift_se) AS incremental_winbacks_ci_high,
    2.8015852181129683E0 * sqrt(pooled * (1 - pooled) * (1E0 / treatment_eligible + 1E0 / control_eligible)) AS min_detectable_lift,
    CASE WHEN vt IS NULL THEN true
      ELSE least(treatment_returned, treatment_eligible - treatment_returned, control_returned, control_eligible - control_returned) < 5
    END AS too_small,
    total_cost,
    CASE WHEN incremental_winbacks > 0 THEN total_cost / incremental_winbacks END AS cost_per_incremental_winback,
    cost_per_acquisition,
    CASE WHEN incremental_winbacks > 0 THEN total_cost / incremental_winbacks / cost_per_acquisition END AS incremental_cost_vs_acquisition
  FROM summed_stats
),
groups AS (
  SELECT * FROM direct
  UNION ALL
  SELECT * FROM breakdowns
),
-- Wilson score interval of each arm's rate (centre ± half-width), and each variant against the
-- next best variant of its cohort month and policy by treatment win-back rate.
ranked AS (
  SELECT
    groups.*,
    CAST(NULLIF(treatment_eligible, 0) AS DOUBLE) AS nt,
    CAST(NULLIF(control_eligible, 0) AS DOUBLE) AS nc,
    1.959963984540054E0 AS z,
    row_number() OVER (PARTITION BY grain, cohort_month, policy_id ORDER BY treatment_rate DESC NULLS LAST, grain_value) AS rate_rank,
    lead(treatment_rate) OVER (PARTITION BY grain, cohort_month, policy_id ORDER BY treatment_rate DESC NULLS LAST, grain_value) AS next_rate,
    lead(treatment_eligible) OVER (PARTITION BY grain, cohort_month, policy_id ORDER BY treatment_rate DESC NULLS LAST, grain_value) AS next_n,
    lead(treatment_returned) OVER (PARTITION BY grain, cohort_month, policy_id ORDER BY treatment_rate DESC NULLS LAST, grain_value) AS next_returned
  FROM groups
),
leads AS (
  SELECT
    ranked.*,
    (treatment_rate + z * z / (2 * nt)) / (1 + z * z / nt) AS treatment_centre,
    z * sqrt(treatment_rate * (1 - treatment_rate) / nt + z * z / (4 * nt * nt)) / (1 + z * z / nt) AS treatment_half,
    (control_rate + z * z / (2 * nc)) / (1 + z * z / nc) AS control_centre,
    z * sqrt(control_rate * (1 - control_rate) / nc + z * z / (4 * nc * nc)) / (1 + z * z / nc) AS control_half,
    CASE WHEN grain = 'variant' AND rate_rank = 1 THEN treatment_rate - next_rate END AS lead_over_next,
    CASE WHEN grain = 'variant' AND rate_rank = 1 THEN
      sqrt(treatment_rate * (1 - treatment_rate) / nt + next_rate * (1 - next_rate) / next_n)
    END AS lead_se
  FROM ranked
)
SELECT
  grain,
  cohort_month,
  policy_id,
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
  lift_ci_low,
  lift_ci_high,
  relative_lift,
  relative_lift_ci_low,
  relative_lift_ci_high,
  incremental_winbacks,
  incremental_winbacks_ci_low,
  incremental_winbacks_ci_high,
  min_detectable_lift,
  total_cost,
  cost_per_incremental_winback,
  cost_per_acquisition,
  incremental_cost_vs_acquisition,
  too_small,
  lead_over_next,
  lead_over_next - z * lead_se AS lead_over_next_ci_low,
  lead_over_next + z * lead_se AS lead_over_next_ci_high,
  -- The winner: the best variant of its cohort month and policy, when its lead over the next best
  -- is significant (the interval lies above 0) and both have 5 returns and 5 non-returns or more.
  COALESCE(
    grain = 'variant' AND rate_rank = 1 AND lead_over_next - z * lead_se > 0
    AND treatment_returned >= 5 AND treatment_eligible - treatment_returned >= 5
    AND next_returned >= 5 AND next_n - next_returned >= 5,
    false
  ) AS winner
FROM leads
ORDER BY
  CASE grain WHEN 'programme' THEN 1 WHEN 'variant' THEN 2 WHEN 'segment' THEN 3 WHEN 'exit_reason' THEN 4 ELSE 5 END,
  cohort_month,
  policy_id,
  grain_value
