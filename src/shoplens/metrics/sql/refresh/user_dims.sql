-- Users whose country changed since the planner's rollups were derived: their days are
-- derived again before the next planner read; then remember every user's country.
INSERT INTO rollup_dims_pending (kind, id)
SELECT 'user', d.user_id
FROM rollup_user_dims AS d
JOIN users AS u ON u.user_id = d.user_id
WHERE u.country IS DISTINCT FROM d.country;
UPDATE rollup_user_dims
SET country = (SELECT u.country FROM users AS u WHERE u.user_id = rollup_user_dims.user_id)
WHERE user_id IN (SELECT id FROM rollup_dims_pending WHERE kind = 'user');
-- Users new to the users table whose events were derived before (without a country):
-- their days too.
INSERT INTO rollup_dims_pending (kind, id)
SELECT 'user', u.user_id
FROM users AS u
WHERE NOT EXISTS (SELECT 1 FROM rollup_user_dims AS d WHERE d.user_id = u.user_id)
  AND EXISTS (SELECT 1 FROM rollup_user_day AS ud WHERE ud.user_id = u.user_id);
INSERT INTO rollup_user_dims (user_id, country)
SELECT u.user_id, u.country FROM users AS u
WHERE NOT EXISTS (SELECT 1 FROM rollup_user_dims AS d WHERE d.user_id = u.user_id);
