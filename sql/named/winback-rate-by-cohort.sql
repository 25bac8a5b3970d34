-- Win-back rate by cohort month and arm (treatment vs control hold-out), by intention to treat: eligible journeys, win-backs (back within the conversion window after the first contact), and their ratio, from the programme rows of the latest night.
-- Portable: runs unchanged in Athena (database winback) and in `npm run query` (DuckDB).
-- kpis_latest holds the latest night only, and the programme grain one row per cohort month and arm: nothing is counted twice.
SELECT
  cohort_month,
  arm,
  journeys,
  eligible,
  returned,
  winback_rate
FROM winback.kpis_latest
WHERE grain = 'programme'
ORDER BY cohort_month, arm
