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
-- a session reaches a step when it has an event of that step or of a later one: a
-- purchase implies the steps before it, even where the tracker logged none of them
chained AS (
    SELECT
        user_id,
        GREATEST(b, c, k, v) AS s1,
        GREATEST(c, k, v) AS s2,
        GREATEST(k, v) AS s3,
        v AS s4
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
