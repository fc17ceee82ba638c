import { redirect } from '@sveltejs/kit';
import { signUpWithForm } from '$lib/server/http/auth-actions';
import { safeRedirectPath } from '$lib/server/auth/redirects';
import { readForm } from '$lib/server/forms';
import { readText } from '$lib/server/validation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	const redirectTo = safeRedirectPath(url.searchParams.get('redirectTo'));
	if (locals.user) redirect(303, redirectTo);
	return { redirectTo };
};

export const actions: Actions = {
	default: async (event) => {
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const result = await signUpWithForm(event, form);
		if (!('user' in result)) return result;
		redirect(303, safeRedirectPath(readText(form, 'redirectTo')));
	}
};
