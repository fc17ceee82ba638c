-- Push notifications (issue 18, items 3 and 5): see migrations/sqlite/0017_push.sql.
CREATE TABLE push_vapid_keys (
	only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
	public_key TEXT NOT NULL,
	private_key TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE push_subscriptions (
	endpoint TEXT PRIMARY KEY,
	session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	p256dh TEXT NOT NULL,
	auth TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE INDEX push_subscriptions_by_user ON push_subscriptions (user_id);
CREATE INDEX push_subscriptions_by_session ON push_subscriptions (session_id);

CREATE TABLE push_preferences (
	circle_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	level TEXT NOT NULL CHECK (level IN ('everything', 'needs-me', 'nothing')),
	hide_name SMALLINT NOT NULL DEFAULT 0 CHECK (hide_name IN (0, 1)),
	PRIMARY KEY (circle_id, user_id),
	FOREIGN KEY (circle_id, user_id) REFERENCES memberships (circle_id, user_id) ON DELETE CASCADE
);

CREATE TABLE push_settings (
	user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	time_zone TEXT NOT NULL,
	quiet_start INTEGER CHECK (quiet_start BETWEEN 0 AND 1439),
	quiet_end INTEGER CHECK (quiet_end BETWEEN 0 AND 1439),
	reminder_at INTEGER CHECK (reminder_at BETWEEN 0 AND 1439),
	reminder_sent_on TEXT,
	CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);

CREATE TABLE push_notices (
	circle_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	pushed_at BIGINT NOT NULL,
	PRIMARY KEY (circle_id, user_id),
	FOREIGN KEY (circle_id, user_id) REFERENCES memberships (circle_id, user_id) ON DELETE CASCADE
);
