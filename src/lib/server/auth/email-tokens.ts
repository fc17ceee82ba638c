// The one-time links Hearth sends by email (migration 0011): a password reset or an address to
// confirm. The token is 200 random bits, as a session's; only its SHA-256 is stored, so a copy of
// the database opens nothing. Using a link deletes its row in the same statement that finds it,
// so two clicks at once cannot both use it.
import type { Database } from '$lib/server/db';
import { rowLock } from '$lib/server/db/dialect';
import { isForeignKeyViolation } from '$lib/server/db/errors';
import { notFound } from '$lib/server/refusal';
import type { EmailTokensTable } from '$lib/server/db/schema';
import { takeAttempt, THROTTLE_WINDOW, type AttemptKey } from '$lib/server/throttle';
import { generateSessionToken, hashToken } from './tokens';

export type EmailTokenPurpose = EmailTokensTable['purpose'];

export interface EmailToken {
	userId: string;
	email: string;
	createdAt: number;
	expiresAt: number;
}

/** Stores a new link for `email` and returns its token (for the message only; it is not kept). */
export async function issueEmailToken(
	db: Database,
	{ userId, purpose, email, lifetimeMs, now }: { userId: string; purpose: EmailTokenPurpose; email: string; lifetimeMs: number; now: number }
): Promise<string> {
	const token = generateSessionToken();
	try {
		await db
			.insertInto('email_tokens')
			.values({ id: hashToken(token), user_id: userId, purpose, email, created_at: now, expires_at: now + lifetimeMs })
			.execute();
	} catch (error) {
		// The account was deleted at this very moment: there is nobody to send a link for.
		if (isForeignKeyViolation(error)) throw notFound();
		throw error;
	}
	return token;
}

/** The link's row while it still works, without using it (a page shows its form). */
export async function findEmailToken(db: Database, token: string, purpose: EmailTokenPurpose, now: number): Promise<EmailToken | null> {
	const row = await db
		.selectFrom('email_tokens')
		.select(['user_id', 'email', 'created_at', 'expires_at'])
		.where('id', '=', hashToken(token))
		.where('purpose', '=', purpose)
		.where('expires_at', '>', now)
		.executeTakeFirst();
	return row ? { userId: row.user_id, email: row.email, createdAt: row.created_at, expiresAt: row.expires_at } : null;
}

/**
 * Uses the link, in the caller's transaction: deletes it and returns what it was for, or null when
 * it is unknown, used or expired. The account's row is locked first (FOR NO KEY UPDATE on
 * PostgreSQL), before the link's: every transaction that changes an account and its links takes
 * them in that order, so a reset and an email confirmation used at once wait for each other
 * rather than deadlock.
 */
export async function takeEmailToken(trx: Database, token: string, purpose: EmailTokenPurpose, now: number): Promise<EmailToken | null> {
	const found = await findEmailToken(trx, token, purpose, now);
	if (!found) return null;
	await trx.selectFrom('users').select('id').where('id', '=', found.userId).$call(rowLock(trx, 'no-key-update')).execute();
	const row = await trx
		.deleteFrom('email_tokens')
		.where('id', '=', hashToken(token))
		.where('purpose', '=', purpose)
		.where('expires_at', '>', now)
		.returning(['user_id', 'email', 'created_at', 'expires_at'])
		.executeTakeFirst();
	return row && row.user_id === found.userId ? { userId: row.user_id, email: row.email, createdAt: row.created_at, expiresAt: row.expires_at } : null;
}

/** Expired links are worth nothing: run now and then (hooks.server.ts's housekeeping). */
export async function deleteExpiredEmailTokens(db: Database, now = Date.now()): Promise<void> {
	await db.deleteFrom('email_tokens').where('expires_at', '<=', now).execute();
}

/**
 * Counts a request that sends mail (or could) against each key before anything is sent, or refuses
 * it: at most `limit` per key in a window of THROTTLE_WINDOW from the key's first request. The
 * counting is takeAttempt's (throttle.ts), so of requests that arrive together exactly `limit` go
 * ahead, and a refused one counts nothing. The refusal says only how long to wait, never which key
 * was full: the answer for "this email was asked for often" and "this address asked often" is the
 * same. The counters live beside the login limits' (attempt_throttles), under their own key
 * prefixes, and are cleared by the same housekeeping.
 */
export async function countMailRequest(
	db: Database,
	keys: readonly (readonly [key: string, limit: number])[],
	now: number
): Promise<{ retryAfterMs: number } | null> {
	const perWindow = keys.map(([key, limit]): AttemptKey => [key, { limit, windowMs: THROTTLE_WINDOW }]);
	const verdict = await takeAttempt(db, perWindow, now);
	return verdict.allowed ? null : { retryAfterMs: verdict.retryAfterMs };
}
