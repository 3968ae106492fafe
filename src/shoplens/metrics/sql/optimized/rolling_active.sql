-- Rolling 7- and 28-day actives, optimized: one pre-computed row per day of the data span
-- (rollup_rolling_active, maintained by every load).
SELECT day, active_7d, active_28d
FROM rollup_rolling_active
WHERE day >= :roll_first AND day <= :roll_last
ORDER BY day
