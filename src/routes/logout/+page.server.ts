import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { deleteSessionCookie } from '$lib/server/auth/cookies';
import { invalidateSession } from '$lib/server/auth/sessions';
import { disconnectSessions } from '$lib/server/realtime/publish';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	if (!locals.user) redirect(303, '/login');
};

export const actions: Actions = {
	default: async ({ locals, cookies, url }) => {
		if (locals.session) {
			await invalidateSession(getDb(), locals.session.id);
			disconnectSessions([locals.session.id], 'logged-out');
		}
		deleteSessionCookie(cookies, url);
		redirect(303, '/login');
	}
};
