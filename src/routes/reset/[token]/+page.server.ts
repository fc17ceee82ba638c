import { getDb } from '$lib/server/db';
import { resetPasswordSchema } from '$lib/server/auth/account-forms';
import { deleteSessionCookie, DEVICE_COOKIE, setDeviceCookie } from '$lib/server/auth/cookies';
import { findPasswordReset, resetPassword } from '$lib/server/auth/password-reset';
import { formAction } from '$lib/server/http/respond';
import { disconnectSessions } from '$lib/server/realtime/publish';
import type { Actions, PageServerLoad } from './$types';

// This page's address holds the reset token: hooks.server.ts serves it with Referrer-Policy:
// no-referrer and leaves the token out of the error log, and no cache keeps it (it shows the
// account's email). Opening the link only shows the form (a mail scanner that follows links uses
// nothing); choosing the password uses it.

export const load: PageServerLoad = async ({ params, setHeaders }) => {
	setHeaders({ 'cache-control': 'no-store' });
	return { reset: await findPasswordReset(getDb(), params.token) };
};

export const actions: Actions = {
	reset: async (event) =>
		formAction(event, 'reset', resetPasswordSchema, async ({ newPassword }) => {
			const reset = await resetPassword(getDb(), event.params.token, newPassword, Date.now(), event.cookies.get(DEVICE_COOKIE));
			disconnectSessions(reset.endedSessionIds, 'password-changed');
			// This browser may have been logged in to that very account: it is logged out too.
			if (event.locals.session && reset.endedSessionIds.includes(event.locals.session.id)) deleteSessionCookie(event.cookies, event.url);
			// It logs in next (the page sends it there): as a browser known to the account, so a
			// flood of guesses at the email does not hold it up.
			setDeviceCookie(event.cookies, event.url, reset.device.token, reset.device.expiresAt);
			return { email: reset.email, endedSessions: reset.endedSessionIds.length };
		})
};
