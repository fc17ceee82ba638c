import { redirect } from '@sveltejs/kit';
import { logInWithForm } from '$lib/server/http/auth-actions';
import { isFailure } from '$lib/server/http/respond';
import { safeRedirectPath } from '$lib/server/auth/redirects';
import type { Actions, PageServerLoad } from './$types';
import { requireSessionChecked } from '$lib/server/http/guards';

export const load: PageServerLoad = ({ locals, url }) => {
	const redirectTo = safeRedirectPath(url.searchParams.get('redirectTo'));
	requireSessionChecked(locals);
	if (locals.user) redirect(303, redirectTo);
	return { redirectTo, askedToLogIn: url.searchParams.has('redirectTo') };
};

export const actions: Actions = {
	default: async (event) => {
		const loggedIn = await logInWithForm(event, 'login');
		if (isFailure(loggedIn)) return loggedIn;
		redirect(303, loggedIn.redirectTo);
	}
};
