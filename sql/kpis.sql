-- The `kpis` table of one night, computed from `winback.journey_facts` by Athena (Trino) or DuckDB.
-- It returns exactly the rows of KpiAggregator.rows() (shared/domain/kpi/aggregate.ts) for the same
-- facts: same columns and order, same sorting, same nulls, bit-identical doubles (each formula is
-- written with the operations of shared/domain/kpi/stats.ts, in the same order). Keep the two in step.
-- Placeholders, in double braces, filled by fillKpiSql() (shared/domain/kpi/kpi-sql.ts):
-- dt (the night, YYYY-MM-DD) and cost_per_acquisition (a number, best as a DOUBLE literal like 2.5E2).
-- Portable on purpose: no median(), approx_percentile(), count_if(), no DECIMAL literals in arithmetic
-- (both engines would do DECIMAL maths), every count cast to INTEGER (Glue `int`; DuckDB says BIGINT),
-- every division guarded (Trino gives Infinity where DuckDB gives NULL).
WITH facts AS (
  SELECT *
  FROM winback.journey_facts
  -- DuckDB types the hive `dt` folder as DATE, Athena as a string: compare as text.
  WHERE CAST(dt AS VARCHAR) = '{{dt}}'
),
-- The grains of shared/domain/kpi/grains.ts: which key columns each keeps (the others are null).
-- Every grain is per cohort month and split by arm.
grains AS (
  SELECT *
  FROM (
    VALUES
      ('programme', false, false, false, false, false, false),
      ('policy_version', true, true, false, false, false, false),
      ('variant', true, false, false, false, false, true),
      ('segment', false, false, true, false, false, false),
      ('exit_reason', false, false, false, true, false, false),
      ('channel', false, false, false, false, true, false),
      ('fine', true, true, true, true, true, true)
  ) AS g (grain, by_policy_id, by_policy_version, by_segment, by_exit_reason, by_channel, by_variant)
),
-- Each fact folded once, into the fine grain (every key and the arm); the other grains are sums of
-- fine groups, as in the aggregator. The returned customers: eligible and back within the window,
-- before the first contact or after it.
fine AS (
  SELECT
    cohort_month, policy_id, policy_version, segment, exit_reason, channel, variant, arm,
    count(*) AS journeys,
    count(CASE WHEN eligible THEN 1 END) AS eligible,
    count(CASE WHEN eligible AND first_contact_at IS NOT NULL THEN 1 END) AS exposed,
    count(CASE WHEN eligible AND touches_sent > 0 THEN 1 END) AS contacted,
    count(CASE WHEN eligible AND touches_delivered > 0 THEN 1 END) AS delivered,
    count(CASE WHEN eligible AND touches_clicked > 0 THEN 1 END) AS clicked,
    count(CASE WHEN eligible AND returned_within_window AND returned_before_contact THEN 1 END) AS returned_before_contact,
    count(CASE WHEN eligible AND returned_within_window AND NOT COALESCE(returned_before_contact, false) THEN 1 END) AS returned,
    sum(COALESCE(message_cost, 0)) AS message_cost,
    sum(COALESCE(offer_cost, 0)) AS offer_cost,
    sum(CASE WHEN eligible AND returned_within_window THEN COALESCE(revenue_after_return, 0) ELSE 0 END) AS revenue_returned,
    count(CASE WHEN eligible AND returned_within_window AND retained_6m IS NOT NULL THEN 1 END) AS retained_6m_observed,
    count(CASE WHEN eligible AND returned_within_window AND retained_6m THEN 1 END) AS retained_6m,
    count(CASE WHEN eligible AND returned_within_window AND retained_12m IS NOT NULL THEN 1 END) AS retained_12m_observed,
    count(CASE WHEN eligible AND returned_within_window AND retained_12m THEN 1 END) AS retained_12m,
    count(CASE WHEN eligible AND returned_within_window AND nps IS NOT NULL THEN 1 END) AS nps_responses,
    count(CASE WHEN eligible AND returned_within_window AND nps >= 9 THEN 1 END) AS promoters,
    count(CASE WHEN eligible AND returned_within_window AND nps <= 6 THEN 1 END) AS detractors,
    count(task_team) AS tasks_opened,
    count(CASE WHEN task_team IS NOT NULL AND task_status = 'retained' THEN 1 END) AS tasks_retained,
    count(CASE WHEN task_team IS NOT NULL AND task_status = 'ported_away' THEN 1 END) AS tasks_ported_away,
    count(CASE WHEN task_team IS NOT NULL AND task_follow_ups > 0 THEN 1 END) AS tasks_followed_up,
    sum(COALESCE(touches_failed, 0)) AS touches_failed,
    sum(COALESCE(touches_outcome_unknown, 0)) AS touches_outcome_unknown
  FROM facts
  GROUP BY cohort_month, policy_id, policy_version, segment, exit_reason, channel, variant, arm
),
-- Every grain's groups: the fine groups summed over the keys the grain leaves out (null there).
-- Costs and revenue: the aggregator rounds each sum to 6 decimals (Math.round(x * 1e6) / 1e6),
-- which also hides any difference in summation order.
totals AS (
  SELECT
    g.grain,
    f.cohort_month,
    CASE WHEN g.by_policy_id THEN f.policy_id END AS policy_id,
    CASE WHEN g.by_policy_version THEN f.policy_version END AS policy_version,
    CASE WHEN g.by_segment THEN f.segment END AS segment,
    CASE WHEN g.by_exit_reason THEN f.exit_reason END AS exit_reason,
    CASE WHEN g.by_channel THEN f.channel END AS channel,
    CASE WHEN g.by_variant THEN f.variant END AS variant,
    f.arm,
    CAST(sum(f.journeys) AS INTEGER) AS journeys,
    CAST(sum(f.eligible) AS INTEGER) AS eligible,
    CAST(sum(f.exposed) AS INTEGER) AS exposed,
    CAST(sum(f.contacted) AS INTEGER) AS contacted,
    CAST(sum(f.delivered) AS INTEGER) AS delivered,
    CAST(sum(f.clicked) AS INTEGER) AS clicked,
    CAST(sum(f.returned_before_contact) AS INTEGER) AS returned_before_contact,
    CAST(sum(f.returned) AS INTEGER) AS returned,
    round(sum(f.message_cost), 6) AS message_cost,
    round(sum(f.offer_cost), 6) AS offer_cost,
    round(sum(f.revenue_returned), 6) AS revenue_returned,
    CAST(sum(f.retained_6m_observed) AS INTEGER) AS retained_6m_observed,
    CAST(sum(f.retained_6m) AS INTEGER) AS retained_6m,
    CAST(sum(f.retained_12m_observed) AS INTEGER) AS retained_12m_observed,
    CAST(sum(f.retained_12m) AS INTEGER) AS retained_12m,
    CAST(sum(f.nps_responses) AS INTEGER) AS nps_responses,
    CAST(sum(f.promoters) AS INTEGER) AS promoters,
    CAST(sum(f.detractors) AS INTEGER) AS detractors,
    CAST(sum(f.tasks_opened) AS INTEGER) AS tasks_opened,
    CAST(sum(f.tasks_retained) AS INTEGER) AS tasks_retained,
    CAST(sum(f.tasks_ported_away) AS INTEGER) AS tasks_ported_away,
    CAST(sum(f.tasks_followed_up) AS INTEGER) AS tasks_followed_up,
    CAST(sum(f.touches_failed) AS INTEGER) AS touches_failed,
    CAST(sum(f.touches_outcome_unknown) AS INTEGER) AS touches_outcome_unknown
  FROM fine f
  CROSS JOIN grains g
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
),
-- An exact median without median(): a histogram of days to return per fine group, summed per
-- group of every grain; then its running count c over N returns, and the smallest days with
-- 2c >= N (lower middle) and with 2c > N (upper middle).
fine_days AS (
  SELECT
    cohort_month, policy_id, policy_version, segment, exit_reason, channel, variant, arm, days_to_return,
    count(*) AS n
  FROM facts
  WHERE eligible AND returned_within_window AND days_to_return IS NOT NULL
  GROUP BY cohort_month, policy_id, policy_version, segment, exit_reason, channel, variant, arm, days_to_return
),
days_histogram AS (
  SELECT
    g.grain,
    f.cohort_month,
    CASE WHEN g.by_policy_id THEN f.policy_id END AS policy_id,
    CASE WHEN g.by_policy_version THEN f.policy_version END AS policy_version,
    CASE WHEN g.by_segment THEN f.segment END AS segment,
    CASE WHEN g.by_exit_reason THEN f.exit_reason END AS exit_reason,
    CASE WHEN g.by_channel THEN f.channel END AS channel,
    CASE WHEN g.by_variant THEN f.variant END AS variant,
    f.arm,
    f.days_to_return,
    sum(f.n) AS n
  FROM fine_days f
  CROSS JOIN grains g
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
),
days_running AS (
  SELECT
    days_histogram.*,
    sum(n) OVER (
      PARTITION BY grain, cohort_month, policy_id, policy_version, segment, exit_reason, channel, variant, arm
      ORDER BY days_to_return ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS running,
    sum(n) OVER (PARTITION BY grain, cohort_month, policy_id, policy_version, segment, exit_reason, channel, variant, arm) AS total
  FROM days_histogram
),
medians AS (
  SELECT
    grain, cohort_month, policy_id, policy_version, segment, exit_reason, channel, variant, arm,
    CAST(min(CASE WHEN 2 * running >= total THEN days_to_return END) + min(CASE WHEN 2 * running > total THEN days_to_return END) AS DOUBLE)
      / 2 AS median_days_to_return
  FROM days_running
  GROUP BY grain, cohort_month, policy_id, policy_version, segment, exit_reason, channel, variant, arm
),
-- Each treatment group beside the control group of the same grain and keys (null matching null).
paired AS (
  SELECT
    t.*,
    c.eligible AS c_eligible,
    c.exposed AS c_exposed,
    c.returned AS c_returned,
    CAST(t.returned AS DOUBLE) / NULLIF(t.eligible, 0) AS pt,
    CAST(c.returned AS DOUBLE) / NULLIF(c.eligible, 0) AS pc
  FROM totals t
  LEFT JOIN totals c
    ON t.arm = 'treatment'
    AND c.arm = 'control'
    AND c.grain = t.grain
    AND c.cohort_month IS NOT DISTINCT FROM t.cohort_month
    AND c.policy_id IS NOT DISTINCT FROM t.policy_id
    AND c.policy_version IS NOT DISTINCT FROM t.policy_version
    AND c.segment IS NOT DISTINCT FROM t.segment
    AND c.exit_reason IS NOT DISTINCT FROM t.exit_reason
    AND c.channel IS NOT DISTINCT FROM t.channel
    AND c.variant IS NOT DISTINCT FROM t.variant
),
-- compareArms(): v = p(1-p)/n per arm and the pooled rate, where both arms have someone.
variances AS (
  SELECT
    paired.*,
    CASE WHEN eligible > 0 AND c_eligible > 0 THEN pt * (1 - pt) / eligible END AS vt,
    CASE WHEN eligible > 0 AND c_eligible > 0 THEN pc * (1 - pc) / c_eligible END AS vc,
    CASE WHEN eligible > 0 AND c_eligible > 0 THEN CAST(returned + c_returned AS DOUBLE) / (eligible + c_eligible) END AS pooled
  FROM paired
),
stats AS (
  SELECT
    variances.*,
    CASE WHEN vt IS NOT NULL THEN pt - pc END AS lift,
    sqrt(vt + vc) AS lift_se,
    -- Relative lift and its delta-method standard error, where the control rate is above 0.
    CASE WHEN vt IS NOT NULL AND pc > 0 THEN pt / pc - 1 END AS relative_lift,
    CASE WHEN vt IS NOT NULL AND pc > 0 THEN sqrt(vt / (pc * pc) + pt * pt * vc / (pc * pc * pc * pc)) END AS relative_se,
    CASE WHEN vt IS NOT NULL THEN returned - pc * eligible END AS incremental_winbacks
  FROM variances
),
-- 1.959963984540054 is z for a two-sided 95% interval, 2.8015852181129683 = z(0.975) + z(0.8) for
-- 80% power; written as DOUBLE literals (E0).
intervals AS (
  SELECT
    stats.*,
    lift - 1.959963984540054E0 * lift_se AS lift_ci_low,
    lift + 1.959963984540054E0 * lift_se AS lift_ci_high,
    message_cost + offer_cost AS total_cost,
    CAST({{cost_per_acquisition}} AS DOUBLE) AS cost_per_acquisition
  FROM stats
),
costs AS (
  SELECT
    intervals.*,
    total_cost / NULLIF(returned, 0) AS cost_per_winback,
    CASE WHEN incremental_winbacks > 0 THEN total_cost / incremental_winbacks END AS cost_per_incremental_winback
  FROM intervals
)
SELECT
  p.grain,
  p.cohort_month,
  p.policy_id,
  p.policy_version,
  p.segment,
  p.exit_reason,
  p.channel,
  p.variant,
  p.arm,
  p.journeys,
  p.eligible,
  p.exposed,
  p.contacted,
  p.delivered,
  p.clicked,
  p.returned_before_contact,
  p.returned,
  p.pt AS winback_rate,
  CAST(p.returned AS DOUBLE) / NULLIF(p.exposed, 0) AS winback_rate_exposed,
  p.c_eligible AS control_eligible,
  p.c_exposed AS control_exposed,
  p.c_returned AS control_returned,
  p.pc AS control_rate,
  CAST(p.c_returned AS DOUBLE) / NULLIF(p.c_exposed, 0) AS control_rate_exposed,
  p.lift,
  p.lift_ci_low,
  p.lift_ci_high,
  p.relative_lift,
  p.relative_lift - 1.959963984540054E0 * p.relative_se AS relative_lift_ci_low,
  p.relative_lift + 1.959963984540054E0 * p.relative_se AS relative_lift_ci_high,
  p.incremental_winbacks,
  p.eligible * p.lift_ci_low AS incremental_winbacks_ci_low,
  p.eligible * p.lift_ci_high AS incremental_winbacks_ci_high,
  2.8015852181129683E0 * sqrt(p.pooled * (1 - p.pooled) * (1E0 / p.eligible + 1E0 / p.c_eligible)) AS min_detectable_lift,
  -- Too small to read: no control group, an empty arm, or fewer than 5 returns or non-returns in an arm.
  CASE
    WHEN p.arm = 'treatment' THEN
      CASE WHEN p.vt IS NULL THEN true ELSE least(p.returned, p.eligible - p.returned, p.c_returned, p.c_eligible - p.c_returned) < 5 END
  END AS too_small,
  p.message_cost,
  p.offer_cost,
  p.cost_per_winback,
  p.cost_per_incremental_winback,
  p.cost_per_acquisition,
  p.cost_per_winback / p.cost_per_acquisition AS cost_vs_acquisition,
  p.cost_per_incremental_winback / p.cost_per_acquisition AS incremental_cost_vs_acquisition,
  p.revenue_returned,
  m.median_days_to_return,
  p.retained_6m_observed,
  CAST(p.retained_6m AS DOUBLE) / NULLIF(p.retained_6m_observed, 0) AS retained_6m_rate,
  p.retained_12m_observed,
  CAST(p.retained_12m AS DOUBLE) / NULLIF(p.retained_12m_observed, 0) AS retained_12m_rate,
  p.nps_responses,
  CAST(100 * (p.promoters - p.detractors) AS DOUBLE) / NULLIF(p.nps_responses, 0) AS nps,
  p.tasks_opened,
  p.tasks_retained,
  p.tasks_ported_away,
  p.tasks_followed_up,
  CAST(p.tasks_retained AS DOUBLE) / NULLIF(p.tasks_opened, 0) AS task_retained_rate,
  CAST(p.tasks_ported_away AS DOUBLE) / NULLIF(p.tasks_opened, 0) AS task_ported_away_rate,
  p.touches_failed,
  p.touches_outcome_unknown
FROM costs p
LEFT JOIN medians m
  ON m.grain = p.grain
  AND m.cohort_month IS NOT DISTINCT FROM p.cohort_month
  AND m.policy_id IS NOT DISTINCT FROM p.policy_id
  AND m.policy_version IS NOT DISTINCT FROM p.policy_version
  AND m.segment IS NOT DISTINCT FROM p.segment
  AND m.exit_reason IS NOT DISTINCT FROM p.exit_reason
  AND m.channel IS NOT DISTINCT FROM p.channel
  AND m.variant IS NOT DISTINCT FROM p.variant
  AND m.arm IS NOT DISTINCT FROM p.arm
ORDER BY p.grain, p.cohort_month, p.policy_id, p.policy_version, p.segment, p.exit_reason, p.channel, p.variant, p.arm
