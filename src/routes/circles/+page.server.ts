import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/http/guards';
import { formAction } from '$lib/server/http/respond';
import { circleSchema } from '$lib/server/circles/circle-forms';
import { createCircle, listMyCircles } from '$lib/server/circles/circles';
import type { Actions, PageServerLoad } from './$types';

const GONE_NOTICES: Record<string, string> = {
	removed: 'You are no longer a member of that circle.',
	left: 'You have left the circle.',
	deleted: 'That circle has been deleted.'
};

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const gone = event.url.searchParams.get('gone');
	return {
		displayName: user.displayName,
		circles: await listMyCircles(getDb(), user),
		notice: gone ? (GONE_NOTICES[gone] ?? null) : null
	};
};

export const actions: Actions = {
	create: async (event) => {
		const user = requireUser(event);
		return formAction(event, 'create', circleSchema, async (input) => {
			const { circleId } = await createCircle(getDb(), user, input);
			redirect(303, `/circles/${circleId}`);
		});
	}
};
