-- Who sees a check-in (issue 20, item 3): its author chooses the whole circle (the default, and
-- what every earlier check-in had), chosen members, or only themselves (a private journal entry).
-- The author always sees their own; 'chosen' names the others in checkin_audience. A chosen
-- member's row belongs to their membership: leaving, being removed or deleting the account takes
-- it with it (the foreign key cascades). The same tables serve PostgreSQL (migrations/postgres).
ALTER TABLE checkins ADD COLUMN audience TEXT NOT NULL DEFAULT 'circle' CHECK (audience IN ('circle', 'chosen', 'self'));

CREATE TABLE checkin_audience (
	checkin_id TEXT NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
	circle_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	PRIMARY KEY (checkin_id, user_id),
	FOREIGN KEY (circle_id, user_id) REFERENCES memberships (circle_id, user_id) ON DELETE CASCADE
);

CREATE INDEX checkin_audience_by_member ON checkin_audience (circle_id, user_id);

-- The check-in an event is about, so that what counts or is sent per member (unread counts,
-- catch-up, "last activity") can leave out the check-ins that member may not see. Older events
-- have none: their check-ins were all for the whole circle.
ALTER TABLE circle_events ADD COLUMN checkin_id TEXT;
