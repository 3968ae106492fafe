-- Revenue per period and category, optimized: daily per-product sums (rollup_revenue_day)
-- joined to the catalogue. Units without an event price are priced here, at the list
-- price, so a catalogue update never leaves the rollup stale.
SELECT CAST(date_trunc(:grain, CAST(r.day AS TIMESTAMP)) AS DATE) AS period,
       p.category,
       COALESCE(SUM(r.priced_gross - r.priced_refunds
                    + COALESCE((r.unpriced_units - r.unpriced_refund_units) * p.price, 0)), 0)
           AS revenue,
       CAST(SUM(r.units) AS BIGINT) AS units,
       CAST(SUM(r.refunded_units) AS BIGINT) AS refunded_units
FROM rollup_revenue_day AS r
LEFT JOIN products AS p ON p.product_id = r.product_id
WHERE r.day >= :period_lo AND r.day < :period_hi
GROUP BY 1, 2
ORDER BY 1, revenue DESC, 2 NULLS LAST
