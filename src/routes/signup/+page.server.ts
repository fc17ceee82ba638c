import { fail, redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { parseSignUpForm, type SignUpField } from '$lib/server/auth/account-forms';
import { signUp } from '$lib/server/auth/accounts';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { safeRedirectPath } from '$lib/server/auth/redirects';
import { clientAddress, readForm } from '$lib/server/forms';
import { readText, type FieldErrors } from '$lib/server/validation';
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
		const parsed = parseSignUpForm(form);
		if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values });

		const result = await signUp(getDb(), parsed.data, {
			address: clientAddress(event),
			userAgent: event.request.headers.get('user-agent') ?? ''
		});
		if (!result.ok) {
			const errors: FieldErrors<SignUpField> = {
				email: 'There is already an account with this email. Try logging in instead.'
			};
			return fail(400, { errors, values: { displayName: parsed.data.displayName, email: parsed.data.email } });
		}
		const { token, session } = result.signedIn;
		setSessionCookie(event.cookies, event.url, token, session.expiresAt);
		redirect(303, safeRedirectPath(readText(form, 'redirectTo')));
	}
};
