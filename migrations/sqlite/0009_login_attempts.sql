-- Login and sign-up limits that hold under parallel requests, and the browsers each account has
-- signed in on, so a stranger's wrong guesses cannot lock the owner out (README, "Accounts and
-- sessions").

-- How long a counter's window lasts: 15 minutes for logins and invite links, an hour for sign-ups.
-- Housekeeping drops a row once its window (and any block) has passed.
ALTER TABLE attempt_throttles ADD COLUMN window_ms INTEGER NOT NULL DEFAULT 900000;

-- A browser that has signed in to an account: the SHA-256 (hex) of the random token in its
-- long-lived HttpOnly cookie (hearth_device), never the token itself. One browser may be known to
-- several accounts (a family's shared tablet). It only lifts login limits; it signs nobody in.
CREATE TABLE known_devices (
	token_hash TEXT NOT NULL,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL,
	PRIMARY KEY (token_hash, user_id)
);

CREATE INDEX known_devices_by_user ON known_devices (user_id);
