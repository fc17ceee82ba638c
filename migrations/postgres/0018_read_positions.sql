-- Unread (issue 18, item 4): see migrations/sqlite/0018_read_positions.sql.
CREATE TABLE read_positions (
	circle_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	read_seq BIGINT NOT NULL CHECK (read_seq >= 0),
	read_at BIGINT NOT NULL,
	PRIMARY KEY (circle_id, user_id),
	FOREIGN KEY (circle_id, user_id) REFERENCES memberships (circle_id, user_id) ON DELETE CASCADE
);

INSERT INTO read_positions (circle_id, user_id, read_seq, read_at)
SELECT memberships.circle_id, memberships.user_id,
	COALESCE((SELECT MAX(seq) FROM circle_events WHERE circle_events.circle_id = memberships.circle_id), 0),
	(extract(epoch FROM now()) * 1000)::bigint
FROM memberships;
