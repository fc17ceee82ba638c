import { fail } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/http/guards';
import { answerProposal, commentOnAgreement, getAgreement, proposeRetirement, proposeWithdrawal } from '$lib/server/boundaries/agreements';
import { parseAnswerForm, parseCommentForm, parseReasonForm } from '$lib/server/boundaries/agreement-forms';
import { readForm } from '$lib/server/forms';
import { readText } from '$lib/server/validation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	event.depends(`circle:${event.params.circleId}`);
	return { agreement: await getAgreement(getDb(), user, event.params.circleId, event.params.agreementId) };
};

export const actions: Actions = {
	answer: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const proposalId = readText(form, 'proposalId');
		const parsed = parseAnswerForm(form);
		if (!parsed.ok) return fail(400, { action: 'answer', proposalId, errors: parsed.errors, values: parsed.values });
		const { circleId, agreementId } = event.params;
		const result = await answerProposal(getDb(), user, circleId, agreementId, proposalId, parsed.data);
		if ('status' in result) return fail(result.status, { action: 'answer', proposalId, ...result.data, values: { comment: parsed.data.comment } });
		return { action: 'answer', ...result };
	},

	comment: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const parsed = parseCommentForm(form);
		if (!parsed.ok) return fail(400, { action: 'comment', errors: parsed.errors, values: parsed.values });
		await commentOnAgreement(getDb(), user, event.params.circleId, event.params.agreementId, parsed.data.body);
		return { action: 'comment', commented: true };
	},

	withdraw: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const parsed = parseReasonForm(form);
		if (!parsed.ok) return fail(400, { action: 'withdraw', errors: parsed.errors, values: parsed.values });
		const result = await proposeWithdrawal(getDb(), user, event.params.circleId, event.params.agreementId, parsed.data.reason);
		if ('status' in result) return fail(result.status, { action: 'withdraw', ...result.data, values: parsed.data });
		return { action: 'withdraw', proposed: true };
	},

	retire: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const parsed = parseReasonForm(form);
		if (!parsed.ok) return fail(400, { action: 'retire', errors: parsed.errors, values: parsed.values });
		const result = await proposeRetirement(getDb(), user, event.params.circleId, event.params.agreementId, parsed.data.reason);
		if ('status' in result) return fail(result.status, { action: 'retire', ...result.data, values: parsed.data });
		return { action: 'retire', proposed: true };
	}
};
