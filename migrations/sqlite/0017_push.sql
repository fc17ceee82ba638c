-- Push notifications (issue 18, items 3 and 5): src/lib/server/push/. What a notification may say
-- is decided there (never health information); these tables hold only who gets one, where, when.
-- The same tables serve PostgreSQL (migrations/postgres/0017_push.sql).

-- The server's VAPID key pair, made on first start when none is given by the environment
-- (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY): one row, inserted if absent and then read back, so two
-- servers starting at once end up with the same pair.
CREATE TABLE push_vapid_keys (
	only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
	-- base64url, as web-push makes them (the public key is an uncompressed P-256 point)
	public_key TEXT NOT NULL,
	private_key TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

-- One row per browser that turned notifications on. It belongs to the session that made it, so
-- logging out, a session that ended or expired, a password change (every session ends) and account
-- deletion take it away with the session. An endpoint is one browser's: subscribing it again
-- (another person signed in on that browser) moves it to the new session.
CREATE TABLE push_subscriptions (
	-- the push service's URL for this browser (https:), at most 2048 characters
	endpoint TEXT PRIMARY KEY,
	session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	-- the browser's P-256 public key (65 bytes) and auth secret (16 bytes), base64url
	p256dh TEXT NOT NULL,
	auth TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE INDEX push_subscriptions_by_user ON push_subscriptions (user_id);
CREATE INDEX push_subscriptions_by_session ON push_subscriptions (session_id);

-- What a member wants to hear of one circle; no row is "everything", with the circle's name.
-- It belongs to the membership: leaving or removal takes it away.
CREATE TABLE push_preferences (
	circle_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	level TEXT NOT NULL CHECK (level IN ('everything', 'needs-me', 'nothing')),
	-- 1: the notification says "Something new in Hearth" instead of naming the circle
	hide_name INTEGER NOT NULL DEFAULT 0 CHECK (hide_name IN (0, 1)),
	PRIMARY KEY (circle_id, user_id),
	FOREIGN KEY (circle_id, user_id) REFERENCES memberships (circle_id, user_id) ON DELETE CASCADE
);

-- A member's own times, for all their circles: quiet hours and the daily check-in reminder, in
-- the time zone they chose (the device's, when they saved). Minutes after midnight, 0–1439.
CREATE TABLE push_settings (
	user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	time_zone TEXT NOT NULL,
	-- both NULL: no quiet hours; otherwise from start until end (across midnight when end < start)
	quiet_start INTEGER CHECK (quiet_start BETWEEN 0 AND 1439),
	quiet_end INTEGER CHECK (quiet_end BETWEEN 0 AND 1439),
	-- NULL: no daily reminder (the default)
	reminder_at INTEGER CHECK (reminder_at BETWEEN 0 AND 1439),
	-- the day ('YYYY-MM-DD', in time_zone) the reminder was last sent: at most once a day
	reminder_sent_on TEXT,
	CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);

-- One notification per member and circle until they read it: a row here means one was pushed;
-- the next waits until the member opens the circle, which deletes the row.
CREATE TABLE push_notices (
	circle_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	pushed_at INTEGER NOT NULL,
	PRIMARY KEY (circle_id, user_id),
	FOREIGN KEY (circle_id, user_id) REFERENCES memberships (circle_id, user_id) ON DELETE CASCADE
);
