import { getDb } from '$lib/server/db';
import { circleAccess } from '$lib/server/http/guards';
import { formAction } from '$lib/server/http/respond';
import { answerSuggestion, getPlans, saveFamilyPlan, saveOwnPlan, suggestAddition } from '$lib/server/plans/plans';
import {
	familyPlanSchema,
	familySectionsOf,
	personalPlanSchema,
	personalSectionsOf,
	suggestionAnswerSchema,
	suggestionSchema
} from '$lib/server/plans/plan-forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	event.depends(`circle:${event.params.circleId}`);
	const access = await circleAccess(event);
	return { plans: await getPlans(getDb(), access), iAmInRecovery: access.inRecovery };
};

export const actions: Actions = {
	saveFamily: async (event) => {
		const access = await circleAccess(event, 'editFamilyPlan');
		return formAction(event, 'saveFamily', familyPlanSchema, (data) => saveFamilyPlan(getDb(), access, familySectionsOf(data), data.baseVersion));
	},

	saveOwn: async (event) => {
		const access = await circleAccess(event, 'keepOwnPlan');
		return formAction(event, 'saveOwn', personalPlanSchema, (data) => saveOwnPlan(getDb(), access, personalSectionsOf(data), data.baseVersion));
	},

	suggest: async (event) => {
		const access = await circleAccess(event, 'suggestToPlan');
		return formAction(event, 'suggest', suggestionSchema, (input) => suggestAddition(getDb(), access, input));
	},

	answerSuggestion: async (event) => {
		const access = await circleAccess(event, 'keepOwnPlan');
		return formAction(event, 'answerSuggestion', suggestionAnswerSchema, ({ suggestionId, answer }) => answerSuggestion(getDb(), access, suggestionId, answer));
	}
};
