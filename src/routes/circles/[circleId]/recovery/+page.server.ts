import { fail } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/http/guards';
import { circleToday } from '$lib/server/circles/today';
import { getMyRecovery, recordLapse, setRecoveryDate, shareLapse } from '$lib/server/milestones/recovery';
import { parseLapseForm, parseRecoveryDateForm } from '$lib/server/milestones/milestone-forms';
import { readForm } from '$lib/server/forms';
import { readText } from '$lib/server/validation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	event.depends(`circle:${event.params.circleId}`);
	return { mine: await getMyRecovery(getDb(), user, event.params.circleId) };
};

async function today(circleId: string) {
	return (await circleToday(getDb(), circleId, Date.now())).today;
}

// Every action here acts on the signed-in member's own record: there is no field naming a person.
export const actions: Actions = {
	setDate: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const parsed = parseRecoveryDateForm(form, await today(event.params.circleId));
		if (!parsed.ok) return fail(400, { action: 'setDate', errors: parsed.errors, values: parsed.values });
		const result = await setRecoveryDate(getDb(), user, event.params.circleId, parsed.data.startedOn);
		if ('status' in result) return fail(result.status, { action: 'setDate', ...result.data, values: parsed.data });
		return { action: 'setDate', saved: true };
	},

	lapse: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const parsed = parseLapseForm(form, await today(event.params.circleId));
		if (!parsed.ok) return fail(400, { action: 'lapse', errors: parsed.errors, values: parsed.values });
		const result = await recordLapse(getDb(), user, event.params.circleId, parsed.data);
		if ('status' in result) {
			return fail(result.status, { action: 'lapse', ...result.data, values: { ...parsed.data, share: parsed.data.share ? 'yes' : 'no' } });
		}
		return { action: 'lapse', saved: true, shared: result.shared };
	},

	shareLapse: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		await shareLapse(getDb(), user, event.params.circleId, readText(form, 'stretchId'));
		return { action: 'shareLapse', saved: true };
	}
};
