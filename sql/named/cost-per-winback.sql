-- Cost per win-back (message and offer cost over customers won back) against the configured cost per acquisition, by cohort month and first-touch channel, treatment arm only, from the latest night's kpis.
-- cost_vs_acquisition below 1 means winning a customer back is cheaper than acquiring a new one.
SELECT
  cohort_month,
  channel,
  CAST(sum(eligible) AS BIGINT) AS eligible,
  CAST(sum(contacted) AS BIGINT) AS contacted,
  CAST(sum(returned) AS BIGINT) AS returned,
  round(sum(message_cost), 6) AS message_cost,
  round(sum(offer_cost), 6) AS offer_cost,
  (sum(message_cost) + sum(offer_cost)) / NULLIF(sum(returned), 0) AS cost_per_winback,
  max(cost_per_acquisition) AS cost_per_acquisition,
  (sum(message_cost) + sum(offer_cost)) / NULLIF(sum(returned), 0) / max(cost_per_acquisition) AS cost_vs_acquisition,
  round(sum(revenue_returned), 6) AS revenue_returned
FROM winback.kpis
WHERE dt = (SELECT max(dt) FROM winback.kpis)
  AND arm = 'treatment'
GROUP BY cohort_month, channel
ORDER BY cohort_month, channel
