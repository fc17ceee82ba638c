import { fail, redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/http/guards';
import { requireCircleAction } from '$lib/server/circles/access';
import { proposeAgreement } from '$lib/server/boundaries/agreements';
import { agreementFormValues, parseAgreementForm } from '$lib/server/boundaries/agreement-forms';
import { readForm } from '$lib/server/forms';
import { isoDate } from '$lib/agreements';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	await requireCircleAction(getDb(), user, event.params.circleId, 'proposeAgreement');
	return { today: isoDate(Date.now()) };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const parsed = parseAgreementForm(form, isoDate(Date.now()));
		if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values });
		const result = await proposeAgreement(getDb(), user, event.params.circleId, parsed.data);
		if ('status' in result) return fail(result.status, { ...result.data, values: agreementFormValues(parsed.data) });
		redirect(303, `/circles/${event.params.circleId}/agreements/${result.agreementId}`);
	}
};
