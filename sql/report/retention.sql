-- Retention of returned customers at 6 and 12 months, with 95% Wilson intervals, and their NPS,
-- per cohort month (both arms; the kpis table's programme rows), for the night {{dt}}. A customer
-- counts in a retention rate once their 6- or 12-month mark has passed by the night's date.
-- Definitions and formulas: docs/kpis.md, "The report".
WITH night AS (
  SELECT *
  FROM winback.kpis
  WHERE CAST(dt AS VARCHAR) = '{{dt}}'
    AND grain = 'programme'
),
months AS (
  SELECT
    cohort_month,
    -- The returned customers: win-backs and those back before the first contact alike.
    CAST(sum(returned + returned_before_contact) AS BIGINT) AS returned,
    CAST(sum(retained_6m_observed) AS BIGINT) AS retained_6m_observed,
    -- Each row's rate times its observed customers is its count of retained customers.
    CAST(round(sum(COALESCE(retained_6m_rate * retained_6m_observed, 0))) AS BIGINT) AS retained_6m,
    CAST(sum(retained_12m_observed) AS BIGINT) AS retained_12m_observed,
    CAST(round(sum(COALESCE(retained_12m_rate * retained_12m_observed, 0))) AS BIGINT) AS retained_12m,
    CAST(sum(nps_responses) AS BIGINT) AS nps_responses,
    -- NPS is linear in the answers: the responses-weighted mean of the rows' scores is the score of all.
    sum(COALESCE(nps * nps_responses, 0)) / NULLIF(sum(nps_responses), 0) AS nps
  FROM night
  GROUP BY cohort_month
  -- Cohort months with no return have nothing to show.
  HAVING sum(returned + returned_before_contact) > 0
),
rates AS (
  SELECT
    months.*,
    CAST(NULLIF(retained_6m_observed, 0) AS DOUBLE) AS n6,
    CAST(NULLIF(retained_12m_observed, 0) AS DOUBLE) AS n12,
    CAST(retained_6m AS DOUBLE) / NULLIF(retained_6m_observed, 0) AS retained_6m_rate,
    CAST(retained_12m AS DOUBLE) / NULLIF(retained_12m_observed, 0) AS retained_12m_rate,
    1.959963984540054E0 AS z
  FROM months
),
wilson AS (
  SELECT
    rates.*,
    (retained_6m_rate + z * z / (2 * n6)) / (1 + z * z / n6) AS centre_6m,
    z * sqrt(retained_6m_rate * (1 - retained_6m_rate) / n6 + z * z / (4 * n6 * n6)) / (1 + z * z / n6) AS half_6m,
    (retained_12m_rate + z * z / (2 * n12)) / (1 + z * z / n12) AS centre_12m,
    z * sqrt(retained_12m_rate * (1 - retained_12m_rate) / n12 + z * z / (4 * n12 * n12)) / (1 + z * z / n12) AS half_12m
  FROM rates
)
SELECT
  cohort_month,
  returned,
  retained_6m_observed,
  retained_6m,
  retained_6m_rate,
  centre_6m - half_6m AS retained_6m_ci_low,
  centre_6m + half_6m AS retained_6m_ci_high,
  -- Below 10 customers, one customer moves a rate (or the score) by more than 10 points.
  retained_6m_observed < 10 AS retained_6m_too_small,
  retained_12m_observed,
  retained_12m,
  retained_12m_rate,
  centre_12m - half_12m AS retained_12m_ci_low,
  centre_12m + half_12m AS retained_12m_ci_high,
  retained_12m_observed < 10 AS retained_12m_too_small,
  nps_responses,
  nps,
  nps_responses < 10 AS nps_too_small
FROM wilson
ORDER BY cohort_month
