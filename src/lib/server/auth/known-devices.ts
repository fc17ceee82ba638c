// Browsers that have signed in to an account before. Each gets a random token in a long-lived
// HttpOnly cookie (cookies.ts, DEVICE_COOKIE) at every successful sign-up or log-in; the database
// keeps only its SHA-256, per account. Being known signs nobody in: it only means the login limits
// that strangers can fill (per email, per address) do not apply, so a stranger's flood of wrong
// guesses cannot lock the owner out of the phone they always use (login-throttle.ts).
import type { Database } from '$lib/server/db';
import { generateSessionToken, hashToken } from './tokens';

const DAY = 24 * 60 * 60 * 1000;

/** A browser stays known for a year after it last signed in (the cookie is renewed each time). */
export const KNOWN_DEVICE_LIFETIME = 365 * DAY;

/** A browser known to one account: its token's hash and whose it is. */
export interface KnownDevice {
	tokenHash: string;
	userId: string;
}

/** Tokens are what generateSessionToken makes (base32, 40 characters); anything else is ignored. */
const WELL_FORMED = /^[a-z2-7]{40}$/;

/**
 * The device, when this browser's token (from its cookie) has signed in to the account with this
 * email before; otherwise null, also for an email with no account.
 */
export async function knownDeviceFor(db: Database, token: string | undefined, email: string, now = Date.now()): Promise<KnownDevice | null> {
	if (!token || !WELL_FORMED.test(token)) return null;
	const tokenHash = hashToken(token);
	const row = await db
		.selectFrom('known_devices')
		.innerJoin('users', 'users.id', 'known_devices.user_id')
		.select('known_devices.user_id')
		.where('known_devices.token_hash', '=', tokenHash)
		.where('users.email', '=', email)
		.where('known_devices.last_used_at', '>', now - KNOWN_DEVICE_LIFETIME)
		.executeTakeFirst();
	return row ? { tokenHash, userId: row.user_id } : null;
}

/**
 * Remembers this browser for the account it just signed in to, and returns the token for its
 * cookie: the one it already has when Hearth issued it (a shared tablet keeps one token for all
 * its accounts), else a new one. A token nobody was ever given is not adopted.
 */
export async function rememberDevice(
	db: Database,
	userId: string,
	presented: string | undefined,
	now = Date.now()
): Promise<{ token: string; expiresAt: number }> {
	let token = generateSessionToken();
	if (presented && WELL_FORMED.test(presented)) {
		const issued = await db.selectFrom('known_devices').select('user_id').where('token_hash', '=', hashToken(presented)).executeTakeFirst();
		if (issued) token = presented;
	}
	await db
		.insertInto('known_devices')
		.values({ token_hash: hashToken(token), user_id: userId, created_at: now, last_used_at: now })
		.onConflict((oc) => oc.columns(['token_hash', 'user_id']).doUpdateSet({ last_used_at: now }))
		.execute();
	return { token, expiresAt: now + KNOWN_DEVICE_LIFETIME };
}

/** Forgets browsers that have not signed in for a year (housekeeping). */
export async function deleteStaleDevices(db: Database, now = Date.now()): Promise<void> {
	await db
		.deleteFrom('known_devices')
		.where('last_used_at', '<=', now - KNOWN_DEVICE_LIFETIME)
		.execute();
}
