-- Retention of returned customers at 6 and 12 months by cohort month (both arms), as of the latest night: each rate over the returned customers whose mark has passed, from the programme rows.
-- Returned customers are the eligible journeys back within the conversion window, before the first contact or after it; those whose 6- or 12-month mark is still ahead are not observable yet and are left out of that rate.
SELECT
  cohort_month,
  CAST(sum(returned_before_contact + returned) AS BIGINT) AS returned,
  CAST(sum(retained_6m_observed) AS BIGINT) AS retained_6m_observed,
  sum(retained_6m_rate * retained_6m_observed) / NULLIF(sum(retained_6m_observed), 0) AS retained_6m_rate,
  CAST(sum(retained_12m_observed) AS BIGINT) AS retained_12m_observed,
  sum(retained_12m_rate * retained_12m_observed) / NULLIF(sum(retained_12m_observed), 0) AS retained_12m_rate
FROM winback.kpis_latest
WHERE grain = 'programme'
GROUP BY cohort_month
ORDER BY cohort_month
