-- Retention tasks by cohort month, team and reason for leaving, from the latest night's journey facts: how many were opened, and how many the team retained, lost or followed up.
-- The reason is the one the team heard (task_reason), else the one upstream gave (exit_reason): count them for continuous improvement.
SELECT
  cohort_month,
  task_team AS team,
  COALESCE(task_reason, exit_reason) AS reason,
  CAST(count(*) AS BIGINT) AS tasks_opened,
  CAST(count(CASE WHEN task_status = 'retained' THEN 1 END) AS BIGINT) AS retained,
  CAST(count(CASE WHEN task_status = 'ported_away' THEN 1 END) AS BIGINT) AS ported_away,
  CAST(count(CASE WHEN task_follow_ups > 0 THEN 1 END) AS BIGINT) AS followed_up,
  CAST(count(CASE WHEN task_status = 'retained' THEN 1 END) AS DOUBLE) / count(*) AS retained_rate
FROM winback.journey_facts
WHERE dt = (SELECT max(dt) FROM winback.journey_facts)
  AND task_team IS NOT NULL
GROUP BY cohort_month, task_team, COALESCE(task_reason, exit_reason)
ORDER BY cohort_month, team, reason
