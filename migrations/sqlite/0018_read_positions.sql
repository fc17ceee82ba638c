-- Unread (issue 18, item 4): how far each member has read in each of their circles, as the number
-- of the last event of the circle's log they have seen (circle_events.seq). It only moves forward
-- (src/lib/server/unread/positions.ts). It belongs to the membership: leaving, being removed,
-- deleting the account and deleting the circle all take it with them (the foreign key cascades).
-- The same table serves PostgreSQL (migrations/postgres/0018_read_positions.sql).
CREATE TABLE read_positions (
	circle_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	read_seq INTEGER NOT NULL CHECK (read_seq >= 0),
	read_at INTEGER NOT NULL,
	PRIMARY KEY (circle_id, user_id),
	FOREIGN KEY (circle_id, user_id) REFERENCES memberships (circle_id, user_id) ON DELETE CASCADE
);

-- Everyone already in a circle has read it up to now: the first count after the upgrade is not
-- the whole history.
INSERT INTO read_positions (circle_id, user_id, read_seq, read_at)
SELECT memberships.circle_id, memberships.user_id,
	COALESCE((SELECT MAX(seq) FROM circle_events WHERE circle_events.circle_id = memberships.circle_id), 0),
	CAST(strftime('%s', 'now') AS INTEGER) * 1000
FROM memberships;
