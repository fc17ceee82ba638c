-- Each circle's events are numbered 1, 2, 3, … in commit order, with no gaps (`seq`), so a
-- browser that holds event N and receives N+2 knows it missed N+1 and asks for exactly that.
-- The number is taken inside the writing transaction (appendCircleEvent: one more than the
-- circle's newest); UNIQUE (circle_id, seq) makes a second writer with the same number fail
-- rather than both commit. The global `id` stays only as the row's key.
CREATE TABLE circle_events_new (
	id INTEGER PRIMARY KEY,
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	seq INTEGER NOT NULL CHECK (seq >= 1),
	actor_id TEXT REFERENCES users (id) ON DELETE SET NULL,
	type TEXT NOT NULL,
	-- JSON text
	payload TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (circle_id, seq)
);

INSERT INTO circle_events_new (id, circle_id, seq, actor_id, type, payload, created_at)
	SELECT id, circle_id, ROW_NUMBER() OVER (PARTITION BY circle_id ORDER BY id), actor_id, type, payload, created_at
	FROM circle_events ORDER BY id;

DROP TABLE circle_events;
ALTER TABLE circle_events_new RENAME TO circle_events;

-- As in 0006 and 0007, now by seq: the events that count as activity.
CREATE INDEX circle_events_activity ON circle_events (circle_id, seq)
	WHERE type NOT LIKE 'invite.%' AND type NOT LIKE 'checkin.%';

-- Which incarnation of the event log this file is. A browser compares it on every catch-up: a
-- different generation means its numbers belong to another history (a restored backup), so it
-- reloads instead of trusting them. `npm run backup` marks its copy (is_copy = 1); the app gives
-- a marked file a new generation the first time it opens it, so a restored copy never hands out
-- again, under the old generation, numbers that browsers already hold.
CREATE TABLE event_log_identity (
	only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
	generation TEXT NOT NULL,
	is_copy INTEGER NOT NULL DEFAULT 0 CHECK (is_copy IN (0, 1))
);
INSERT INTO event_log_identity (only_row, generation) VALUES (1, lower(hex(randomblob(10))));
