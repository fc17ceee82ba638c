-- Accounts, sessions and login rate limits.
-- Portable conventions: ids are random text made by the app, times are integer milliseconds (UTC).

CREATE TABLE users (
	id TEXT PRIMARY KEY,
	-- stored trimmed and lower-cased, so uniqueness is case-insensitive
	email TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

CREATE TABLE sessions (
	-- SHA-256 (hex) of the session token; the token itself is never stored
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	user_agent TEXT NOT NULL DEFAULT ''
);

CREATE INDEX sessions_by_user ON sessions (user_id);

-- Failed attempts (logins, invite links), keyed like "login-email:<email>" or "login-ip:<address>".
CREATE TABLE attempt_throttles (
	key TEXT PRIMARY KEY,
	window_started_at INTEGER NOT NULL,
	failures INTEGER NOT NULL,
	blocked_until INTEGER NOT NULL
);
