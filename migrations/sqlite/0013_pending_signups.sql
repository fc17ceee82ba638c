-- Sign-up with email (issue 16): an account is made only when the link sent to its address is
-- followed, so the sign-up page can answer the same for an address that has an account and one
-- that has not (README, "Email"). Until then what the person chose waits here, for 24 hours.

-- A sign-up waiting for its link. Only the SHA-256 of the link's token is stored (the token is only
-- in the email), and the argon2id hash of the chosen password, never the password. Several may wait
-- for one address (someone who signed up twice can follow either link); the first followed makes
-- the account and the others are deleted with it. Using a link deletes its row, so it works once.
CREATE TABLE pending_signups (
	-- SHA-256 (hex) of the token in the link
	id TEXT PRIMARY KEY,
	-- trimmed and lower-cased, as users.email
	email TEXT NOT NULL,
	display_name TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	-- where to go once the account is made (e.g. back to an invite link), encrypted with a key
	-- derived from the link's token, so the database alone never holds an invite link's token
	redirect_sealed TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);

CREATE INDEX pending_signups_by_email ON pending_signups (email);
CREATE INDEX pending_signups_by_expiry ON pending_signups (expires_at);
