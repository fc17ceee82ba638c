import { getDb } from '$lib/server/db';
import { circleAccess } from '$lib/server/http/guards';
import { formAction, refusalsAsErrors } from '$lib/server/http/respond';
import { answerProposal, commentOnAgreement, getAgreement, proposeRetirement, proposeWithdrawal } from '$lib/server/boundaries/agreements';
import { answerSchema, commentSchema, reasonSchema } from '$lib/server/boundaries/agreement-forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = refusalsAsErrors(async (event) => {
	event.depends(`circle:${event.params.circleId}`);
	const access = await circleAccess(event);
	return { agreement: await getAgreement(getDb(), access, event.params.agreementId) };
});

export const actions: Actions = {
	answer: async (event) => {
		const access = await circleAccess(event, 'answerAgreement');
		return formAction(event, 'answer', answerSchema, ({ proposalId, answer, comment }) =>
			answerProposal(getDb(), access, event.params.agreementId, proposalId, { answer, comment })
		);
	},

	comment: async (event) => {
		const access = await circleAccess(event, 'discussAgreement');
		return formAction(event, 'comment', commentSchema, ({ body }) => commentOnAgreement(getDb(), access, event.params.agreementId, body));
	},

	withdraw: async (event) => {
		const access = await circleAccess(event, 'proposeAgreement');
		return formAction(event, 'withdraw', reasonSchema, async ({ reason }) => {
			await proposeWithdrawal(getDb(), access, event.params.agreementId, reason);
			return { proposed: true as const };
		});
	},

	retire: async (event) => {
		const access = await circleAccess(event, 'proposeAgreement');
		return formAction(event, 'retire', reasonSchema, async ({ reason }) => {
			await proposeRetirement(getDb(), access, event.params.agreementId, reason);
			return { proposed: true as const };
		});
	}
};
