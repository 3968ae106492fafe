-- Orders and gross purchase value, naive: from the raw purchase events. An order is the
-- purchases of one user in one session on one day (clickstreams carry no order id).
SELECT
    (SELECT COUNT(*)
     FROM (SELECT DISTINCT user_id, session_id, CAST(event_time AS DATE) AS day
           FROM events
           WHERE event_type = 'purchase'
             AND event_time >= :day_lo AND event_time < :day_hi) AS o) AS orders,
    (SELECT COALESCE(SUM(COALESCE(e.price, p.price) * e.quantity), 0)
     FROM events AS e
     LEFT JOIN products AS p ON p.product_id = e.product_id
     WHERE e.event_type = 'purchase'
       AND e.event_time >= :day_lo AND e.event_time < :day_hi) AS gross,
    (SELECT COALESCE(SUM(COALESCE(e.price, p.price) * e.quantity), 0)
     FROM events AS e
     LEFT JOIN products AS p ON p.product_id = e.product_id
     WHERE e.event_type = 'refund'
       AND e.event_time >= :day_lo AND e.event_time < :day_hi) AS refunds
