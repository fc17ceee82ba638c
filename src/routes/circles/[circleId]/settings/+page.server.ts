import { fail, redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/http/guards';
import { requireCircleAction } from '$lib/server/circles/access';
import { deleteCircle, setCircleTimeZone } from '$lib/server/circles/circles';
import { circleToday } from '$lib/server/circles/today';
import { parseTimeZoneForm } from '$lib/server/milestones/milestone-forms';
import { readForm } from '$lib/server/forms';
import { readText } from '$lib/server/validation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { circleId } = event.params;
	event.depends(`circle:${circleId}`);
	await requireCircleAction(getDb(), user, circleId, 'deleteCircle');
	const { timeZone } = await circleToday(getDb(), circleId, Date.now());
	return { timeZone, timeZones: Intl.supportedValuesOf('timeZone') };
};

export const actions: Actions = {
	timeZone: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const parsed = parseTimeZoneForm(form);
		if (!parsed.ok) return fail(400, { action: 'timeZone', errors: parsed.errors, values: parsed.values });
		const result = await setCircleTimeZone(getDb(), user, event.params.circleId, parsed.data.timeZone);
		if ('status' in result) return fail(result.status, { action: 'timeZone', ...result.data, values: parsed.data });
		return { action: 'timeZone', saved: true };
	},

	delete: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const result = await deleteCircle(getDb(), user, event.params.circleId, readText(form, 'confirmName'));
		if ('status' in result) return result;
		redirect(303, '/circles?gone=deleted');
	}
};
