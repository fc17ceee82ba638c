-- circle_events was AUTOINCREMENT, so every event also rewrote the table's row in sqlite_sequence:
-- one more page in the WAL for every check-in, on the path whose fsync the event loop waits for
-- (BENCHMARKS.md). A plain INTEGER PRIMARY KEY still gives every new event a larger id than any
-- event that exists. An id can come back only after the newest events are deleted, which happens
-- only when their whole circle is deleted; clients compare ids within one circle (catch-up asks
-- for "after id N in this circle"), and every id in a living circle keeps growing.
CREATE TABLE circle_events_new (
	id INTEGER PRIMARY KEY,
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	actor_id TEXT REFERENCES users (id) ON DELETE SET NULL,
	type TEXT NOT NULL,
	-- JSON text
	payload TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

INSERT INTO circle_events_new (id, circle_id, actor_id, type, payload, created_at)
	SELECT id, circle_id, actor_id, type, payload, created_at FROM circle_events ORDER BY id;

DROP TABLE circle_events;
ALTER TABLE circle_events_new RENAME TO circle_events;
DELETE FROM sqlite_sequence WHERE name = 'circle_events';

CREATE INDEX circle_events_by_circle ON circle_events (circle_id, id);
-- As in 0006: the events that count as activity (the query spells out the same condition).
CREATE INDEX circle_events_activity ON circle_events (circle_id, id)
	WHERE type NOT LIKE 'invite.%' AND type NOT LIKE 'checkin.%';
