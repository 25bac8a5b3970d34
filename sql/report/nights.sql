-- The nights the report can show: every dt of the kpis table, latest first.
SELECT CAST(dt AS VARCHAR) AS dt
FROM winback.kpis
GROUP BY dt
ORDER BY dt DESC
