-- Boundary agreements: written agreements every member consents to, versioned and kept on record.
--
-- An agreement's history (its versions, the proposals made about it, every answer and every
-- comment) is append-only: the triggers below refuse any edit or deletion, except the cascade
-- that follows deleting the whole circle (by then the parent row is already gone).
-- Only the `agreements` row itself changes: it points at the version in force and the one open
-- proposal, and both are recomputed from the history.

CREATE TABLE agreements (
	id TEXT PRIMARY KEY,
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	created_by TEXT NOT NULL REFERENCES users (id),
	created_at INTEGER NOT NULL,
	-- proposed: never agreed yet; agreed: a version is in force; withdrawn / retired: closed
	status TEXT NOT NULL CHECK (status IN ('proposed', 'agreed', 'withdrawn', 'retired')),
	-- the number of the version everyone agreed to (NULL until the first is agreed)
	in_force_version INTEGER,
	-- the one proposal waiting for answers, if any
	open_proposal_id TEXT,
	updated_at INTEGER NOT NULL
);

CREATE INDEX agreements_by_circle ON agreements (circle_id, updated_at);

CREATE TABLE agreement_versions (
	agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
	number INTEGER NOT NULL CHECK (number >= 1),
	title TEXT NOT NULL,
	category TEXT NOT NULL,
	body TEXT NOT NULL,
	-- "How we'll support this"
	support TEXT NOT NULL DEFAULT '',
	-- "If it isn't kept"
	consequence TEXT NOT NULL DEFAULT '',
	-- YYYY-MM-DD, or NULL for no review date
	review_on TEXT,
	created_by TEXT NOT NULL REFERENCES users (id),
	created_at INTEGER NOT NULL,
	PRIMARY KEY (agreement_id, number)
);

-- A question put to everyone: adopt a version, withdraw the open proposal, or retire the agreement.
CREATE TABLE agreement_proposals (
	id TEXT PRIMARY KEY,
	agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('version', 'withdraw', 'retire')),
	-- version: the version proposed; retire: the version in force; withdraw: NULL
	version INTEGER,
	-- withdraw: the proposal it withdraws
	withdraws_proposal_id TEXT REFERENCES agreement_proposals (id),
	-- the proposer's words on why (required to withdraw or retire; optional for a revision)
	reason TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL REFERENCES users (id),
	created_at INTEGER NOT NULL,
	-- NULL while open; agreed: everyone agreed; replaced: a newer proposal took its place
	outcome TEXT CHECK (outcome IN ('agreed', 'replaced')),
	decided_at INTEGER,
	CHECK ((kind = 'withdraw') = (withdraws_proposal_id IS NOT NULL)),
	CHECK ((kind = 'withdraw') = (version IS NULL)),
	CHECK ((outcome IS NULL) = (decided_at IS NULL))
);

CREATE INDEX agreement_proposals_by_agreement ON agreement_proposals (agreement_id, created_at);

-- Every answer ever given; a member's latest answer to a proposal is the one that counts.
-- An "agree" to a proposal that was already agreed is a newcomer's acknowledgement.
CREATE TABLE agreement_answers (
	id TEXT PRIMARY KEY,
	proposal_id TEXT NOT NULL REFERENCES agreement_proposals (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id),
	answer TEXT NOT NULL CHECK (answer IN ('agree', 'changes')),
	comment TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	CHECK (answer = 'agree' OR comment != '')
);

CREATE INDEX agreement_answers_by_proposal ON agreement_answers (proposal_id, created_at);

CREATE TABLE agreement_comments (
	id TEXT PRIMARY KEY,
	agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
	author_id TEXT NOT NULL REFERENCES users (id),
	body TEXT NOT NULL CHECK (body != ''),
	created_at INTEGER NOT NULL
);

CREATE INDEX agreement_comments_by_agreement ON agreement_comments (agreement_id, created_at);

-- History cannot be rewritten.

CREATE TRIGGER agreement_versions_no_update BEFORE UPDATE ON agreement_versions
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

CREATE TRIGGER agreement_versions_no_delete BEFORE DELETE ON agreement_versions
WHEN EXISTS (SELECT 1 FROM agreements WHERE id = OLD.agreement_id)
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

-- A proposal is decided once: its outcome is set from NULL, and nothing else about it changes.
CREATE TRIGGER agreement_proposals_decided_once BEFORE UPDATE ON agreement_proposals
WHEN OLD.outcome IS NOT NULL
	OR NEW.id IS NOT OLD.id
	OR NEW.agreement_id IS NOT OLD.agreement_id
	OR NEW.kind IS NOT OLD.kind
	OR NEW.version IS NOT OLD.version
	OR NEW.withdraws_proposal_id IS NOT OLD.withdraws_proposal_id
	OR NEW.reason IS NOT OLD.reason
	OR NEW.created_by IS NOT OLD.created_by
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
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

CREATE TRIGGER agreement_answers_no_delete BEFORE DELETE ON agreement_answers
WHEN EXISTS (SELECT 1 FROM agreement_proposals WHERE id = OLD.proposal_id)
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

CREATE TRIGGER agreement_comments_no_update BEFORE UPDATE ON agreement_comments
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

CREATE TRIGGER agreement_comments_no_delete BEFORE DELETE ON agreement_comments
WHEN EXISTS (SELECT 1 FROM agreements WHERE id = OLD.agreement_id)
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;

-- An agreement with a history is removed only with its circle.
CREATE TRIGGER agreements_no_delete BEFORE DELETE ON agreements
WHEN EXISTS (SELECT 1 FROM circles WHERE id = OLD.circle_id)
BEGIN
	SELECT RAISE(ABORT, 'agreement history is append-only');
END;
