import { redirect } from '@sveltejs/kit';
import { isCheckYourEmail, signUpWithForm } from '$lib/server/http/auth-actions';
import { isFailure } from '$lib/server/http/respond';
import { safeRedirectPath } from '$lib/server/auth/redirects';
import type { Actions, PageServerLoad } from './$types';
import { requireSessionChecked } from '$lib/server/http/guards';

export const load: PageServerLoad = ({ locals, url }) => {
	const redirectTo = safeRedirectPath(url.searchParams.get('redirectTo'));
	requireSessionChecked(locals);
	if (locals.user) redirect(303, redirectTo);
	return { redirectTo };
};

export const actions: Actions = {
	/**
	 * Without email: signed in at once, and on to `redirectTo`. With email: "check your email", the
	 * same answer whether or not the address has an account (pending-signups.ts).
	 */
	default: async (event) => {
		const signedUp = await signUpWithForm(event, 'signup');
		if (isFailure(signedUp) || isCheckYourEmail(signedUp)) return signedUp;
		redirect(303, signedUp.redirectTo);
	}
};
