-- The circle home page shows recent activity: every event except check-ins and invites. Walking
-- (circle_id, id) meant reading, and skipping, every check-in event of the circle's history: 3 ms a
-- page at 10,000 of them, 30 ms at 50,000 (BENCHMARKS.md). This partial index holds only the
-- events that count as activity. The query must spell out the same condition for SQLite to use it.
CREATE INDEX circle_events_activity ON circle_events (circle_id, id)
	WHERE type NOT LIKE 'invite.%' AND type NOT LIKE 'checkin.%';
