-- Milestones: days in recovery (counted in the circle's time zone), lapses, small victories and
-- the circle's cheers.

-- Calendar days are counted where the family lives. The owner can change it; new circles take
-- their creator's browser time zone.
ALTER TABLE circles ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- A person in recovery's stretches in one circle, oldest first. The current one has no end; a
-- lapse ends a stretch on its day and a new one starts that same day (day 0). Only the person
-- sees the private note; the circle learns of a lapse only when the person chose to tell it.
CREATE TABLE recovery_stretches (
	id TEXT PRIMARY KEY,
	circle_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	-- YYYY-MM-DD
	started_on TEXT NOT NULL,
	-- YYYY-MM-DD of the lapse that ended it; NULL for the current stretch
	ended_on TEXT,
	lapse_note TEXT NOT NULL DEFAULT '',
	lapse_shared INTEGER NOT NULL DEFAULT 0 CHECK (lapse_shared IN (0, 1)),
	created_at INTEGER NOT NULL,
	FOREIGN KEY (circle_id, user_id) REFERENCES memberships (circle_id, user_id) ON DELETE CASCADE,
	CHECK (ended_on IS NULL OR ended_on >= started_on)
);

CREATE INDEX recovery_stretches_by_member ON recovery_stretches (circle_id, user_id, started_on);
-- At most one current stretch per person per circle.
CREATE UNIQUE INDEX recovery_stretches_current ON recovery_stretches (circle_id, user_id) WHERE ended_on IS NULL;

CREATE TABLE milestones (
	id TEXT PRIMARY KEY,
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	-- whose milestone it is; NULL for one that belongs to the whole circle
	subject_id TEXT REFERENCES users (id) ON DELETE CASCADE,
	-- automatic: reached by days in recovery; victory: added by hand
	kind TEXT NOT NULL CHECK (kind IN ('automatic', 'victory')),
	-- automatic ones: which ("day-30", "year-2", "came-back") of the stretch that began on stretch_started_on
	auto_key TEXT,
	stretch_started_on TEXT,
	title TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	-- YYYY-MM-DD
	reached_on TEXT NOT NULL,
	created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
	created_at INTEGER NOT NULL,
	CHECK ((kind = 'automatic') = (auto_key IS NOT NULL AND stretch_started_on IS NOT NULL AND subject_id IS NOT NULL))
);

-- Each automatic milestone exists once, however often (and on however many servers) the check runs.
CREATE UNIQUE INDEX milestones_once ON milestones (circle_id, subject_id, stretch_started_on, auto_key);
CREATE INDEX milestones_timeline ON milestones (circle_id, reached_on, created_at);

CREATE TABLE milestone_cheers (
	milestone_id TEXT NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	message TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	edited_at INTEGER,
	PRIMARY KEY (milestone_id, user_id)
);
