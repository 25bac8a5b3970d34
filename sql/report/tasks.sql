-- Retention tasks by team and outcome (the task's status), all cohort months of the night {{dt}}:
-- how many accounts each team was handed, and what became of them.
-- Definitions: docs/kpis.md, "The report".
SELECT
  task_team AS team,
  task_status AS outcome,
  CAST(count(*) AS BIGINT) AS tasks
FROM winback.journey_facts
WHERE CAST(dt AS VARCHAR) = '{{dt}}'
  AND task_team IS NOT NULL
GROUP BY task_team, task_status
ORDER BY
  team,
  CASE task_status
    WHEN 'open' THEN 1 WHEN 'follow_up' THEN 2 WHEN 'retained' THEN 3 WHEN 'ported_away' THEN 4 WHEN 'customer_returned' THEN 5 ELSE 6
  END
