import { redirect } from '@sveltejs/kit';
import * as v from 'valibot';
import { getDb } from '$lib/server/db';
import { changeEmailSchema, changeNameSchema, changePasswordSchema, kindWordsHelpSchema } from '$lib/server/auth/account-forms';
import { changePassword } from '$lib/server/auth/accounts';
import { cancelEmailChange, emailStatus, resendEmailConfirmation } from '$lib/server/auth/email-confirmation';
import { changeDisplayName, requestEmailChange, setKindWordsHelp } from '$lib/server/auth/profile';
import { getMail, NO_EMAIL_SET_UP } from '$lib/server/mail';
import { deleteSessionCookie, setSessionCookie } from '$lib/server/auth/cookies';
import { requireUser } from '$lib/server/http/guards';
import { formAction } from '$lib/server/http/respond';
import { endOwnSession, invalidateUserSessions, listActiveSessions } from '$lib/server/auth/sessions';
import { clientAddress, field } from '$lib/server/forms';
import { disconnectSessions, handOverSessionSockets } from '$lib/server/realtime/publish';
import { conflict, invalid, Refusal } from '$lib/server/refusal';
import { getPush } from '$lib/server/push';
import { sessionEndpoints } from '$lib/server/push/subscriptions';
import { circlePushSchema, loadPushChoices, pushTimesSchema, saveCirclePush, savePushTimes } from '$lib/server/push/preferences';
import type { Actions, PageServerLoad } from './$types';

const endSessionSchema = v.object({ sessionId: field() });
const noFields = v.object({});

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const sessionId = event.locals.session?.id ?? null;
	const [sessions, status, choices, endpoints] = await Promise.all([
		listActiveSessions(getDb(), user.id, sessionId),
		emailStatus(getDb(), user.id),
		loadPushChoices(getDb(), user.id),
		sessionId ? sessionEndpoints(getDb(), sessionId) : []
	]);
	return {
		push: {
			/** Null while push is not running on this server (the device switch says so). */
			publicKey: getPush()?.publicKey ?? null,
			/** This device's subscriptions as the server keeps them: "on" is one of these. */
			endpoints,
			...choices,
			timeZones: Intl.supportedValuesOf('timeZone')
		},
		email: status.email,
		emailConfirmed: status.confirmed,
		pendingEmail: status.pendingEmail,
		mailEnabled: getMail() !== null,
		displayName: user.displayName,
		kindWordsHelp: event.locals.preferences?.kindWordsHelp ?? true,
		sessions
	};
};

export const actions: Actions = {
	changeName: async (event) => {
		const user = requireUser(event);
		return formAction(event, 'changeName', changeNameSchema, async ({ displayName }) => {
			await changeDisplayName(getDb(), user, displayName);
			return { success: 'Your name is changed. Your circles see it from now on.' };
		});
	},

	changeEmail: async (event) => {
		const user = requireUser(event);
		return formAction(event, 'changeEmail', changeEmailSchema, async (data) => {
			const change = await requestEmailChange(getDb(), getMail(), user, data);
			if (change.kind === 'changed') return { success: `Your email is changed. From now on you log in with ${change.email}.` };
			return {
				success: `We’ve sent a link to ${change.pendingEmail}. Once you follow it, that address is the one you log in with; until then it is still ${user.email}.`
			};
		});
	},

	resendConfirmation: async (event) => {
		const user = requireUser(event);
		return formAction(event, 'resendConfirmation', noFields, async () => {
			const mail = getMail();
			if (!mail) throw conflict(NO_EMAIL_SET_UP);
			const { sentTo } = await resendEmailConfirmation(getDb(), mail, user.id);
			return { success: `We’ve sent a new link to ${sentTo}. It can take a few minutes to arrive.` };
		});
	},

	cancelEmailChange: async (event) => {
		const user = requireUser(event);
		return formAction(event, 'cancelEmailChange', noFields, async () => {
			await cancelEmailChange(getDb(), user.id);
			return { success: `Nothing is changed: you still log in with ${user.email}.` };
		});
	},

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

	pushCircle: async (event) => {
		const user = requireUser(event);
		return formAction(event, 'pushCircle', circlePushSchema, async (input) => {
			await saveCirclePush(getDb(), user, input);
			return { success: 'Saved.', circleId: input.circleId };
		});
	},

	kindWordsHelp: async (event) => {
		const user = requireUser(event);
		return formAction(event, 'kindWordsHelp', kindWordsHelpSchema, async ({ kindWordsHelp }) => {
			await setKindWordsHelp(getDb(), user, kindWordsHelp);
			return {
				success: kindWordsHelp ? 'Gentler words will be offered while you write.' : 'No more suggestions while you write. You can turn them on again here.'
			};
		});
	},

	pushTimes: async (event) => {
		const user = requireUser(event);
		return formAction(event, 'pushTimes', pushTimesSchema, async (input) => {
			await savePushTimes(getDb(), user, input);
			return { success: 'Saved.' };
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
