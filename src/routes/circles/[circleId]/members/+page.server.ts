import { fail, redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/http/guards';
import { parseProfileForm } from '$lib/server/circles/circle-forms';
import { changeMemberRole, leaveCircle, listMembers, removeMember, transferOwnership, updateOwnProfile } from '$lib/server/circles/circles';
import { readForm } from '$lib/server/forms';
import { onlineUserIds } from '$lib/server/realtime/publish';
import { readText } from '$lib/server/validation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { circleId } = event.params;
	event.depends(`circle:${circleId}`);
	const { members } = await listMembers(getDb(), user, circleId);
	return { members, online: await onlineUserIds(circleId) };
};

export const actions: Actions = {
	updateProfile: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const parsed = parseProfileForm(form);
		if (!parsed.ok) return fail(400, { action: 'updateProfile', errors: parsed.errors, values: parsed.values });
		await updateOwnProfile(getDb(), user, event.params.circleId, parsed.data);
		return { action: 'updateProfile', success: 'Saved. Everyone in the circle sees it now.' };
	},

	changeRole: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const result = await changeMemberRole(getDb(), user, event.params.circleId, readText(form, 'userId'), readText(form, 'role'));
		if ('status' in result) return result;
		return { action: 'changeRole', success: result.changed ? 'Role changed.' : 'Nothing to change.' };
	},

	removeMember: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const result = await removeMember(getDb(), user, event.params.circleId, readText(form, 'userId'));
		return { action: 'removeMember', success: `${result.removed} is no longer in the circle.` };
	},

	transferOwnership: async (event) => {
		const user = requireUser(event);
		const { form, failure } = await readForm(event.request);
		if (failure) return failure;
		const result = await transferOwnership(getDb(), user, event.params.circleId, readText(form, 'userId'));
		return { action: 'transferOwnership', success: `${result.newOwner} is now the owner. You’re an admin.` };
	},

	leave: async (event) => {
		const user = requireUser(event);
		const result = await leaveCircle(getDb(), user, event.params.circleId);
		if ('status' in result) return result;
		redirect(303, '/circles?gone=left');
	}
};
