import { error, redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { circleAccess } from '$lib/server/http/guards';
import { formAction } from '$lib/server/http/respond';
import { memberSchema, noFields, profileSchema, roleSchema } from '$lib/server/circles/circle-forms';
import { changeMemberRole, leaveCircle, listMembers, removeMember, transferOwnership, updateOwnProfile } from '$lib/server/circles/circles';
import { onlineUserIds } from '$lib/server/realtime/publish';
import { isRefusal } from '$lib/server/refusal';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { circleId } = event.params;
	event.depends(`circle:${circleId}`);
	const access = await circleAccess(event);
	return {
		members: await listMembers(getDb(), access),
		online: await onlineUserIds(circleId),
		// From a member's page whose person is no longer in the circle.
		notHere: event.url.searchParams.has('notHere')
	};
};

/** A member id that is not in this circle gets the same 404 page as anything else not found here. */
async function targetOrNotFound<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (caught) {
		if (isRefusal(caught) && caught.reason === 'not-found') error(404, caught.message);
		throw caught;
	}
}

export const actions: Actions = {
	updateProfile: async (event) => {
		const access = await circleAccess(event, 'updateOwnProfile');
		return formAction(event, 'updateProfile', profileSchema, async (input) => {
			await updateOwnProfile(getDb(), access, input);
			return { success: 'Saved. Everyone in the circle sees it now.' };
		});
	},

	changeRole: async (event) => {
		const access = await circleAccess(event, 'changeRole');
		return formAction(event, 'changeRole', roleSchema, async ({ userId, role }) => {
			const { changed } = await targetOrNotFound(() => changeMemberRole(getDb(), access, userId, role));
			return { success: changed ? 'Role changed.' : 'Nothing to change.' };
		});
	},

	removeMember: async (event) => {
		const access = await circleAccess(event, 'removeMember');
		return formAction(event, 'removeMember', memberSchema, async ({ userId }) => {
			const { removed } = await targetOrNotFound(() => removeMember(getDb(), access, userId));
			return { success: `${removed} is no longer in the circle.` };
		});
	},

	transferOwnership: async (event) => {
		const access = await circleAccess(event, 'transferOwnership');
		return formAction(event, 'transferOwnership', memberSchema, async ({ userId }) => {
			const { newOwner } = await targetOrNotFound(() => transferOwnership(getDb(), access, userId));
			return { success: `${newOwner} is now the owner. You’re an admin.` };
		});
	},

	leave: async (event) => {
		const access = await circleAccess(event, 'leave');
		return formAction(event, 'leave', noFields, async () => {
			await leaveCircle(getDb(), access);
			redirect(303, '/circles?gone=left');
		});
	}
};
