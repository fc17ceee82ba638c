import { getDb } from '$lib/server/db';
import { circleAccess } from '$lib/server/http/guards';
import { formAction } from '$lib/server/http/respond';
import { todayFor } from '$lib/server/circles/today';
import { addVictory, cheerMilestone, editCheer, listMilestones, removeVictory } from '$lib/server/milestones/milestones';
import { cheerSchema, milestoneIdSchema, victorySchema } from '$lib/server/milestones/milestone-forms';
import { getMyRecovery, listRecoverySummaries } from '$lib/server/milestones/recovery';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	event.depends(`circle:${event.params.circleId}`);
	const access = await circleAccess(event);
	const db = getDb();
	const [milestones, mine, recovery] = await Promise.all([listMilestones(db, access), getMyRecovery(db, access), listRecoverySummaries(db, access)]);
	return {
		milestones,
		recovery,
		// The day in the circle's time zone, from the checked membership (no second lookup).
		today: mine.today,
		iAmInRecovery: mine.inRecovery,
		iHaveARecoveryDate: mine.totals !== null
	};
};

export const actions: Actions = {
	addVictory: async (event) => {
		const access = await circleAccess(event, 'addMilestone');
		return formAction(event, 'addVictory', victorySchema(todayFor(access, Date.now())), async (victory) => {
			await addVictory(getDb(), access, victory);
			return { added: true };
		});
	},

	removeVictory: async (event) => {
		const access = await circleAccess(event, 'addMilestone');
		return formAction(event, 'removeVictory', milestoneIdSchema, async ({ milestoneId }) => removeVictory(getDb(), access, milestoneId));
	},

	cheer: async (event) => {
		const access = await circleAccess(event, 'cheer');
		// A failure's values carry the milestoneId: the page shows it on that milestone's card.
		return formAction(event, 'cheer', cheerSchema, async ({ milestoneId, message }) => {
			await cheerMilestone(getDb(), access, milestoneId, message);
			return { cheered: true };
		});
	},

	editCheer: async (event) => {
		const access = await circleAccess(event, 'cheer');
		return formAction(event, 'editCheer', cheerSchema, async ({ milestoneId, message }) => {
			await editCheer(getDb(), access, milestoneId, message);
			return { cheered: true };
		});
	}
};
