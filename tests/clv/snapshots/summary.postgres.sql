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
    CAST(COALESCE(e.price, p.price) * e.quantity AS DOUBLE PRECISION) AS amount
  FROM events AS e
  LEFT JOIN products AS p
    ON p.product_id = e.product_id
  WHERE
    e.event_type IN ('purchase', 'refund')
    AND e.event_time < CAST(%(observation_stop)s AS TIMESTAMP)
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
    MIN(day) <= CAST(%(calibration_end)s AS DATE)
), per_customer /* One row per customer of the calibration cohort: the recency-frequency-monetary */ /* summary of the calibration period and what the customer did in the holdout period. */ /*   frequency       repeat purchase days in calibration (purchase days - 1) */ /*   recency_days    last minus first purchase day in calibration (0 without repeats) */ /*   t_days          calibration end minus first purchase day (0: first bought on the end) */ /*   monetary_value  mean purchase value of the repeat purchase days, times the share */ /*                   of the customer's calibration spend not refunded; NULL without */ /*                   repeats (the Gamma-Gamma model conditions on repeat purchases only) */ /*   calibration_value  purchases minus refunds in calibration */ /*   holdout_purchases, holdout_value  purchase days / purchases minus refunds after */ /*                   the calibration end, up to the end of the data */ AS (
  SELECT
    d.user_id,
    f.first_day,
    SUM(
      CASE
        WHEN d.purchases > 0 AND d.day <= CAST(%(calibration_end)s AS DATE)
        THEN 1
        ELSE 0
      END
    ) - 1 AS frequency,
    MAX(
      CASE
        WHEN d.purchases > 0 AND d.day <= CAST(%(calibration_end)s AS DATE)
        THEN d.day
      END
    ) AS last_day,
    SUM(
      CASE
        WHEN d.purchases > 0
        AND d.day > f.first_day
        AND d.day <= CAST(%(calibration_end)s AS DATE)
        THEN d.gross
        ELSE 0
      END
    ) AS repeat_gross,
    SUM(CASE WHEN d.day <= CAST(%(calibration_end)s AS DATE) THEN d.gross ELSE 0 END) AS gross,
    SUM(CASE WHEN d.day <= CAST(%(calibration_end)s AS DATE) THEN d.refunds ELSE 0 END) AS refunds,
    SUM(
      CASE
        WHEN d.purchases > 0 AND d.day > CAST(%(calibration_end)s AS DATE)
        THEN 1
        ELSE 0
      END
    ) AS holdout_purchases,
    SUM(
      CASE
        WHEN d.day > CAST(%(calibration_end)s AS DATE)
        THEN d.gross - d.refunds
        ELSE 0
      END
    ) AS holdout_value
  FROM user_days AS d
  JOIN firsts AS f
    ON f.user_id = d.user_id
  GROUP BY
    d.user_id,
    f.first_day
)
SELECT
  user_id,
  first_day,
  last_day,
  CAST(frequency AS BIGINT) AS frequency,
  CAST(CAST(last_day AS DATE) - CAST(first_day AS DATE) AS BIGINT) AS recency_days,
  CAST(CAST(%(calibration_end)s AS DATE) - CAST(first_day AS DATE) AS BIGINT) AS t_days,
  CASE
    WHEN frequency > 0
    THEN repeat_gross / frequency * CASE WHEN gross > 0 THEN GREATEST(0.0, 1.0 - refunds / gross) ELSE 1.0 END
  END AS monetary_value,
  gross - refunds AS calibration_value,
  CAST(holdout_purchases AS BIGINT) AS holdout_purchases,
  holdout_value
FROM per_customer
ORDER BY
  user_id
