-- Funnel view -> cart -> purchase per session, optimized: one pre-computed row per session
-- (entry, first cart after it, first purchase after that cart) in rollup_session_funnel.
SELECT COUNT(*) AS entered,
       COUNT(CASE WHEN cart_time <= entry_time + :window_s * INTERVAL '1 second' THEN 1 END)
           AS carted,
       COUNT(CASE WHEN purchase_time <= entry_time + :window_s * INTERVAL '1 second' THEN 1 END)
           AS purchased
FROM rollup_session_funnel
WHERE entry_time >= :day_lo AND entry_time < :day_hi
