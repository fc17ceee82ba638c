import { fail, isActionFailure } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/http/guards';
import { loadCircleHome } from '$lib/server/circles/home';
import { parseCheckInForm, parseReplyForm } from '$lib/server/checkins/checkin-forms';
import { editCheckIn, editReply, postCheckIn, postReply, removeCheckIn, removeReply, toggleReaction } from '$lib/server/checkins/checkins';
import { readForm } from '$lib/server/forms';
import { logPositionFor } from '$lib/server/realtime/log-position';
import { readText } from '$lib/server/validation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { circleId } = event.params;
	// Check-ins arrive live one by one and are applied in the page; membership changes reload
	// this data (circle:<id>), and so does a catch-up that was too far behind (circle:<id>:feed).
	event.depends(`circle:${circleId}`, `circle:${circleId}:feed`);
	// Read before the feed (shared with the layout's load): the feed replays the events after it.
	const live = await logPositionFor(event.locals, circleId);
	const home = await loadCircleHome(getDb(), user, circleId, { cursor: event.url.searchParams.get('before') });
	return { ...home, live, olderPage: event.url.searchParams.has('before') };
};

/** A refusal about one check-in or reply names it, so the page shows the message beside it. */
function about<T>(result: T, action: string, target: { checkinId?: string; replyId?: string }) {
	return isActionFailure(result) ? fail(result.status, { ...(result.data as unknown as { message?: string }), action, ...target }) : result;
}

export const actions: Actions = {
	post: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const parsed = parseCheckInForm(form);
		if (!parsed.ok) return fail(400, { action: 'post', errors: parsed.errors, values: parsed.values });
		const checkin = await postCheckIn(getDb(), user, event.params.circleId, parsed.data);
		return { action: 'post', checkin };
	},

	edit: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const checkinId = readText(form, 'checkinId');
		const parsed = parseCheckInForm(form);
		if (!parsed.ok) return fail(400, { action: 'edit', checkinId, errors: parsed.errors, values: parsed.values });
		return about(await editCheckIn(getDb(), user, event.params.circleId, checkinId, parsed.data), 'edit', { checkinId });
	},

	remove: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		return removeCheckIn(getDb(), user, event.params.circleId, readText(form, 'checkinId'));
	},

	react: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const checkinId = readText(form, 'checkinId');
		return about(await toggleReaction(getDb(), user, event.params.circleId, checkinId, readText(form, 'kind')), 'react', { checkinId });
	},

	reply: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const checkinId = readText(form, 'checkinId');
		const parsed = parseReplyForm(form);
		if (!parsed.ok) return fail(400, { action: 'reply', checkinId, errors: parsed.errors, values: parsed.values });
		return postReply(getDb(), user, event.params.circleId, checkinId, parsed.data.body);
	},

	editReply: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const replyId = readText(form, 'replyId');
		const parsed = parseReplyForm(form);
		if (!parsed.ok) return fail(400, { action: 'editReply', replyId, errors: parsed.errors, values: parsed.values });
		return about(await editReply(getDb(), user, event.params.circleId, replyId, parsed.data.body), 'editReply', { replyId });
	},

	removeReply: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		return removeReply(getDb(), user, event.params.circleId, readText(form, 'replyId'));
	}
};
