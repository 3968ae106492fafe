SELECT e.raw_event, COALESCE(t.stage, 'other') AS stage, COUNT(*) AS events,
       COUNT(DISTINCT e.user_id) AS users
FROM events AS e
LEFT JOIN event_taxonomy AS t ON t.raw_event = e.raw_event
GROUP BY e.raw_event, t.stage
ORDER BY events DESC, e.raw_event
