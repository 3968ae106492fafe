-- Fold a catalogue change into the revenue rollups: only the products whose category,
-- brand or list price differ from the values the rollups were derived with, and only the
-- categories and brands those products leave or join.
DELETE FROM rollup_revenue_changed;
INSERT INTO rollup_revenue_changed (product_id, price_changed)
SELECT c.product_id, c.price IS DISTINCT FROM p.price
FROM rollup_revenue_catalogue AS c
LEFT JOIN products AS p ON p.product_id = c.product_id
WHERE c.category <> COALESCE(NULLIF(TRIM(p.category), ''), '(no category)')
   OR c.brand IS DISTINCT FROM p.brand
   OR c.price IS DISTINCT FROM p.price;
-- The planner's rollups re-derive the days of these products before their next read.
INSERT INTO rollup_dims_pending (kind, id)
SELECT 'product', product_id FROM rollup_revenue_changed;
DELETE FROM rollup_revenue_keys;
-- Brands are matched through a stand-in for NULL; a real brand spelled like it is only
-- recomputed needlessly, never wrongly.
INSERT INTO rollup_revenue_keys (kind, label)
SELECT DISTINCT 'category', c.category FROM rollup_revenue_catalogue AS c
WHERE c.product_id IN (SELECT product_id FROM rollup_revenue_changed)
UNION
SELECT DISTINCT 'category', COALESCE(NULLIF(TRIM(p.category), ''), '(no category)')
FROM rollup_revenue_changed AS x
LEFT JOIN products AS p ON p.product_id = x.product_id
UNION
SELECT DISTINCT 'brand', COALESCE(c.brand, '(no brand)') FROM rollup_revenue_catalogue AS c
WHERE c.product_id IN (SELECT product_id FROM rollup_revenue_changed)
UNION
SELECT DISTINCT 'brand', COALESCE(p.brand, '(no brand)')
FROM rollup_revenue_changed AS x
LEFT JOIN products AS p ON p.product_id = x.product_id;
UPDATE rollup_revenue_catalogue
SET category = (SELECT COALESCE(NULLIF(TRIM(p.category), ''), '(no category)')
                FROM products AS p WHERE p.product_id = rollup_revenue_catalogue.product_id),
    brand = (SELECT p.brand FROM products AS p
             WHERE p.product_id = rollup_revenue_catalogue.product_id),
    price = (SELECT p.price FROM products AS p
             WHERE p.product_id = rollup_revenue_catalogue.product_id)
WHERE product_id IN (SELECT product_id FROM rollup_revenue_changed);
-- A product gone from the catalogue has no category (the subquery above gives NULL).
UPDATE rollup_revenue_catalogue SET category = '(no category)' WHERE category IS NULL;
-- Money moves only with a list price (the units bought without a price are re-priced);
-- a product that changed category or brand keeps its gross and refunds, and the period
-- totals theirs.
UPDATE rollup_revenue_product
SET gross = priced_gross + COALESCE(unpriced_units * (
        SELECT p.price FROM products AS p WHERE p.product_id = rollup_revenue_product.product_id), 0),
    refunds = priced_refunds + COALESCE(unpriced_refund_units * (
        SELECT p.price FROM products AS p WHERE p.product_id = rollup_revenue_product.product_id), 0)
WHERE product_id IN (SELECT product_id FROM rollup_revenue_changed WHERE price_changed);
UPDATE rollup_revenue_total
SET gross = (SELECT COALESCE(SUM(r.gross), 0) FROM rollup_revenue_product AS r
             WHERE r.grain = rollup_revenue_total.grain AND r.period = rollup_revenue_total.period),
    refunds = (SELECT COALESCE(SUM(r.refunds), 0) FROM rollup_revenue_product AS r
               WHERE r.grain = rollup_revenue_total.grain AND r.period = rollup_revenue_total.period)
WHERE EXISTS (SELECT 1 FROM rollup_revenue_product AS r
              WHERE r.grain = rollup_revenue_total.grain AND r.period = rollup_revenue_total.period
                AND r.product_id IN (SELECT product_id FROM rollup_revenue_changed
                                     WHERE price_changed));
DELETE FROM rollup_revenue_category
WHERE category IN (SELECT label FROM rollup_revenue_keys WHERE kind = 'category');
INSERT INTO rollup_revenue_category (grain, period, category, revenue, units, refunded_units)
SELECT 'day', r.period, COALESCE(c.category, '(no category)'), SUM(r.gross - r.refunds),
       SUM(r.units), SUM(r.refunded_units)
FROM rollup_revenue_product AS r
LEFT JOIN rollup_revenue_catalogue AS c ON c.product_id = r.product_id
WHERE r.grain = 'day'
  AND COALESCE(c.category, '(no category)') IN (SELECT label FROM rollup_revenue_keys
                                                WHERE kind = 'category')
GROUP BY 2, 3
ORDER BY 2, 3;
INSERT INTO rollup_revenue_category (grain, period, category, revenue, units, refunded_units)
SELECT 'week', CAST(date_trunc('week', CAST(period AS TIMESTAMP)) AS DATE), category,
       SUM(revenue), SUM(units), SUM(refunded_units)
FROM rollup_revenue_category
WHERE grain = 'day'
  AND category IN (SELECT label FROM rollup_revenue_keys WHERE kind = 'category')
GROUP BY 2, 3
ORDER BY 2, 3;
INSERT INTO rollup_revenue_category (grain, period, category, revenue, units, refunded_units)
SELECT 'month', CAST(date_trunc('month', CAST(period AS TIMESTAMP)) AS DATE), category,
       SUM(revenue), SUM(units), SUM(refunded_units)
FROM rollup_revenue_category
WHERE grain = 'day'
  AND category IN (SELECT label FROM rollup_revenue_keys WHERE kind = 'category')
GROUP BY 2, 3
ORDER BY 2, 3;
DELETE FROM rollup_revenue_brand
WHERE COALESCE(brand, '(no brand)') IN (SELECT label FROM rollup_revenue_keys
                                        WHERE kind = 'brand');
INSERT INTO rollup_revenue_brand (grain, period, brand, revenue, units)
SELECT 'day', r.period, c.brand, SUM(r.gross - r.refunds), SUM(r.units)
FROM rollup_revenue_product AS r
LEFT JOIN rollup_revenue_catalogue AS c ON c.product_id = r.product_id
WHERE r.grain = 'day'
  AND COALESCE(c.brand, '(no brand)') IN (SELECT label FROM rollup_revenue_keys
                                          WHERE kind = 'brand')
GROUP BY 2, 3
ORDER BY 2, 3;
INSERT INTO rollup_revenue_brand (grain, period, brand, revenue, units)
SELECT 'month', CAST(date_trunc('month', CAST(period AS TIMESTAMP)) AS DATE), brand,
       SUM(revenue), SUM(units)
FROM rollup_revenue_brand
WHERE grain = 'day'
  AND COALESCE(brand, '(no brand)') IN (SELECT label FROM rollup_revenue_keys
                                        WHERE kind = 'brand')
GROUP BY 2, 3
ORDER BY 2, 3;
