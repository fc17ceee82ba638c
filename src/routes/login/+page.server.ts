import { fail, redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { parseLogInForm } from '$lib/server/auth/account-forms';
import { INCORRECT_LOGIN, logIn } from '$lib/server/auth/accounts';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { safeRedirectPath } from '$lib/server/auth/redirects';
import { clientAddress, readForm } from '$lib/server/forms';
import { describeWait } from '$lib/server/throttle';
import { readText } from '$lib/server/validation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	const redirectTo = safeRedirectPath(url.searchParams.get('redirectTo'));
	if (locals.user) redirect(303, redirectTo);
	return { redirectTo, askedToLogIn: url.searchParams.has('redirectTo') };
};

export const actions: Actions = {
	default: async (event) => {
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const parsed = parseLogInForm(form);
		if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values });

		const result = await logIn(getDb(), parsed.data, {
			address: clientAddress(event),
			userAgent: event.request.headers.get('user-agent') ?? ''
		});
		const values = { email: readText(form, 'email').trim() };
		if (!result.ok && result.reason === 'throttled') {
			event.setHeaders({ 'retry-after': String(Math.ceil(result.retryAfterMs / 1000)) });
			return fail(429, {
				message: `Too many attempts to log in. For your safety, please wait ${describeWait(result.retryAfterMs)} and try again.`,
				values
			});
		}
		if (!result.ok) return fail(400, { message: INCORRECT_LOGIN, values });

		const { token, session } = result.signedIn;
		setSessionCookie(event.cookies, event.url, token, session.expiresAt);
		redirect(303, safeRedirectPath(readText(form, 'redirectTo')));
	}
};
