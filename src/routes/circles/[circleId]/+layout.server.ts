import { getDb } from '$lib/server/db';
import { circleAccess } from '$lib/server/http/guards';
import { can } from '$lib/server/circles/access';
import { logPositionFor } from '$lib/server/realtime/log-position';
import { reachMilestonesOnNewDay } from '$lib/server/milestones/milestones';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	const { circleId } = event.params;
	event.depends(`circle:${circleId}`);
	// Before any data: everything below reflects at least the events up to this position.
	const live = await logPositionFor(event.locals, circleId);
	const access = await circleAccess(event);
	// Whoever opens the circle first on a new day writes that day's milestones (the clock would too).
	await reachMilestonesOnNewDay(getDb(), access);
	return {
		circle: access.circle,
		myRole: access.role,
		myUserId: access.userId,
		canManageInvites: can(access.role, 'manageInvites'),
		isOwner: access.role === 'owner',
		live
	};
};
