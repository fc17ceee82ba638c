import { getDb } from '$lib/server/db';
import { confirmEmail, findEmailConfirmation } from '$lib/server/auth/email-confirmation';
import { formAction } from '$lib/server/http/respond';
import type { Actions, PageServerLoad } from './$types';
import * as v from 'valibot';

// This page's address holds the token: hooks.server.ts serves it with Referrer-Policy: no-referrer
// and leaves the token out of the error log, and no cache keeps it (it shows the address). Opening
// the link shows a button (mail scanners that follow links confirm nothing); pressing it confirms.
// It works from any device, signed in or not.

export const load: PageServerLoad = async ({ params, setHeaders }) => {
	setHeaders({ 'cache-control': 'no-store' });
	return { confirmation: await findEmailConfirmation(getDb(), params.token) };
};

export const actions: Actions = {
	confirm: async (event) => formAction(event, 'confirm', v.object({}), async () => confirmEmail(getDb(), event.params.token))
};
