per_session AS (
    SELECT user_id, session_key,
           MAX(CASE WHEN action = 'cart' OR stage = 'checkout' THEN 1 ELSE 0 END) AS reached_cart,
           MAX(CASE WHEN stage = 'conversion' THEN 1 ELSE 0 END) AS converted,
           MIN(event_time) AS started,
           MIN(CASE WHEN stage = 'conversion' THEN event_time END) AS first_conversion
    FROM staged
    GROUP BY user_id, session_key
),
hesitant AS (
    -- reached the cart or checkout and left without buying, in :hesitant_sessions sessions
    SELECT user_id FROM per_session
    WHERE reached_cart = 1 AND converted = 0
    GROUP BY user_id
    HAVING COUNT(*) >= :hesitant_sessions
),
compared AS (
    -- viewed :compare_products distinct products of one category in one session whose
    -- prices differ by at least :price_spread (max >= spread * min)
    SELECT user_id FROM staged
    WHERE action = 'view' AND category IS NOT NULL AND price > 0
    GROUP BY user_id, session_key, category
    HAVING COUNT(DISTINCT product_id) >= :compare_products
       AND MAX(price) >= :price_spread * MIN(price)
),
quick AS (
    -- converted within :quick_seconds of the session's first event, after at most
    -- :quick_max_views browse events
    SELECT s.user_id FROM per_session AS s
    JOIN staged AS e ON e.user_id = s.user_id AND e.session_key = s.session_key
    WHERE s.first_conversion IS NOT NULL
      AND EXTRACT(EPOCH FROM s.first_conversion) - EXTRACT(EPOCH FROM s.started)
          <= :quick_seconds
    GROUP BY s.user_id, s.session_key
    HAVING SUM(CASE WHEN e.stage = 'browse' AND e.event_time <= s.first_conversion
                    THEN 1 ELSE 0 END) <= :quick_max_views
),
collectors AS (
    -- added :wishlist_min items to a wishlist and never converted
    SELECT user_id FROM staged
    GROUP BY user_id
    HAVING SUM(CASE WHEN action = 'wishlist' THEN 1 ELSE 0 END) >= :wishlist_min
       AND SUM(CASE WHEN stage = 'conversion' THEN 1 ELSE 0 END) = 0
)
SELECT
    (SELECT COUNT(DISTINCT user_id) FROM staged) AS users_total,
    (SELECT COUNT(DISTINCT user_id) FROM hesitant) AS hesitant_checkout,
    (SELECT COUNT(DISTINCT user_id) FROM compared) AS price_sensitive_browsing,
    (SELECT COUNT(DISTINCT user_id) FROM quick) AS quick_deciders,
    (SELECT COUNT(DISTINCT user_id) FROM collectors) AS wishlist_collectors
