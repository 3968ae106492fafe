per_session AS (
    SELECT
        user_id,
        session_key,
        MAX(CASE WHEN stage = 'browse' THEN 1 ELSE 0 END) AS b,
        MAX(CASE WHEN stage = 'consideration' THEN 1 ELSE 0 END) AS c,
        MAX(CASE WHEN stage = 'checkout' THEN 1 ELSE 0 END) AS k,
        MAX(CASE WHEN stage = 'conversion' THEN 1 ELSE 0 END) AS v
    FROM staged
    GROUP BY user_id, session_key
),
-- a stage the tracker never logs (:skip_x = 1) does not break the chain
chained AS (
    SELECT
        user_id,
        GREATEST(b, :skip_browse) AS s1,
        GREATEST(b, :skip_browse) * GREATEST(c, :skip_consideration) AS s2,
        GREATEST(b, :skip_browse) * GREATEST(c, :skip_consideration)
            * GREATEST(k, :skip_checkout) AS s3,
        GREATEST(b, :skip_browse) * GREATEST(c, :skip_consideration)
            * GREATEST(k, :skip_checkout) * GREATEST(v, :skip_conversion) AS s4
    FROM per_session
),
per_user AS (
    SELECT user_id, MAX(s1) AS s1, MAX(s2) AS s2, MAX(s3) AS s3, MAX(s4) AS s4
    FROM chained
    GROUP BY user_id
)
SELECT
    (SELECT COUNT(*) FROM chained) AS sessions_total,
    (SELECT SUM(s1) FROM chained) AS sessions_1,
    (SELECT SUM(s2) FROM chained) AS sessions_2,
    (SELECT SUM(s3) FROM chained) AS sessions_3,
    (SELECT SUM(s4) FROM chained) AS sessions_4,
    (SELECT COUNT(*) FROM per_user) AS users_total,
    (SELECT SUM(s1) FROM per_user) AS users_1,
    (SELECT SUM(s2) FROM per_user) AS users_2,
    (SELECT SUM(s3) FROM per_user) AS users_3,
    (SELECT SUM(s4) FROM per_user) AS users_4
