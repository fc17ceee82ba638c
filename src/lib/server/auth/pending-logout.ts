// Logging out while the database is away: the device forgets its session cookie at once (it is
// logged out), but the session row cannot be deleted, so the session would stay valid on Hearth's
// side, for anyone holding a copy of its cookie, until it expired. Instead the device keeps the
// session's id (its token's hash: it cannot sign anyone in) in a cookie of its own, and every
// request from it tries again to end that session, until one can; the page says so meanwhile
// (routes/logout). The session can also be ended from /account on any device, under "Where you're
// logged in".
import type { Database } from '$lib/server/db';
import { isDatabaseUnavailable } from '$lib/server/db/unavailable';
import { invalidateSession, SESSION_ABSOLUTE_LIFETIME } from './sessions';

/** The sessions this device logged out of that Hearth has not ended yet (ids, space-separated). */
export const PENDING_LOGOUT_COOKIE = 'hearth_logout_pending';

/** A session id: the SHA-256 of its token, in hex (tokens.ts hashToken). */
const SESSION_ID = /^[0-9a-f]{64}$/;

/** Logging out of more sessions than this while Hearth is away keeps the newest ones. */
const MOST_PENDING = 5;

interface CookieJar {
	get(name: string): string | undefined;
	set(name: string, value: string, options: { path: string; httpOnly: boolean; sameSite: 'lax'; secure: boolean; expires: Date }): void;
	delete(name: string, options: { path: string; httpOnly: boolean; sameSite: 'lax'; secure: boolean }): void;
}

/** The session ids the device's cookie holds (only well-formed ones). */
export function pendingLogouts(cookies: CookieJar): string[] {
	return (cookies.get(PENDING_LOGOUT_COOKIE) ?? '').split(' ').filter((id) => SESSION_ID.test(id));
}

/** Remembers on the device that `sessionId` still has to be ended on Hearth's side. */
export function addPendingLogout(cookies: CookieJar, url: URL, sessionId: string, now = Date.now()): void {
	const ids = [...pendingLogouts(cookies).filter((id) => id !== sessionId), sessionId].slice(-MOST_PENDING);
	cookies.set(PENDING_LOGOUT_COOKIE, ids.join(' '), {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		// No session outlives this from its sign-in, so none is left to end after it.
		expires: new Date(now + SESSION_ABSOLUTE_LIFETIME)
	});
}

export type PendingLogouts = 'none' | 'ended' | 'pending';

/**
 * Ends the sessions the device logged out of while the database was away: 'ended' (and the cookie
 * is deleted), 'pending' while the database is still away (kept for the next request), 'none'.
 * `ended` is told the ids, to close their live connections.
 */
export async function finishPendingLogouts(db: Database, cookies: CookieJar, url: URL, ended: (ids: string[]) => void = () => {}): Promise<PendingLogouts> {
	const ids = pendingLogouts(cookies);
	if (ids.length === 0) {
		if (cookies.get(PENDING_LOGOUT_COOKIE) !== undefined) deletePendingLogouts(cookies, url);
		return 'none';
	}
	try {
		for (const id of ids) await invalidateSession(db, id);
	} catch (caught) {
		if (!isDatabaseUnavailable(caught)) console.error('Ending a session logged out of earlier failed', caught);
		return 'pending';
	}
	deletePendingLogouts(cookies, url);
	ended(ids);
	return 'ended';
}

function deletePendingLogouts(cookies: CookieJar, url: URL): void {
	cookies.delete(PENDING_LOGOUT_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:' });
}
