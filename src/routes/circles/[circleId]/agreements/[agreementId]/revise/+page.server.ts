import { fail, redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/http/guards';
import { requireCircleAction } from '$lib/server/circles/access';
import { getAgreement, proposeRevision } from '$lib/server/boundaries/agreements';
import { agreementFormValues, parseAgreementForm } from '$lib/server/boundaries/agreement-forms';
import { readForm } from '$lib/server/forms';
import { readText } from '$lib/server/validation';
import { isoDate } from '$lib/agreements';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { circleId, agreementId } = event.params;
	await requireCircleAction(getDb(), user, circleId, 'proposeAgreement');
	const agreement = await getAgreement(getDb(), user, circleId, agreementId);
	if (agreement.status === 'withdrawn' || agreement.status === 'retired') redirect(303, `/circles/${circleId}/agreements/${agreementId}`);
	return { agreement, today: isoDate(Date.now()) };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const { circleId, agreementId } = event.params;
		const baseText = readText(form, 'baseVersion');
		const parsed = parseAgreementForm(form, isoDate(Date.now()), { withReason: true });
		if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values });
		const baseVersion = /^\d{1,6}$/.test(baseText) ? Number(baseText) : -1;
		const result = await proposeRevision(getDb(), user, circleId, agreementId, parsed.data, baseVersion);
		if ('status' in result) return fail(result.status, { ...result.data, values: agreementFormValues(parsed.data) });
		redirect(303, `/circles/${circleId}/agreements/${agreementId}`);
	}
};
