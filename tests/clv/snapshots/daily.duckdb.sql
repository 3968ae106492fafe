/* Shared head of the customer-value queries (PostgreSQL dialect; SQLGlot renders it for */
/* each engine): every purchase and refund up to the end of the data, priced, then one */
/* row per customer and day. Parameters: :observation_stop (TIMESTAMP, the day after the */
/* last day used), :calibration_end (DATE, last day of the calibration period). */
/* Money: price x quantity, the event's price or else the product's list price (as the */
/* revenue metrics count it); orders are mirrored into purchase events by the importer. */
WITH priced AS (
  SELECT
    e.user_id,
    CAST(e.event_time AS DATE) AS day,
    CASE WHEN e.event_type = 'purchase' THEN 1 ELSE 0 END AS is_purchase,
    CAST(COALESCE(e.price, p.price) * e.quantity AS DOUBLE) AS amount
  FROM events AS e
  LEFT JOIN products AS p
    ON p.product_id = e.product_id
  WHERE
    e.event_type IN ('purchase', 'refund')
    AND e.event_time < CAST($observation_stop AS TIMESTAMP)
), user_days /* Several orders on one day are one transaction, as in the literature (Fader, Hardie */ /* and Lee 2005 count repeat purchase days); a day with only refunds is no transaction. */ AS (
  SELECT
    user_id,
    day,
    SUM(is_purchase) AS purchases,
    COALESCE(SUM(CASE WHEN is_purchase = 1 THEN amount END), 0) AS gross,
    COALESCE(SUM(CASE WHEN is_purchase = 0 THEN amount END), 0) AS refunds
  FROM priced
  GROUP BY
    user_id,
    day
), firsts /* The calibration cohort: customers whose first purchase is on or before its end. */ AS (
  SELECT
    user_id,
    MIN(day) AS first_day
  FROM user_days
  WHERE
    purchases > 0
  GROUP BY
    user_id
  HAVING
    MIN(day) <= CAST($calibration_end AS DATE)
)
/* Per day, for the calibration cohort: customers making their first purchase and repeat */
/* purchase days (the actual curve of cumulative repeat transactions). */
SELECT
  d.day,
  CAST(SUM(CASE WHEN d.day = f.first_day THEN 1 ELSE 0 END) AS BIGINT) AS first_purchases,
  CAST(SUM(CASE WHEN d.day > f.first_day THEN 1 ELSE 0 END) AS BIGINT) AS repeat_purchases
FROM user_days AS d
JOIN firsts AS f
  ON f.user_id = d.user_id
WHERE
  d.purchases > 0
GROUP BY
  d.day
ORDER BY
  d.day
