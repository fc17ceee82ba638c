import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { circleAccess } from '$lib/server/http/guards';
import { formAction } from '$lib/server/http/respond';
import { proposeAgreement } from '$lib/server/boundaries/agreements';
import { proposalSchema } from '$lib/server/boundaries/agreement-forms';
import { isoDate } from '$lib/agreements';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	await circleAccess(event, 'proposeAgreement');
	return { today: isoDate(Date.now()) };
};

export const actions: Actions = {
	default: async (event) => {
		const access = await circleAccess(event, 'proposeAgreement');
		return formAction(event, 'propose', proposalSchema(isoDate(Date.now())), async (input) => {
			const { agreementId } = await proposeAgreement(getDb(), access, input);
			redirect(303, `/circles/${access.circle.id}/agreements/${agreementId}`);
		});
	}
};
