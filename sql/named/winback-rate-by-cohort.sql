-- Win-back rate by cohort month and arm (treatment vs control hold-out): eligible journeys, returns within the conversion window, and their ratio, from the latest night's kpis.
-- Portable: runs unchanged in Athena (database winback) and in `npm run query` (DuckDB).
SELECT
  cohort_month,
  arm,
  CAST(sum(journeys) AS BIGINT) AS journeys,
  CAST(sum(eligible) AS BIGINT) AS eligible,
  CAST(sum(returned) AS BIGINT) AS returned,
  CAST(sum(returned) AS DOUBLE) / NULLIF(sum(eligible), 0) AS winback_rate
FROM winback.kpis
WHERE dt = (SELECT max(dt) FROM winback.kpis)
GROUP BY cohort_month, arm
ORDER BY cohort_month, arm
