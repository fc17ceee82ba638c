import { fail, redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { parseChangePasswordForm, type ChangePasswordField } from '$lib/server/auth/account-forms';
import { changePassword } from '$lib/server/auth/accounts';
import { deleteSessionCookie, setSessionCookie } from '$lib/server/auth/cookies';
import { requireUser } from '$lib/server/http/guards';
import { endOwnSession, invalidateUserSessions, listActiveSessions } from '$lib/server/auth/sessions';
import { clientAddress, readForm } from '$lib/server/forms';
import { disconnectSessions, handOverSessionSockets } from '$lib/server/realtime/publish';
import { readText, type FieldErrors } from '$lib/server/validation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const sessions = await listActiveSessions(getDb(), user.id, event.locals.session?.id ?? null);
	return { email: user.email, displayName: user.displayName, sessions };
};

export const actions: Actions = {
	changePassword: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const parsed = parseChangePasswordForm(form);
		if (!parsed.ok) return fail(400, { action: 'changePassword', errors: parsed.errors });
		const result = await changePassword(getDb(), user, parsed.data, {
			address: clientAddress(event),
			userAgent: event.request.headers.get('user-agent') ?? ''
		});
		if (!result.ok) {
			const errors: FieldErrors<ChangePasswordField> = {
				currentPassword: 'That isn’t your current password. Please try again.'
			};
			return fail(400, { action: 'changePassword', errors });
		}
		setSessionCookie(event.cookies, event.url, result.signedIn.token, result.signedIn.session.expiresAt);
		// Every other device is logged out; this one (all its tabs share the cookie) carries on.
		const thisSession = event.locals.session?.id;
		disconnectSessions(
			result.endedSessionIds.filter((id) => id !== thisSession),
			'password-changed'
		);
		if (thisSession) handOverSessionSockets(thisSession, result.signedIn.session.id);
		return { action: 'changePassword', success: 'Your password is changed. Every other device has been logged out.' };
	},

	endSession: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const sessionId = readText(form, 'sessionId');
		const ended = await endOwnSession(getDb(), user.id, sessionId);
		if (!ended) {
			return fail(404, { action: 'endSession', message: 'That device was already logged out.' });
		}
		disconnectSessions([sessionId], 'session-ended');
		if (sessionId === event.locals.session?.id) {
			deleteSessionCookie(event.cookies, event.url);
			redirect(303, '/login');
		}
		return { action: 'endSession', success: 'That device has been logged out.' };
	},

	logOutEverywhere: async (event) => {
		const user = requireUser(event);
		const ended = await invalidateUserSessions(getDb(), user.id);
		disconnectSessions(ended, 'logged-out-everywhere');
		deleteSessionCookie(event.cookies, event.url);
		redirect(303, '/login');
	}
};
