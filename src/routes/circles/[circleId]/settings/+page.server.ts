import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { circleAccess } from '$lib/server/http/guards';
import { formAction } from '$lib/server/http/respond';
import { changeTimeZone, deleteCircle } from '$lib/server/circles/circles';
import { deleteCircleSchema, timeZoneSchema } from '$lib/server/circles/circle-forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	event.depends(`circle:${event.params.circleId}`);
	const access = await circleAccess(event, 'deleteCircle');
	// The checked access was read with the circle's time zone (after any change this request made).
	return { timeZone: access.timeZone, timeZones: Intl.supportedValuesOf('timeZone') };
};

export const actions: Actions = {
	timeZone: async (event) => {
		const access = await circleAccess(event, 'changeTimeZone');
		return formAction(event, 'timeZone', timeZoneSchema, async ({ timeZone }) => {
			await changeTimeZone(getDb(), access, timeZone);
			return { saved: true };
		});
	},

	delete: async (event) => {
		const access = await circleAccess(event, 'deleteCircle');
		return formAction(event, 'delete', deleteCircleSchema, async ({ confirmName }) => {
			await deleteCircle(getDb(), access, confirmName);
			redirect(303, '/circles?gone=deleted');
		});
	}
};
