import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/auth/guards';
import { listMembers, recentActivity } from '$lib/server/circles/circles';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { circleId } = event.params;
	event.depends(`circle:${circleId}`);
	const { members } = await listMembers(getDb(), user, circleId);
	const me = members.find((member) => member.userId === user.id);
	return {
		memberCount: members.length,
		inRecovery: members.filter((member) => member.inRecovery).map((member) => member.displayName),
		needsProfile: !me?.relationship,
		activity: await recentActivity(getDb(), user, circleId)
	};
};
