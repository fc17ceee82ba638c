-- The shared safety and overdose plan (issue 20, item 1). One family overdose plan per circle
-- (owner_id NULL: any member edits it) and one safety plan per person in recovery (owner_id:
-- only they change it; others suggest additions, which they accept or decline).
--
-- Every accepted change is a new row of plan_versions, and that history is append-only, like the
-- agreement versions (0004, 0012): the triggers refuse any edit or deletion, except an author
-- becoming NULL ("a former member", account/deletion.ts), and what goes with the circle or with
-- the person whose own plan it is (the cascade finds the parent row already gone).
-- The same tables serve PostgreSQL (migrations/postgres/0021_plans.sql).

CREATE TABLE plan_versions (
	id TEXT PRIMARY KEY,
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	-- the person in recovery whose plan it is; NULL: the family's overdose plan
	owner_id TEXT REFERENCES users (id) ON DELETE CASCADE,
	number INTEGER NOT NULL CHECK (number >= 1),
	-- the plan's sections, a JSON object of texts (src/lib/plans.ts)
	sections TEXT NOT NULL,
	-- who made the change (NULL: a former member)
	created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
	-- whose suggestion it was, when it came from one (NULL: none, or a former member)
	suggested_by TEXT REFERENCES users (id) ON DELETE SET NULL,
	created_at INTEGER NOT NULL
);

CREATE UNIQUE INDEX plan_versions_number ON plan_versions (circle_id, (COALESCE(owner_id, '')), number);
CREATE INDEX plan_versions_by_owner ON plan_versions (owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX plan_versions_by_author ON plan_versions (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX plan_versions_by_suggester ON plan_versions (suggested_by) WHERE suggested_by IS NOT NULL;

-- What others suggest adding to a person's plan; decided once, by that person.
CREATE TABLE plan_suggestions (
	id TEXT PRIMARY KEY,
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	section TEXT NOT NULL,
	body TEXT NOT NULL CHECK (body != ''),
	created_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'declined')),
	decided_at INTEGER,
	CHECK ((status = 'open') = (decided_at IS NULL))
);

CREATE INDEX plan_suggestions_by_plan ON plan_suggestions (circle_id, owner_id, created_at);
CREATE INDEX plan_suggestions_by_author ON plan_suggestions (created_by);

-- History cannot be rewritten; the one change allowed is an author becoming a former member.
CREATE TRIGGER plan_versions_no_update BEFORE UPDATE ON plan_versions
WHEN NOT (
	NEW.id IS OLD.id AND NEW.circle_id IS OLD.circle_id AND NEW.owner_id IS OLD.owner_id
	AND NEW.number IS OLD.number AND NEW.sections IS OLD.sections AND NEW.created_at IS OLD.created_at
	AND (NEW.created_by IS OLD.created_by OR NEW.created_by IS NULL)
	AND (NEW.suggested_by IS OLD.suggested_by OR NEW.suggested_by IS NULL)
)
BEGIN
	SELECT RAISE(ABORT, 'plan history is append-only');
END;

CREATE TRIGGER plan_versions_no_delete BEFORE DELETE ON plan_versions
WHEN EXISTS (SELECT 1 FROM circles WHERE id = OLD.circle_id)
	AND (OLD.owner_id IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = OLD.owner_id))
BEGIN
	SELECT RAISE(ABORT, 'plan history is append-only');
END;
