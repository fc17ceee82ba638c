-- Who sees a check-in (issue 20, item 3): see migrations/sqlite/0022_checkin_audience.sql.
ALTER TABLE checkins ADD COLUMN audience TEXT NOT NULL DEFAULT 'circle' CHECK (audience IN ('circle', 'chosen', 'self'));

CREATE TABLE checkin_audience (
	checkin_id TEXT NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
	circle_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	PRIMARY KEY (checkin_id, user_id),
	FOREIGN KEY (circle_id, user_id) REFERENCES memberships (circle_id, user_id) ON DELETE CASCADE
);

CREATE INDEX checkin_audience_by_member ON checkin_audience (circle_id, user_id);

ALTER TABLE circle_events ADD COLUMN checkin_id TEXT;
