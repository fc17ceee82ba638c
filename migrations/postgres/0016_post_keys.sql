-- Posted once (issue 18, item 2): see migrations/sqlite/0016_post_keys.sql.
CREATE TABLE post_keys (
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	author_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_key TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('checkin', 'reply')),
	words_hash TEXT,
	checkin_id TEXT NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
	reply_id TEXT REFERENCES checkin_replies (id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (circle_id, author_id, client_key)
);

CREATE INDEX post_keys_by_checkin ON post_keys (checkin_id);
CREATE INDEX post_keys_by_reply ON post_keys (reply_id);
