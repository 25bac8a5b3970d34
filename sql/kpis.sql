-- The `kpis` table of one night, computed from `winback.journey_facts` by Athena (Trino) or DuckDB.
-- It returns exactly the rows of KpiAggregator.rows() (shared/domain/kpi/aggregate.ts) for the same
-- facts: same columns and order, same sorting, same nulls, bit-identical doubles. Keep the two in step.
-- Placeholders, in double braces, filled by fillKpiSql() (shared/domain/kpi/kpi-sql.ts):
-- dt (the night, YYYY-MM-DD) and cost_per_acquisition (a number, best as a DOUBLE literal like 2.5E2).
-- Portable on purpose: no median(), approx_percentile(), count_if(), no DECIMAL literals in arithmetic
-- (both engines would do DECIMAL maths), every count cast to INTEGER (Glue `int`; DuckDB says BIGINT).
WITH facts AS (
  SELECT *
  FROM winback.journey_facts
  -- DuckDB types the hive `dt` folder as DATE, Athena as a string: compare as text.
  WHERE CAST(dt AS VARCHAR) = '{{dt}}'
),
totals AS (
  SELECT
    cohort_month, segment, exit_reason, channel, variant, arm,
    CAST(count(*) AS INTEGER) AS journeys,
    CAST(count(CASE WHEN eligible THEN 1 END) AS INTEGER) AS eligible,
    CAST(count(CASE WHEN eligible AND touches_sent > 0 THEN 1 END) AS INTEGER) AS contacted,
    CAST(count(CASE WHEN eligible AND touches_delivered > 0 THEN 1 END) AS INTEGER) AS delivered,
    CAST(count(CASE WHEN eligible AND touches_clicked > 0 THEN 1 END) AS INTEGER) AS clicked,
    CAST(count(CASE WHEN eligible AND returned_within_window THEN 1 END) AS INTEGER) AS returned,
    -- Costs and revenue: the aggregator rounds each sum to 6 decimals (Math.round(x * 1e6) / 1e6),
    -- which also hides any difference in summation order.
    round(sum(COALESCE(message_cost, 0)), 6) AS message_cost,
    round(sum(COALESCE(offer_cost, 0)), 6) AS offer_cost,
    round(sum(CASE WHEN eligible AND returned_within_window THEN COALESCE(revenue_after_return, 0) ELSE 0 END), 6) AS revenue_returned,
    CAST(count(CASE WHEN eligible AND returned_within_window AND retained_6m IS NOT NULL THEN 1 END) AS INTEGER) AS retained_6m_observed,
    CAST(count(CASE WHEN eligible AND returned_within_window AND retained_6m THEN 1 END) AS INTEGER) AS retained_6m,
    CAST(count(CASE WHEN eligible AND returned_within_window AND retained_12m IS NOT NULL THEN 1 END) AS INTEGER) AS retained_12m_observed,
    CAST(count(CASE WHEN eligible AND returned_within_window AND retained_12m THEN 1 END) AS INTEGER) AS retained_12m,
    CAST(count(CASE WHEN eligible AND returned_within_window AND nps IS NOT NULL THEN 1 END) AS INTEGER) AS nps_responses,
    CAST(count(CASE WHEN eligible AND returned_within_window AND nps >= 9 THEN 1 END) AS INTEGER) AS promoters,
    CAST(count(CASE WHEN eligible AND returned_within_window AND nps <= 6 THEN 1 END) AS INTEGER) AS detractors,
    CAST(count(task_team) AS INTEGER) AS tasks_opened,
    CAST(count(CASE WHEN task_team IS NOT NULL AND task_status = 'retained' THEN 1 END) AS INTEGER) AS tasks_retained,
    CAST(count(CASE WHEN task_team IS NOT NULL AND task_status = 'ported_away' THEN 1 END) AS INTEGER) AS tasks_ported_away,
    CAST(count(CASE WHEN task_team IS NOT NULL AND task_follow_ups > 0 THEN 1 END) AS INTEGER) AS tasks_followed_up
  FROM facts
  GROUP BY cohort_month, segment, exit_reason, channel, variant, arm
),
rates AS (
  SELECT
    totals.*,
    CAST(returned AS DOUBLE) / NULLIF(eligible, 0) AS winback_rate
  FROM totals
),
-- An exact median without median(): rank the returns of each group by days to return and keep the
-- middle rank (odd count) or the two middle ranks (even count), then take their mean.
ranked_returns AS (
  SELECT
    cohort_month, segment, exit_reason, channel, variant, arm, days_to_return,
    row_number() OVER (PARTITION BY cohort_month, segment, exit_reason, channel, variant, arm ORDER BY days_to_return) AS rn,
    count(*) OVER (PARTITION BY cohort_month, segment, exit_reason, channel, variant, arm) AS n
  FROM facts
  WHERE eligible AND returned_within_window AND days_to_return IS NOT NULL
),
medians AS (
  SELECT
    cohort_month, segment, exit_reason, channel, variant, arm,
    CAST(sum(days_to_return) AS DOUBLE) / count(*) AS median_days_to_return
  FROM ranked_returns
  WHERE 2 * rn BETWEEN n AND n + 2
  GROUP BY cohort_month, segment, exit_reason, channel, variant, arm
),
-- Each treatment group beside the control group that differs from it only by arm.
paired AS (
  SELECT
    t.*,
    c.winback_rate AS control_rate,
    CASE WHEN c.eligible > 0 THEN t.winback_rate - c.winback_rate END AS lift,
    CASE WHEN c.eligible > 0 THEN sqrt(
      t.winback_rate * (1 - t.winback_rate) / NULLIF(t.eligible, 0)
      + c.winback_rate * (1 - c.winback_rate) / c.eligible
    ) END AS lift_se,
    (t.message_cost + t.offer_cost) / NULLIF(t.returned, 0) AS cost_per_winback,
    CAST({{cost_per_acquisition}} AS DOUBLE) AS cost_per_acquisition
  FROM rates t
  LEFT JOIN rates c
    ON t.arm = 'treatment'
    AND c.arm = 'control'
    AND c.cohort_month = t.cohort_month
    AND c.segment = t.segment
    AND c.exit_reason = t.exit_reason
    AND c.channel = t.channel
    AND c.variant = t.variant
)
SELECT
  p.cohort_month,
  p.segment,
  p.exit_reason,
  p.channel,
  p.variant,
  p.arm,
  p.journeys,
  p.eligible,
  p.contacted,
  p.delivered,
  p.clicked,
  p.returned,
  p.winback_rate,
  p.control_rate,
  p.lift,
  -- 1.959963984540054 is z for a two-sided 95% interval, written as a DOUBLE literal (E0).
  p.lift - 1.959963984540054E0 * p.lift_se AS lift_ci_low,
  p.lift + 1.959963984540054E0 * p.lift_se AS lift_ci_high,
  p.message_cost,
  p.offer_cost,
  p.cost_per_winback,
  p.cost_per_acquisition,
  p.cost_per_winback / p.cost_per_acquisition AS cost_vs_acquisition,
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
  CAST(p.tasks_ported_away AS DOUBLE) / NULLIF(p.tasks_opened, 0) AS task_ported_away_rate
FROM paired p
LEFT JOIN medians m
  -- Null-safe: a group with a null key still gets its own median (the control pairing above
  -- uses plain equality on purpose: a null key is paired with no control, as in the aggregator).
  ON m.cohort_month IS NOT DISTINCT FROM p.cohort_month
  AND m.segment IS NOT DISTINCT FROM p.segment
  AND m.exit_reason IS NOT DISTINCT FROM p.exit_reason
  AND m.channel IS NOT DISTINCT FROM p.channel
  AND m.variant IS NOT DISTINCT FROM p.variant
  AND m.arm IS NOT DISTINCT FROM p.arm
ORDER BY p.cohort_month, p.segment, p.exit_reason, p.channel, p.variant, p.arm
