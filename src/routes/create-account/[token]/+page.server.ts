import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { findPendingSignUp } from '$lib/server/auth/pending-signups';
import { finishSignUpWithForm } from '$lib/server/http/auth-actions';
import { isFailure } from '$lib/server/http/respond';
import type { Actions, PageServerLoad } from './$types';

// The link that finishes a sign-up (pending-signups.ts). This page's address holds its token:
// hooks.server.ts serves it with Referrer-Policy: no-referrer and leaves the token out of the error
// log, and no cache keeps it. Opening the link shows a form (a mail scanner that follows links
// makes nothing); sending it with the password chosen when signing up makes the account, signs this
// browser in and goes where the person was going when they signed up. Without that password
// nothing is made: the owner of an address a stranger typed cannot be led into the stranger's account.

export const load: PageServerLoad = async ({ params, setHeaders }) => {
	setHeaders({ 'cache-control': 'no-store' });
	return { pending: await findPendingSignUp(getDb(), params.token) };
};

export const actions: Actions = {
	finish: async (event) => {
		const finished = await finishSignUpWithForm(event, event.params.token);
		if (isFailure(finished)) return finished;
		redirect(303, finished.redirectTo);
	}
};
