-- Email (issue 16): whether an account's address is confirmed, and the one-time links sent by mail.

-- When the person followed a link sent to their login email; NULL until then. Accounts made before
-- email existed start unconfirmed. Nothing but a link they asked for is ever sent to an address
-- that is not confirmed (README, "Email").
ALTER TABLE users ADD COLUMN email_confirmed_at INTEGER;

-- A link sent by email: a password reset (to the login email) or an address to confirm (the login
-- email, or the new one an account is changing to; until it is confirmed, the old one stays the
-- login email). Only the SHA-256 of the token is stored; the token itself is only in the email.
-- Using a link deletes it, so it works once.
CREATE TABLE email_tokens (
	-- SHA-256 (hex) of the token in the link
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	purpose TEXT NOT NULL CHECK (purpose IN ('reset-password', 'confirm-email')),
	-- the address the link was sent to (stored trimmed and lower-cased, as users.email)
	email TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);

CREATE INDEX email_tokens_by_user ON email_tokens (user_id, purpose);
CREATE INDEX email_tokens_by_expiry ON email_tokens (expires_at);
