import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { deleteAccountSchema } from '$lib/server/auth/account-forms';
import { deleteAccount, previewAccountDeletion } from '$lib/server/account/deletion';
import { DEVICE_COOKIE, deleteSessionCookie } from '$lib/server/auth/cookies';
import { requireUser } from '$lib/server/http/guards';
import { formAction } from '$lib/server/http/respond';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	return { preview: await previewAccountDeletion(getDb(), user), email: user.email };
};

export const actions: Actions = {
	delete: async (event) => {
		const user = requireUser(event);
		return formAction(event, 'delete', deleteAccountSchema, async ({ password }) => {
			await deleteAccount(getDb(), user, password);
			deleteSessionCookie(event.cookies, event.url);
			// The browser is nobody's known device any more.
			event.cookies.delete(DEVICE_COOKIE, { path: '/' });
			redirect(303, '/goodbye');
		});
	}
};
