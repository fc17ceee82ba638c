import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { requireSessionChecked } from '$lib/server/http/guards';

export const load: PageServerLoad = ({ locals }) => {
	requireSessionChecked(locals);
	if (locals.user) redirect(303, '/circles');
};
