// The one-time links Hearth sends by email (migration 0011): a password reset or an address to
// confirm. The token is 200 random bits, as a session's; only its SHA-256 is stored, so a copy of
// the database opens nothing. Using a link deletes its row in the same statement that finds it,
// so two clicks at once cannot both use it.
import { sql } from 'kysely';
import type { Database } from '$lib/server/db';
import type { EmailTokensTable } from '$lib/server/db/schema';
import { THROTTLE_WINDOW } from '$lib/server/throttle';
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
	await db
		.insertInto('email_tokens')
		.values({ id: hashToken(token), user_id: userId, purpose, email, created_at: now, expires_at: now + lifetimeMs })
		.execute();
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

/** Uses the link: deletes it and returns what it was for, or null when it is unknown, used or expired. */
export async function takeEmailToken(db: Database, token: string, purpose: EmailTokenPurpose, now: number): Promise<EmailToken | null> {
	const row = await db
		.deleteFrom('email_tokens')
		.where('id', '=', hashToken(token))
		.where('purpose', '=', purpose)
		.where('expires_at', '>', now)
		.returning(['user_id', 'email', 'created_at', 'expires_at'])
		.executeTakeFirst();
	return row ? { userId: row.user_id, email: row.email, createdAt: row.created_at, expiresAt: row.expires_at } : null;
}

/** Expired links are worth nothing: run now and then (hooks.server.ts's housekeeping). */
export async function deleteExpiredEmailTokens(db: Database, now = Date.now()): Promise<void> {
	await db.deleteFrom('email_tokens').where('expires_at', '<=', now).execute();
}

/**
 * Counts a request that sends mail (or could) against each key, and says which key, if any, it
 * took over its limit: "at most `limit` in a window of THROTTLE_WINDOW", the window starting at a
 * key's first request. Each count is one atomic upsert that returns the count it made, so of
 * requests that arrive together exactly `limit` go ahead (a check made before the count, or read
 * after it, would let all through, or none). The counters live beside the login limits'
 * (attempt_throttles), under their own key prefixes, and are cleared by the same housekeeping.
 */
export async function countMailRequest(
	db: Database,
	keys: readonly (readonly [key: string, limit: number])[],
	now: number
): Promise<{ key: string; retryAfterMs: number } | null> {
	return db.transaction().execute(async (trx) => {
		let over: { key: string; retryAfterMs: number } | null = null;
		for (const [key, limit] of keys) {
			const windowOpen = sql<boolean>`${now} - attempt_throttles.window_started_at < ${THROTTLE_WINDOW}`;
			const counted = await trx
				.insertInto('attempt_throttles')
				.values({ key, failures: 1, window_started_at: now, blocked_until: 0 })
				.onConflict((oc) =>
					oc.column('key').doUpdateSet({
						failures: sql<number>`CASE WHEN ${windowOpen} THEN attempt_throttles.failures + 1 ELSE 1 END`,
						window_started_at: sql<number>`CASE WHEN ${windowOpen} THEN attempt_throttles.window_started_at ELSE ${now} END`
					})
				)
				.returning(['failures', 'window_started_at'])
				.executeTakeFirstOrThrow();
			if (counted.failures > limit && !over) over = { key, retryAfterMs: Math.max(1, counted.window_started_at + THROTTLE_WINDOW - now) };
		}
		return over;
	});
}
