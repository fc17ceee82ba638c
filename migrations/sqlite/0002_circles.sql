-- Private family circles, their members, invite links, and each circle's event log.

CREATE TABLE circles (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
	created_at INTEGER NOT NULL,
	-- when anything last happened in the circle ("latest activity" on Your circles)
	last_activity_at INTEGER NOT NULL
);

CREATE TABLE memberships (
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
	-- the member's own words for who they are here: "Mom", "Brother", "Me"
	relationship TEXT NOT NULL DEFAULT '',
	in_recovery INTEGER NOT NULL DEFAULT 0 CHECK (in_recovery IN (0, 1)),
	joined_at INTEGER NOT NULL,
	PRIMARY KEY (circle_id, user_id)
);

CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE invites (
	id TEXT PRIMARY KEY,
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	-- SHA-256 (hex) of the link's token; the token itself is never stored
	token_hash TEXT NOT NULL UNIQUE,
	created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
	role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
	note TEXT NOT NULL DEFAULT '',
	max_uses INTEGER NOT NULL CHECK (max_uses BETWEEN 1 AND 20),
	uses INTEGER NOT NULL DEFAULT 0,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER,
	created_at INTEGER NOT NULL,
	CHECK (uses <= max_uses)
);

CREATE INDEX invites_by_circle ON invites (circle_id);

-- Append-only: every change to a circle writes one row here in the same transaction, and the
-- broadcast carries its id, so a client can ask for exactly what it missed. The one exception to
-- "ids are random text": this id must increase (a PostgreSQL port would use an identity column).
CREATE TABLE circle_events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	actor_id TEXT REFERENCES users (id) ON DELETE SET NULL,
	type TEXT NOT NULL,
	-- JSON text
	payload TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE INDEX circle_events_by_circle ON circle_events (circle_id, id);
