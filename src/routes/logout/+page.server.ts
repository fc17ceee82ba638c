import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { isDatabaseUnavailable } from '$lib/server/db/unavailable';
import { SESSION_COOKIE, deleteSessionCookie } from '$lib/server/auth/cookies';
import { addPendingLogout } from '$lib/server/auth/pending-logout';
import { invalidateSession } from '$lib/server/auth/sessions';
import { hashToken } from '$lib/server/auth/tokens';
import { disconnectSessions } from '$lib/server/realtime/publish';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	// Logged out here, but Hearth could not end the session on its side yet (hooks.server.ts tries
	// again on every request): the page says so, rather than "logged out" and nothing more.
	if (!locals.user && locals.logoutPending) return { logoutPending: true };
	if (!locals.user) redirect(303, '/login');
	return { logoutPending: false };
};

export const actions: Actions = {
	default: async ({ locals, cookies, url }) => {
		// Known from the cookie even when the database could not be asked whose session it is.
		const token = cookies.get(SESSION_COOKIE);
		const sessionId = locals.session?.id ?? (token ? hashToken(token) : null);
		// This device is logged out whatever happens next.
		deleteSessionCookie(cookies, url);
		if (sessionId) {
			try {
				await invalidateSession(getDb(), sessionId);
			} catch (caught) {
				if (!isDatabaseUnavailable(caught)) throw caught;
				// The session is still valid on Hearth's side: the device keeps its id to end it as
				// soon as Hearth can (auth/pending-logout.ts), and the page says so plainly.
				addPendingLogout(cookies, url, sessionId);
				redirect(303, '/logout');
			}
			disconnectSessions([sessionId], 'logged-out');
		}
		redirect(303, '/login');
	}
};
