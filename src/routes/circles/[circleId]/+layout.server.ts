import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/auth/guards';
import { can, requireMember } from '$lib/server/circles/access';
import { latestCircleEventId } from '$lib/server/circles/events';
import { reachMilestonesOnNewDay } from '$lib/server/milestones/milestones';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	const user = requireUser(event);
	const { circleId } = event.params;
	event.depends(`circle:${circleId}`);
	const access = await requireMember(getDb(), user, circleId);
	// Whoever opens the circle first on a new day writes that day's milestones (the clock would too).
	await reachMilestonesOnNewDay(getDb(), access);
	return {
		circle: access.circle,
		myRole: access.role,
		myUserId: user.id,
		canManageInvites: can(access.role, 'manageInvites'),
		isOwner: access.role === 'owner',
		latestEventId: await latestCircleEventId(getDb(), circleId)
	};
};
