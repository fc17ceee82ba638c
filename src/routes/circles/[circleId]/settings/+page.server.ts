import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/auth/guards';
import { requireCircleAction } from '$lib/server/circles/access';
import { deleteCircle } from '$lib/server/circles/circles';
import { readForm } from '$lib/server/forms';
import { readText } from '$lib/server/validation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	await requireCircleAction(getDb(), user, event.params.circleId, 'deleteCircle');
};

export const actions: Actions = {
	delete: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const result = await deleteCircle(getDb(), user, event.params.circleId, readText(form, 'confirmName'));
		if ('status' in result) return result;
		redirect(303, '/circles?gone=deleted');
	}
};
