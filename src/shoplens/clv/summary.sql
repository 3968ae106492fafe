-- One row per customer of the calibration cohort: the recency-frequency-monetary
-- summary of the calibration period and what the customer did in the holdout period.
--   frequency       repeat purchase days in calibration (purchase days - 1)
--   recency_days    last minus first purchase day in calibration (0 without repeats)
--   t_days          calibration end minus first purchase day (0: first bought on the end)
--   monetary_value  mean purchase value of the repeat purchase days, times the share
--                   of the customer's calibration spend not refunded; NULL without
--                   repeats (the Gamma-Gamma model conditions on repeat purchases only)
--   calibration_value  purchases minus refunds in calibration
--   holdout_purchases, holdout_value  purchase days / purchases minus refunds after
--                   the calibration end, up to the end of the data
, per_customer AS (
    SELECT
        d.user_id,
        f.first_day,
        SUM(CASE WHEN d.purchases > 0 AND d.day <= CAST(:calibration_end AS DATE) THEN 1 ELSE 0 END) - 1
            AS frequency,
        MAX(CASE WHEN d.purchases > 0 AND d.day <= CAST(:calibration_end AS DATE) THEN d.day END)
            AS last_day,
        SUM(CASE WHEN d.purchases > 0 AND d.day > f.first_day
                  AND d.day <= CAST(:calibration_end AS DATE) THEN d.gross ELSE 0 END) AS repeat_gross,
        SUM(CASE WHEN d.day <= CAST(:calibration_end AS DATE) THEN d.gross ELSE 0 END) AS gross,
        SUM(CASE WHEN d.day <= CAST(:calibration_end AS DATE) THEN d.refunds ELSE 0 END) AS refunds,
        SUM(CASE WHEN d.purchases > 0 AND d.day > CAST(:calibration_end AS DATE) THEN 1 ELSE 0 END)
            AS holdout_purchases,
        SUM(CASE WHEN d.day > CAST(:calibration_end AS DATE) THEN d.gross - d.refunds ELSE 0 END)
            AS holdout_value
    FROM user_days AS d
    JOIN firsts AS f ON f.user_id = d.user_id
    GROUP BY d.user_id, f.first_day
)
SELECT
    user_id,
    first_day,
    last_day,
    CAST(frequency AS BIGINT) AS frequency,
    CAST(CAST(last_day AS DATE) - CAST(first_day AS DATE) AS BIGINT) AS recency_days,
    CAST(CAST(:calibration_end AS DATE) - CAST(first_day AS DATE) AS BIGINT) AS t_days,
    CASE WHEN frequency > 0 THEN
        repeat_gross / frequency
        * CASE WHEN gross > 0 THEN GREATEST(0.0, 1.0 - refunds / gross) ELSE 1.0 END
    END AS monetary_value,
    gross - refunds AS calibration_value,
    CAST(holdout_purchases AS BIGINT) AS holdout_purchases,
    holdout_value
FROM per_customer
ORDER BY user_id
