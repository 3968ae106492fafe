SELECT stage, action, COUNT(*) AS events, COUNT(DISTINCT user_id) AS users
FROM staged
GROUP BY stage, action
ORDER BY events DESC, stage, action
