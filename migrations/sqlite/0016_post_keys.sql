-- Posted once (issue 18, item 2): every check-in and reply may carry a key its sender's device made
-- (a random UUID), so a retry, a double tap or a post whose answer was lost is stored once. The
-- key is kept here rather than on the check-in's or reply's row: a removed reply's row goes, and a
-- late retry of it must still find its key (or it would be posted again); an edit changes the
-- row's words, and a retry of the words first sent must still be known as the same post. One key
-- per circle and author (a key of another member, or of another circle, is another key), written
-- in the post's own transaction after the circle's lock (src/lib/server/checkins/post-keys.ts).
-- The same table serves PostgreSQL (migrations/postgres/0016_post_keys.sql).
CREATE TABLE post_keys (
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	author_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	-- the sender's key, a UUID in lower case
	client_key TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('checkin', 'reply')),
	-- SHA-256 (hex) of what was sent, to tell a retry from other words sent with the same key;
	-- NULL once those words were edited or removed (no trace of words that are gone)
	words_hash TEXT,
	-- the check-in posted, or replied to
	checkin_id TEXT NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
	-- the reply posted; NULL for a check-in, and once the reply was removed (its key stays)
	reply_id TEXT REFERENCES checkin_replies (id) ON DELETE SET NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (circle_id, author_id, client_key)
);

CREATE INDEX post_keys_by_checkin ON post_keys (checkin_id);
CREATE INDEX post_keys_by_reply ON post_keys (reply_id);
