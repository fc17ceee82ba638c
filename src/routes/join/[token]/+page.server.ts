import { error, fail, redirect, type ActionFailure, type RequestEvent } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { isCheckYourEmail, logInWithForm, signUpWithForm } from '$lib/server/http/auth-actions';
import { isFailure } from '$lib/server/http/respond';
import type { SessionUser } from '$lib/server/auth/sessions';
import { acceptInvite, circleOfInviteForMember, inviteWorked, previewInvite, takeInviteAttempt } from '$lib/server/circles/invites';
import { isCircleMember } from '$lib/server/circles/circles';
import { clientAddress, type FormFailure } from '$lib/server/forms';
import { describeWait } from '$lib/server/throttle';
import type { Actions, PageServerLoad } from './$types';

// This page's address holds the invite token: hooks.server.ts serves it with Referrer-Policy: no-referrer.

/** One try of the link from this address, counted before the link is looked up. */
interface LinkTry {
	/** The link worked: the try does not count (only links that did not work do). */
	worked(): Promise<void>;
}

/** Counts this try of the link, or answers 429 when too many links that did not work came from here. */
async function tryLink(event: RequestEvent): Promise<LinkTry> {
	const verdict = await takeInviteAttempt(getDb(), clientAddress(event));
	if (!verdict.allowed) {
		error(429, `Too many invite links were tried from this connection. Please wait ${describeWait(verdict.retryAfterMs)} and try again.`);
	}
	return { worked: () => inviteWorked(getDb(), verdict.taken) };
}

const LINK_STOPPED_WORKING = 'This invite link no longer works. Ask the person who sent it for a new one.';

/**
 * The answer when the link stopped working, whichever form was sent: it is about accepting the
 * invite (the `accept` part of joining), so the page shows "no longer works" instead of the forms.
 */
function linkStopped(): ActionFailure<FormFailure> {
	return fail(410, { action: 'accept', message: LINK_STOPPED_WORKING });
}

/**
 * Joins with the link and goes into the circle; if the link stopped working meanwhile, says so
 * (and the try stays counted).
 */
async function joinAndEnter(link: LinkTry, user: SessionUser, token: string) {
	const result = await acceptInvite(getDb(), user, token);
	if (!result.ok) return linkStopped();
	await link.worked();
	redirect(303, `/circles/${result.circleId}`);
}

export const load: PageServerLoad = async (event) => {
	const link = await tryLink(event);
	const user = event.locals.user;
	// Someone removed from the circle after this link was made sees what everyone sees for a link
	// that stopped working, and nothing more (acceptInvite refuses them the same way).
	const preview = await previewInvite(getDb(), event.params.token, Date.now(), user?.id ?? null);
	if (!preview) {
		// A member opening their own link again after it was used up (or expired) just goes in.
		const memberOf = user ? await circleOfInviteForMember(getDb(), user.id, event.params.token) : null;
		if (memberOf) {
			await link.worked();
			redirect(303, `/circles/${memberOf}`);
		}
		return { invite: null };
	}
	await link.worked();
	if (user && (await isCircleMember(getDb(), user.id, preview.circleId))) redirect(303, `/circles/${preview.circleId}`);
	// A signed-out visitor learns only the circle's name and who invited them.
	return { invite: { circleName: preview.circleName, invitedBy: preview.invitedBy } };
};

export const actions: Actions = {
	accept: async (event) => {
		const user = event.locals.user;
		if (!user) redirect(303, `/join/${event.params.token}`);
		return joinAndEnter(await tryLink(event), user, event.params.token);
	},

	signup: async (event) => {
		const link = await tryLink(event);
		if (!(await previewInvite(getDb(), event.params.token))) return linkStopped();
		// With email set up, the account is made when the link sent to the address is followed; it
		// leads back here, signed in, to join with the button (pending-signups.ts).
		const signedUp = await signUpWithForm(event, 'signup', { redirectTo: `/join/${event.params.token}` });
		if (isFailure(signedUp) || isCheckYourEmail(signedUp)) {
			await link.worked();
			return signedUp;
		}
		return joinAndEnter(link, signedUp.user, event.params.token);
	},

	login: async (event) => {
		const link = await tryLink(event);
		if (!(await previewInvite(getDb(), event.params.token))) return linkStopped();
		const loggedIn = await logInWithForm(event, 'login');
		if (isFailure(loggedIn)) {
			await link.worked();
			return loggedIn;
		}
		return joinAndEnter(link, loggedIn.user, event.params.token);
	}
};
