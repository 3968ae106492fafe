-- Per-user behaviour, one row per user with at least one event (PostgreSQL dialect;
-- SQLGlot renders it for each engine). Price paid where the event carries it, else the
-- product's list price (the legacy platform layout has no price on events).
WITH prod AS (
    -- where each product's list price sits within its category: 0 = cheapest, 1 = dearest
    SELECT product_id, category, price,
           PERCENT_RANK() OVER (PARTITION BY category ORDER BY price) AS price_pct
    FROM products
),
ev AS (
    SELECT e.user_id,
           e.session_id,
           e.event_type,
           e.event_time,
           e.quantity,
           COALESCE(e.price, p.price) AS price,
           COALESCE(p.category, 'unknown') AS category,
           p.price_pct
    FROM events AS e
    LEFT JOIN prod AS p ON p.product_id = e.product_id
),
cat_price AS (
    SELECT category, AVG(price) AS cat_avg_price
    FROM ev
    WHERE price > 0
    GROUP BY category
)
SELECT ev.user_id AS user_id,
       MIN(ev.event_time) AS first_event,
       MAX(ev.event_time) AS last_event,
       COUNT(*) AS n_events,
       COUNT(DISTINCT ev.session_id) AS n_sessions,
       COUNT(DISTINCT CAST(ev.event_time AS DATE)) AS active_days,
       SUM(CASE WHEN ev.event_type = 'view' THEN 1 ELSE 0 END) AS views,
       SUM(CASE WHEN ev.event_type = 'cart' THEN 1 ELSE 0 END) AS carts,
       SUM(CASE WHEN ev.event_type = 'remove_from_cart' THEN 1 ELSE 0 END) AS removes,
       SUM(CASE WHEN ev.event_type = 'purchase' THEN ev.quantity ELSE 0 END) AS purchased_items,
       COUNT(DISTINCT CASE WHEN ev.event_type = 'purchase'
                           THEN COALESCE(ev.session_id, CAST(CAST(ev.event_time AS DATE) AS TEXT))
                      END) AS frequency,
       SUM(CASE WHEN ev.event_type = 'purchase' THEN ev.price * ev.quantity
                WHEN ev.event_type = 'refund' THEN -ev.price * ev.quantity
                ELSE 0 END) AS monetary,
       CAST(AVG(ev.price) AS DOUBLE PRECISION) AS avg_price,
       CAST(AVG(ev.price / NULLIF(cp.cat_avg_price, 0)) AS DOUBLE PRECISION) AS price_index,
       CAST(AVG(ev.price_pct) AS DOUBLE PRECISION) AS price_pct,
       AVG(CASE WHEN ev.price_pct IS NULL THEN NULL WHEN ev.price_pct < 1.0 / 3 THEN 1.0 ELSE 0.0 END)
           AS share_cheap,
       AVG(CASE WHEN ev.price_pct IS NULL THEN NULL WHEN ev.price_pct > 2.0 / 3 THEN 1.0 ELSE 0.0 END)
           AS share_premium,
       AVG(CASE WHEN EXTRACT(HOUR FROM ev.event_time) < 6 THEN 1.0 ELSE 0.0 END) AS share_night,
       AVG(CASE WHEN EXTRACT(HOUR FROM ev.event_time) >= 6 AND EXTRACT(HOUR FROM ev.event_time) < 12
                THEN 1.0 ELSE 0.0 END) AS share_morning,
       AVG(CASE WHEN EXTRACT(HOUR FROM ev.event_time) >= 12 AND EXTRACT(HOUR FROM ev.event_time) < 18
                THEN 1.0 ELSE 0.0 END) AS share_afternoon,
       AVG(CASE WHEN EXTRACT(HOUR FROM ev.event_time) >= 18 THEN 1.0 ELSE 0.0 END) AS share_evening,
       AVG(CASE WHEN EXTRACT(DOW FROM ev.event_time) IN (0, 6) THEN 1.0 ELSE 0.0 END) AS share_weekend
FROM ev
LEFT JOIN cat_price AS cp ON cp.category = ev.category
GROUP BY ev.user_id
