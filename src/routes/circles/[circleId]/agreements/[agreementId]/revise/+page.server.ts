import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { circleAccess } from '$lib/server/http/guards';
import { formAction, refusalsAsErrors } from '$lib/server/http/respond';
import { getAgreement, proposeRevision } from '$lib/server/boundaries/agreements';
import { revisionSchema } from '$lib/server/boundaries/agreement-forms';
import { isoDate } from '$lib/agreements';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = refusalsAsErrors(async (event) => {
	const access = await circleAccess(event, 'proposeAgreement');
	const { agreementId } = event.params;
	const agreement = await getAgreement(getDb(), access, agreementId);
	if (agreement.status === 'withdrawn' || agreement.status === 'retired') redirect(303, `/circles/${access.circle.id}/agreements/${agreementId}`);
	return { agreement, today: isoDate(Date.now()) };
});

export const actions: Actions = {
	default: async (event) => {
		const access = await circleAccess(event, 'proposeAgreement');
		const { agreementId } = event.params;
		return formAction(event, 'revise', revisionSchema(isoDate(Date.now())), async ({ baseVersion, ...input }) => {
			await proposeRevision(getDb(), access, agreementId, input, baseVersion);
			redirect(303, `/circles/${access.circle.id}/agreements/${agreementId}`);
		});
	}
};
