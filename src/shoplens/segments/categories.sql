-- Events per user and top-level category (the first segment of a dotted code such as
-- electronics.smartphone), for category affinity.
SELECT e.user_id AS user_id,
       COALESCE(NULLIF(SPLIT_PART(p.category, '.', 1), ''), 'unknown') AS top_category,
       COUNT(*) AS n
FROM events AS e
LEFT JOIN products AS p ON p.product_id = e.product_id
GROUP BY 1, 2
