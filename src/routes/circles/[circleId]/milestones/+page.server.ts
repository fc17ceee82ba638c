import { fail } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/http/guards';
import { circleToday } from '$lib/server/circles/today';
import { addVictory, cheerMilestone, editCheer, listMilestones, removeVictory } from '$lib/server/milestones/milestones';
import { parseCheerForm, parseVictoryForm } from '$lib/server/milestones/milestone-forms';
import { getMyRecovery, listRecoverySummaries } from '$lib/server/milestones/recovery';
import { readForm } from '$lib/server/forms';
import { readText } from '$lib/server/validation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { circleId } = event.params;
	event.depends(`circle:${circleId}`);
	const milestones = await listMilestones(getDb(), user, circleId);
	const mine = await getMyRecovery(getDb(), user, circleId);
	return {
		milestones,
		recovery: await listRecoverySummaries(getDb(), user, circleId),
		// The day in the circle's time zone, from the checked membership (no second lookup).
		today: mine.today,
		iAmInRecovery: mine.inRecovery,
		iHaveARecoveryDate: mine.totals !== null
	};
};

async function today(circleId: string) {
	return (await circleToday(getDb(), circleId, Date.now())).today;
}

export const actions: Actions = {
	addVictory: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const parsed = parseVictoryForm(form, await today(event.params.circleId));
		if (!parsed.ok) return fail(400, { action: 'addVictory', errors: parsed.errors, values: parsed.values });
		const result = await addVictory(getDb(), user, event.params.circleId, parsed.data);
		if ('status' in result)
			return fail(result.status, { action: 'addVictory', ...result.data, values: { ...parsed.data, forWhom: parsed.data.forCircle ? 'circle' : 'me' } });
		return { action: 'addVictory', added: true };
	},

	removeVictory: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		return { action: 'removeVictory', ...(await removeVictory(getDb(), user, event.params.circleId, readText(form, 'milestoneId'))) };
	},

	cheer: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const milestoneId = readText(form, 'milestoneId');
		const parsed = parseCheerForm(form);
		if (!parsed.ok) return fail(400, { action: 'cheer', milestoneId, errors: parsed.errors, values: parsed.values });
		const result = await cheerMilestone(getDb(), user, event.params.circleId, milestoneId, parsed.data.message);
		if ('status' in result) return fail(result.status, { action: 'cheer', milestoneId, ...result.data });
		return { action: 'cheer', cheered: true };
	},

	editCheer: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const milestoneId = readText(form, 'milestoneId');
		const parsed = parseCheerForm(form);
		if (!parsed.ok) return fail(400, { action: 'editCheer', milestoneId, errors: parsed.errors, values: parsed.values });
		const result = await editCheer(getDb(), user, event.params.circleId, milestoneId, parsed.data.message);
		if ('status' in result) return fail(result.status, { action: 'editCheer', milestoneId, ...result.data });
		return { action: 'editCheer', cheered: true };
	}
};
