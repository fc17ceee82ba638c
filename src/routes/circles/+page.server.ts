import { redirect } from '@sveltejs/kit';
import { getCommittedDb, getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/http/guards';
import { formAction } from '$lib/server/http/respond';
import { circleSchema } from '$lib/server/circles/circle-forms';
import { createCircle, listMyCircles } from '$lib/server/circles/circles';
import { countUnread } from '$lib/server/unread/counts';
import type { Actions, PageServerLoad } from './$types';

const GONE_NOTICES: Record<string, string> = {
	removed: 'You are no longer a member of that circle.',
	left: 'You have left the circle.',
	deleted: 'That circle has been deleted.'
};

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const gone = event.url.searchParams.get('gone');
	// "3 new" as the page is first shown (also without JavaScript); the page keeps it live.
	const [circles, unread] = await Promise.all([listMyCircles(getDb(), user), countUnread(getCommittedDb(), user.id)]);
	return {
		displayName: user.displayName,
		circles,
		unread: Object.fromEntries(unread.map(({ circleId, count }) => [circleId, count])),
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
