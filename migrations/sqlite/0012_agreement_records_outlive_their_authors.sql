-- hearth: foreign keys off
--
-- Someone who deletes their account (account/deletion.ts) takes everything they wrote with them,
-- except the circle's agreement records: those are kept for the others, and in them the person
-- becomes "a former member". So every column naming who wrote a version, proposed, answered or
-- commented may now be NULL (= a former member), and the append-only triggers allow exactly
-- that one change: an author column going from someone to NULL, nothing else in the row.
--
-- SQLite cannot relax NOT NULL in place, so the five tables are rebuilt (the documented
-- twelve-step way: the migration runs with foreign keys off, so dropping the old `agreements`
-- cascades nothing, and `PRAGMA foreign_key_check` must come back empty before it commits).

CREATE TABLE agreements_new (
	id TEXT PRIMARY KEY,
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
	created_at INTEGER NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('proposed', 'agreed', 'withdrawn', 'retired')),
	in_force_version INTEGER,
	open_proposal_id TEXT,
	updated_at INTEGER NOT NULL
);
INSERT INTO agreements_new SELECT id, circle_id, created_by, created_at, status, in_force_version, open_proposal_id, updated_at FROM agreements;

CREATE TABLE agreement_versions_new (
	agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
	number INTEGER NOT NULL CHECK (number >= 1),
	title TEXT NOT NULL,
	category TEXT NOT NULL,
	body TEXT NOT NULL,
	support TEXT NOT NULL DEFAULT '',
	consequence TEXT NOT NULL DEFAULT '',
	review_on TEXT,
	created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (agreement_id, number)
);
INSERT INTO agreement_versions_new
	SELECT agreement_id, number, title, category, body, support, consequence, review_on, created_by, created_at FROM agreement_versions;

CREATE TABLE agreement_proposals_new (
	id TEXT PRIMARY KEY,
	agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('version', 'withdraw', 'retire')),
	version INTEGER,
	withdraws_proposal_id TEXT REFERENCES agreement_proposals (id),
	reason TEXT NOT NULL DEFAULT '',
	created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
	created_at INTEGER NOT NULL,
	outcome TEXT CHECK (outcome IN ('agreed', 'replaced')),
	decided_at INTEGER,
	CHECK ((kind = 'withdraw') = (withdraws_proposal_id IS NOT NULL)),
	CHECK ((kind = 'withdraw') = (version IS NULL)),
	CHECK ((outcome IS NULL) = (decided_at IS NULL))
);
INSERT INTO agreement_proposals_new
	SELECT id, agreement_id, kind, version, withdraws_proposal_id, reason, created_by, created_at, outcome, decided_at FROM agreement_proposals;

CREATE TABLE agreement_answers_new (
	id TEXT PRIMARY KEY,
	proposal_id TEXT NOT NULL REFERENCES agreement_proposals (id) ON DELETE CASCADE,
	user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
	answer TEXT NOT NULL CHECK (answer IN ('agree', 'changes')),
	comment TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	CHECK (answer = 'agree' OR comment != '')
);
INSERT INTO agreement_answers_new SELECT id, proposal_id, user_id, answer, comment, created_at FROM agreement_answers;

CREATE TABLE agreement_comments_new (
	id TEXT PRIMARY KEY,
	agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
	author_id TEXT REFERENCES users (id) ON DELETE SET NULL,
	body TEXT NOT NULL CHECK (body != ''),
	created_at INTEGER NOT NULL
);
INSERT INTO agreement_comments_new SELECT id, agreement_id, author_id, body, created_at FROM agreement_comments;

-- Dropping a table drops its indexes and triggers; they are made again below.
DROP TABLE agreement_comments;
DROP TABLE agreement_answers;
DROP TABLE agreement_proposals;
DROP TABLE agreement_versions;
DROP TABLE agreements;

ALTER TABLE agreements_new RENAME TO agreements;
ALTER TABLE agreement_versions_new RENAME TO agreement_versions;
ALTER TABLE agreement_proposals_new RENAME TO agreement_proposals;
ALTER TABLE agreement_answers_new RENAME TO agreement_answers;
ALTER TABLE agreement_comments_new RENAME TO agreement_comments;

CREATE INDEX agreements_by_circle ON agreements (circle_id, updated_at);
CREATE INDEX agreement_proposals_by_agreement ON agreement_proposals (agreement_id, created_at);
CREATE INDEX agreement_answers_by_proposal ON agreement_answers (proposal_id, created_at);
CREATE INDEX agreement_comments_by_agreement ON agreement_comments (agreement_id, created_at);
-- Finding what someone wrote when they delete their account.
CREATE INDEX agreements_by_creator ON agreements (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX agreement_versions_by_author ON agreement_versions (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX agreement_proposals_by_author ON agreement_proposals (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX agreement_answers_by_author ON agreement_answers (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX agreement_comments_by_author ON agreement_comments (author_id) WHERE author_id IS NOT NULL;

-- History cannot be rewritten; the one change allowed is an author becoming a former member.

CREATE TRIGGER agreement_versions_no_update BEFORE UPDATE ON agreement_versions
WHEN NOT (
	OLD.created_by IS NOT NULL AND NEW.created_by IS NULL
	AND NEW.agreement_id IS OLD.agreement_id AND NEW.number IS OLD.number AND NEW.title IS OLD.title
	AND NEW.category IS OLD.category AND NEW.body IS OLD.body AND NEW.support IS OLD.support
	AND NEW.consequence IS OLD.consequence AND NEW.review_on IS OLD.review_on AND NEW.created_at IS OLD.created_at
)
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

CREATE TRIGGER agreement_versions_no_delete BEFORE DELETE ON agreement_versions
WHEN EXISTS (SELECT 1 FROM agreements WHERE id = OLD.agreement_id)
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

-- A proposal is decided once (its outcome is set from NULL), and its proposer may become a
-- former member; nothing else about it changes.
CREATE TRIGGER agreement_proposals_decided_once BEFORE UPDATE ON agreement_proposals
WHEN (OLD.outcome IS NOT NULL AND (NEW.outcome IS NOT OLD.outcome OR NEW.decided_at IS NOT OLD.decided_at))
	OR NEW.id IS NOT OLD.id
	OR NEW.agreement_id IS NOT OLD.agreement_id
	OR NEW.kind IS NOT OLD.kind
	OR NEW.version IS NOT OLD.version
	OR NEW.withdraws_proposal_id IS NOT OLD.withdraws_proposal_id
	OR NEW.reason IS NOT OLD.reason
	OR (NEW.created_by IS NOT OLD.created_by AND NEW.created_by IS NOT NULL)
	OR NEW.created_at IS NOT OLD.created_at
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

CREATE TRIGGER agreement_proposals_no_delete BEFORE DELETE ON agreement_proposals
WHEN EXISTS (SELECT 1 FROM agreements WHERE id = OLD.agreement_id)
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

CREATE TRIGGER agreement_answers_no_update BEFORE UPDATE ON agreement_answers
WHEN NOT (
	OLD.user_id IS NOT NULL AND NEW.user_id IS NULL
	AND NEW.id IS OLD.id AND NEW.proposal_id IS OLD.proposal_id AND NEW.answer IS OLD.answer
	AND NEW.comment IS OLD.comment AND NEW.created_at IS OLD.created_at
)
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

CREATE TRIGGER agreement_answers_no_delete BEFORE DELETE ON agreement_answers
WHEN EXISTS (SELECT 1 FROM agreement_proposals WHERE id = OLD.proposal_id)
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

CREATE TRIGGER agreement_comments_no_update BEFORE UPDATE ON agreement_comments
WHEN NOT (
	OLD.author_id IS NOT NULL AND NEW.author_id IS NULL
	AND NEW.id IS OLD.id AND NEW.agreement_id IS OLD.agreement_id AND NEW.body IS OLD.body AND NEW.created_at IS OLD.created_at
)
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

CREATE TRIGGER agreement_comments_no_delete BEFORE DELETE ON agreement_comments
WHEN EXISTS (SELECT 1 FROM agreements WHERE id = OLD.agreement_id)
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

CREATE TRIGGER agreements_no_delete BEFORE DELETE ON agreements
WHEN EXISTS (SELECT 1 FROM circles WHERE id = OLD.circle_id)
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;
