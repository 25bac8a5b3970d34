-- The funnel of the treatment arm's eligible journeys, all cohort months of the night {{dt}}
-- together (the kpis table's programme rows, summed): eligible → contacted → delivered → clicked →
-- won back (returned within the window after the first contact), and the customers back before
-- the first contact, apart; each stage also as a share of the eligible. And beside it the messages
-- that failed, and among them those whose outcome is unknown (they may have gone out).
-- Definitions and formulas: docs/kpis.md, "The report".
WITH stages AS (
  SELECT
    CAST(COALESCE(sum(eligible), 0) AS BIGINT) AS eligible,
    CAST(COALESCE(sum(contacted), 0) AS BIGINT) AS contacted,
    CAST(COALESCE(sum(delivered), 0) AS BIGINT) AS delivered,
    CAST(COALESCE(sum(clicked), 0) AS BIGINT) AS clicked,
    CAST(COALESCE(sum(returned), 0) AS BIGINT) AS returned,
    CAST(COALESCE(sum(returned_before_contact), 0) AS BIGINT) AS returned_before_contact,
    CAST(COALESCE(sum(touches_failed), 0) AS BIGINT) AS touches_failed,
    CAST(COALESCE(sum(touches_outcome_unknown), 0) AS BIGINT) AS touches_outcome_unknown
  FROM winback.kpis
  WHERE CAST(dt AS VARCHAR) = '{{dt}}'
    AND grain = 'programme'
    AND arm = 'treatment'
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
  CAST(returned_before_contact AS DOUBLE) / NULLIF(eligible, 0) AS returned_before_contact_share,
  touches_failed,
  touches_outcome_unknown
FROM stages
