-- Cost per win-back and per incremental win-back (iCPA) against the configured cost per acquisition, by cohort month and first-touch channel, treatment arm, from the channel rows of the latest night.
-- cost_vs_acquisition below 1 means a win-back costs less than acquiring a new customer; incremental_cost_vs_acquisition compares only the win-backs Winback caused (over the control group).
SELECT
  cohort_month,
  channel,
  eligible,
  contacted,
  returned,
  message_cost,
  offer_cost,
  cost_per_winback,
  incremental_winbacks,
  cost_per_incremental_winback,
  cost_per_acquisition,
  cost_vs_acquisition,
  incremental_cost_vs_acquisition,
  revenue_returned
FROM winback.kpis_latest
WHERE grain = 'channel'
  AND arm = 'treatment'
ORDER BY cohort_month, channel
