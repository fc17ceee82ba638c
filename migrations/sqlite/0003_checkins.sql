-- Check-ins (how each member is doing), the circle's reactions to them, and replies.

CREATE TABLE checkins (
	id TEXT PRIMARY KEY,
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	author_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	-- 1 Struggling, 2 Low, 3 Okay, 4 Good, 5 Great; cleared (with the words) when removed
	mood INTEGER CHECK (mood BETWEEN 1 AND 5),
	-- 0-10, only from a person in recovery, only when they chose to share it
	craving INTEGER CHECK (craving BETWEEN 0 AND 10),
	need TEXT,
	body TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	edited_at INTEGER,
	-- a removed check-in keeps its place in the feed, without its words
	deleted_at INTEGER,
	CHECK (mood IS NOT NULL OR deleted_at IS NOT NULL)
);

CREATE INDEX checkins_feed ON checkins (circle_id, created_at, id);
CREATE INDEX checkins_by_author ON checkins (circle_id, author_id, created_at);

CREATE TABLE checkin_reactions (
	checkin_id TEXT NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('love', 'proud', 'here')),
	created_at INTEGER NOT NULL,
	PRIMARY KEY (checkin_id, user_id, kind)
);

CREATE TABLE checkin_replies (
	id TEXT PRIMARY KEY,
	checkin_id TEXT NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
	author_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	body TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	edited_at INTEGER
);

CREATE INDEX checkin_replies_by_checkin ON checkin_replies (checkin_id, created_at);
