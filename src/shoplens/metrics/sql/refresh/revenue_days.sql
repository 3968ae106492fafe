-- Re-derive the revenue rollups of the days [:day_lo, :day_hi) from their events (a load
-- touched them), then the week and month rows that contain those days. Runs after
-- revenue_catalogue.sql, so `products` and rollup_revenue_catalogue agree. The product
-- rows also have a quarter grain (a whole-range top products list reads a third of the
-- month rows), derived from the month rows.
DELETE FROM rollup_revenue_product
WHERE (grain = 'day' AND period >= :day_lo AND period < :day_hi)
   OR (grain = 'month' AND period >= :month_lo AND period < :month_hi)
   OR (grain = 'quarter' AND period >= :quarter_lo AND period < :quarter_hi);
INSERT INTO rollup_revenue_product (grain, period, product_id, priced_gross, priced_refunds,
                                    unpriced_units, unpriced_refund_units, units,
                                    refunded_units, gross, refunds)
SELECT 'day', d.day, d.product_id, d.priced_gross, d.priced_refunds, d.unpriced_units,
       d.unpriced_refund_units, d.units, d.refunded_units,
       d.priced_gross + COALESCE(d.unpriced_units * p.price, 0),
       d.priced_refunds + COALESCE(d.unpriced_refund_units * p.price, 0)
FROM (
    SELECT CAST(event_time AS DATE) AS day,
           product_id,
           COALESCE(SUM(CASE WHEN event_type = 'purchase' THEN price * quantity END), 0) AS priced_gross,
           COALESCE(SUM(CASE WHEN event_type = 'refund' THEN price * quantity END), 0) AS priced_refunds,
           SUM(CASE WHEN event_type = 'purchase' AND price IS NULL THEN quantity ELSE 0 END) AS unpriced_units,
           SUM(CASE WHEN event_type = 'refund' AND price IS NULL THEN quantity ELSE 0 END) AS unpriced_refund_units,
           SUM(CASE WHEN event_type = 'purchase' THEN quantity ELSE 0 END) AS units,
           SUM(CASE WHEN event_type = 'refund' THEN quantity ELSE 0 END) AS refunded_units
    FROM events
    WHERE event_type IN ('purchase', 'refund')
      AND event_time >= :day_lo AND event_time < :day_hi
    GROUP BY 1, 2
) AS d
LEFT JOIN products AS p ON p.product_id = d.product_id
ORDER BY 2, 3;
INSERT INTO rollup_revenue_product (grain, period, product_id, priced_gross, priced_refunds,
                                    unpriced_units, unpriced_refund_units, units,
                                    refunded_units, gross, refunds)
SELECT 'month', CAST(date_trunc('month', CAST(period AS TIMESTAMP)) AS DATE), product_id,
       SUM(priced_gross), SUM(priced_refunds), SUM(unpriced_units), SUM(unpriced_refund_units),
       SUM(units), SUM(refunded_units), SUM(gross), SUM(refunds)
FROM rollup_revenue_product
WHERE grain = 'day' AND period >= :month_lo AND period < :month_hi
GROUP BY 2, 3
ORDER BY 2, 3;
INSERT INTO rollup_revenue_product (grain, period, product_id, priced_gross, priced_refunds,
                                    unpriced_units, unpriced_refund_units, units,
                                    refunded_units, gross, refunds)
SELECT 'quarter', CAST(date_trunc('quarter', CAST(period AS TIMESTAMP)) AS DATE), product_id,
       SUM(priced_gross), SUM(priced_refunds), SUM(unpriced_units), SUM(unpriced_refund_units),
       SUM(units), SUM(refunded_units), SUM(gross), SUM(refunds)
FROM rollup_revenue_product
WHERE grain = 'month' AND period >= :quarter_lo AND period < :quarter_hi
GROUP BY 2, 3
ORDER BY 2, 3;
-- Products seen for the first time (any event of the days): remember the catalogue
-- values used, so a later catalogue change is found.
INSERT INTO rollup_revenue_catalogue (product_id, category, brand, price)
SELECT n.product_id, COALESCE(NULLIF(TRIM(p.category), ''), '(no category)'), p.brand, p.price
FROM (SELECT DISTINCT product_id FROM events
      WHERE event_time >= :day_lo AND event_time < :day_hi AND product_id IS NOT NULL) AS n
LEFT JOIN products AS p ON p.product_id = n.product_id
WHERE NOT EXISTS (SELECT 1 FROM rollup_revenue_catalogue AS c WHERE c.product_id = n.product_id);
-- Orders per day: distinct sessions with a purchase (a query's unique_sessions).
DELETE FROM rollup_revenue_total
WHERE (grain = 'day' AND period >= :day_lo AND period < :day_hi)
   OR (grain = 'month' AND period >= :month_lo AND period < :month_hi);
INSERT INTO rollup_revenue_total (grain, period, orders, gross, refunds, units, refunded_units)
SELECT 'day', COALESCE(o.day, m.period), COALESCE(o.orders, 0), COALESCE(m.gross, 0),
       COALESCE(m.refunds, 0), COALESCE(m.units, 0), COALESCE(m.refunded_units, 0)
FROM (SELECT CAST(event_time AS DATE) AS day, COUNT(DISTINCT session_id) AS orders
      FROM events
      WHERE event_type = 'purchase'
        AND event_time >= :day_lo AND event_time < :day_hi
      GROUP BY 1) AS o
FULL OUTER JOIN (SELECT period, SUM(gross) AS gross, SUM(refunds) AS refunds,
                        SUM(units) AS units, SUM(refunded_units) AS refunded_units
                 FROM rollup_revenue_product
                 WHERE grain = 'day' AND period >= :day_lo AND period < :day_hi
                 GROUP BY period) AS m ON m.period = o.day
ORDER BY 2;
INSERT INTO rollup_revenue_total (grain, period, orders, gross, refunds, units, refunded_units)
SELECT 'month', CAST(date_trunc('month', CAST(period AS TIMESTAMP)) AS DATE), SUM(orders),
       SUM(gross), SUM(refunds), SUM(units), SUM(refunded_units)
FROM rollup_revenue_total
WHERE grain = 'day' AND period >= :month_lo AND period < :month_hi
GROUP BY 2
ORDER BY 2;
