-- The funnel of the treatment arm's eligible journeys, all cohort months of the night {{dt}}
-- together: eligible → contacted → delivered → clicked → returned after a message, and the
-- customers who returned within the window before any message was sent, apart; each stage also as
-- a share of the eligible.
-- Definitions and formulas: docs/kpis.md, "The report".
WITH stages AS (
  SELECT
    CAST(count(*) AS BIGINT) AS eligible,
    CAST(count(CASE WHEN touches_sent > 0 THEN 1 END) AS BIGINT) AS contacted,
    CAST(count(CASE WHEN touches_delivered > 0 THEN 1 END) AS BIGINT) AS delivered,
    CAST(count(CASE WHEN touches_clicked > 0 THEN 1 END) AS BIGINT) AS clicked,
    CAST(count(CASE WHEN returned_within_window AND touches_sent > 0 THEN 1 END) AS BIGINT) AS returned,
    CAST(count(CASE WHEN returned_within_window AND touches_sent = 0 THEN 1 END) AS BIGINT) AS returned_before_contact
  FROM winback.journey_facts
  WHERE CAST(dt AS VARCHAR) = '{{dt}}'
    AND arm = 'treatment'
    AND eligible
)
SELECT
  eligible,
  contacted,
  delivered,
  clicked,
  returned,
  returned_before_contact,
  CAST(contacted AS DOUBLE) / NULLIF(eligible, 0) AS contacted_share,
  CAST(delivered AS DOUBLE) / NULLIF(eligible, 0) AS delivered_share,
  CAST(clicked AS DOUBLE) / NULLIF(eligible, 0) AS clicked_share,
  CAST(returned AS DOUBLE) / NULLIF(eligible, 0) AS returned_share,
  CAST(returned_before_contact AS DOUBLE) / NULLIF(eligible, 0) AS returned_before_contact_share
FROM stages
