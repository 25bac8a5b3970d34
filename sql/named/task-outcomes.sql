-- Retention tasks by cohort month, team and reason for leaving, from the latest night's journey facts: how many were opened, and how many the team retained, lost or followed up.
-- The reason is the one the team heard (task_reason), else the one upstream gave (exit_reason): count them for continuous improvement.
-- The retention team's lift (tasks against escalated accounts held out of one, escalation.holdoutPercent) is in the channel = 'task' rows of kpis_latest.
SELECT
  cohort_month,
  task_team AS team,
  COALESCE(task_reason, exit_reason) AS reason,
  CAST(count(*) AS BIGINT) AS tasks_opened,
  CAST(count(CASE WHEN task_status = 'retained' THEN 1 END) AS BIGINT) AS retained,
  CAST(count(CASE WHEN task_status = 'ported_away' THEN 1 END) AS BIGINT) AS ported_away,
  CAST(count(CASE WHEN task_follow_ups > 0 THEN 1 END) AS BIGINT) AS followed_up,
  CAST(count(CASE WHEN task_status = 'retained' THEN 1 END) AS DOUBLE) / count(*) AS retained_rate
FROM winback.journey_facts_latest
WHERE task_team IS NOT NULL
GROUP BY cohort_month, task_team, COALESCE(task_reason, exit_reason)
ORDER BY cohort_month, team, reason
