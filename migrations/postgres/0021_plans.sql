-- The shared safety and overdose plan (issue 20, item 1): see migrations/sqlite/0021_plans.sql.
-- The same tables; the append-only triggers as plpgsql functions, as for the agreement history.

CREATE TABLE plan_versions (
	id TEXT PRIMARY KEY,
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	owner_id TEXT REFERENCES users (id) ON DELETE CASCADE,
	number INTEGER NOT NULL CHECK (number >= 1),
	sections TEXT NOT NULL,
	created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
	suggested_by TEXT REFERENCES users (id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX plan_versions_number ON plan_versions (circle_id, (COALESCE(owner_id, '')), number);
CREATE INDEX plan_versions_by_owner ON plan_versions (owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX plan_versions_by_author ON plan_versions (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX plan_versions_by_suggester ON plan_versions (suggested_by) WHERE suggested_by IS NOT NULL;

CREATE TABLE plan_suggestions (
	id TEXT PRIMARY KEY,
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	section TEXT NOT NULL,
	body TEXT NOT NULL CHECK (body != ''),
	created_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'declined')),
	decided_at BIGINT,
	CHECK ((status = 'open') = (decided_at IS NULL))
);

CREATE INDEX plan_suggestions_by_plan ON plan_suggestions (circle_id, owner_id, created_at);
CREATE INDEX plan_suggestions_by_author ON plan_suggestions (created_by);

CREATE FUNCTION hearth_refuse_plan_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'plan history is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

-- A version goes only with its circle, or with the person whose own plan it is.
CREATE FUNCTION hearth_refuse_plan_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM circles WHERE id = OLD.circle_id)
		AND (OLD.owner_id IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = OLD.owner_id)) THEN
		RAISE EXCEPTION 'plan history is append-only' USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	RETURN OLD;
END;
$$;

CREATE TRIGGER plan_versions_no_update BEFORE UPDATE ON plan_versions FOR EACH ROW
WHEN (NOT (
	NEW.id IS NOT DISTINCT FROM OLD.id AND NEW.circle_id IS NOT DISTINCT FROM OLD.circle_id
	AND NEW.owner_id IS NOT DISTINCT FROM OLD.owner_id AND NEW.number IS NOT DISTINCT FROM OLD.number
	AND NEW.sections IS NOT DISTINCT FROM OLD.sections AND NEW.created_at IS NOT DISTINCT FROM OLD.created_at
	AND (NEW.created_by IS NOT DISTINCT FROM OLD.created_by OR NEW.created_by IS NULL)
	AND (NEW.suggested_by IS NOT DISTINCT FROM OLD.suggested_by OR NEW.suggested_by IS NULL)
))
EXECUTE FUNCTION hearth_refuse_plan_change();

CREATE TRIGGER plan_versions_no_delete BEFORE DELETE ON plan_versions FOR EACH ROW
EXECUTE FUNCTION hearth_refuse_plan_delete();

-- TRUNCATE skips row triggers, so it is refused outright on the history.
CREATE TRIGGER plan_versions_no_truncate BEFORE TRUNCATE ON plan_versions
EXECUTE FUNCTION hearth_refuse_plan_change();
