// The one-time links Hearth sends by email (migration 0011): a password reset or an address to
// confirm. The token is 200 random bits, as a session's; only its SHA-256 is stored, so a copy of
// the database opens nothing. Using a link deletes its row in the same statement that finds it,
// so two clicks at once cannot both use it.
import type { Database } from '$lib/server/db';
import type { EmailTokensTable } from '$lib/server/db/schema';
import { checkThrottle, recordFailure, type ThrottleKey } from '$lib/server/throttle';
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
 * Counts a request that sends mail (or could) against each key, and says which key, if any, it went
 * over: limits of the form "at most `limit` in a window" (THROTTLE_WINDOW). The count comes first,
 * one atomic upsert per key, and the check reads what the count left, so requests that arrive
 * together cannot all pass a check made before any of them was counted: the request that takes a
 * key's count over its limit is refused, and so is every one after it until the window ends.
 */
export async function countMailRequest(
	db: Database,
	keys: readonly (readonly [key: string, limit: number])[],
	now: number
): Promise<{ key: string; retryAfterMs: number } | null> {
	// blockAfter: limit + 1 blocks at the first request over the limit; no request is slowed down.
	const throttleKeys: ThrottleKey[] = keys.map(([key, limit]) => [key, { slowAfter: Number.MAX_SAFE_INTEGER, blockAfter: limit + 1 }]);
	await recordFailure(db, throttleKeys, now);
	for (const throttleKey of throttleKeys) {
		const verdict = await checkThrottle(db, [throttleKey], now);
		if (!verdict.allowed) return { key: throttleKey[0], retryAfterMs: verdict.retryAfterMs };
	}
	return null;
}
