-- Per day, for the calibration cohort: customers making their first purchase and repeat
-- purchase days (the actual curve of cumulative repeat transactions).
SELECT
    d.day,
    CAST(SUM(CASE WHEN d.day = f.first_day THEN 1 ELSE 0 END) AS BIGINT) AS first_purchases,
    CAST(SUM(CASE WHEN d.day > f.first_day THEN 1 ELSE 0 END) AS BIGINT) AS repeat_purchases
FROM user_days AS d
JOIN firsts AS f ON f.user_id = d.user_id
WHERE d.purchases > 0
GROUP BY d.day
ORDER BY d.day
