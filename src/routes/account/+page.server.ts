import { redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { getDb } from '$lib/server/db';
import { changePasswordSchema } from '$lib/server/auth/account-forms';
import { changePassword } from '$lib/server/auth/accounts';
import { deleteSessionCookie, setSessionCookie } from '$lib/server/auth/cookies';
import { requireUser } from '$lib/server/http/guards';
import { formAction } from '$lib/server/http/respond';
import { endOwnSession, invalidateUserSessions, listActiveSessions } from '$lib/server/auth/sessions';
import { clientAddress, field } from '$lib/server/forms';
import { disconnectSessions, handOverSessionSockets } from '$lib/server/realtime/publish';
import { invalid, Refusal } from '$lib/server/refusal';
import type { Actions, PageServerLoad } from './$types';

const endSessionSchema = v.object({ sessionId: field() });

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const sessions = await listActiveSessions(getDb(), user.id, event.locals.session?.id ?? null);
	return { email: user.email, displayName: user.displayName, sessions };
};

export const actions: Actions = {
	changePassword: async (event) => {
		const user = requireUser(event);
		return formAction(event, 'changePassword', changePasswordSchema, async (data) => {
			const result = await changePassword(getDb(), user, data, {
				address: clientAddress(event),
				userAgent: event.request.headers.get('user-agent') ?? ''
			});
			if (!result.ok) throw invalid('That isn’t your current password. Please try again.', 'currentPassword');
			setSessionCookie(event.cookies, event.url, result.signedIn.token, result.signedIn.session.expiresAt);
			// Every other device is logged out; this one (all its tabs share the cookie) carries on.
			const thisSession = event.locals.session?.id;
			disconnectSessions(
				result.endedSessionIds.filter((id) => id !== thisSession),
				'password-changed'
			);
			if (thisSession) handOverSessionSockets(thisSession, result.signedIn.session.id);
			return { success: 'Your password is changed. Every other device has been logged out.' };
		});
	},

	endSession: async (event) => {
		const user = requireUser(event);
		return formAction(event, 'endSession', endSessionSchema, async ({ sessionId }) => {
			const ended = await endOwnSession(getDb(), user.id, sessionId);
			// Someone else's session is not found either: nobody learns which ids exist.
			if (!ended) throw new Refusal('not-found', 'That device was already logged out.');
			disconnectSessions([sessionId], 'session-ended');
			if (sessionId === event.locals.session?.id) {
				deleteSessionCookie(event.cookies, event.url);
				redirect(303, '/login');
			}
			return { success: 'That device has been logged out.' };
		});
	},

	logOutEverywhere: async (event) => {
		const user = requireUser(event);
		const ended = await invalidateUserSessions(getDb(), user.id);
		disconnectSessions(ended, 'logged-out-everywhere');
		deleteSessionCookie(event.cookies, event.url);
		redirect(303, '/login');
	}
};
