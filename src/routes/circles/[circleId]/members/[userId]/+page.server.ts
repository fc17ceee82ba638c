import { error } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/http/guards';
import { listMembers } from '$lib/server/circles/circles';
import { listCheckIns, moodTrend } from '$lib/server/checkins/checkins';
import { listMilestones } from '$lib/server/milestones/milestones';
import { listRecoverySummaries } from '$lib/server/milestones/recovery';
import { logPositionFor } from '$lib/server/realtime/log-position';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { circleId, userId } = event.params;
	event.depends(`circle:${circleId}`);
	// Before the check-ins: the page replays the events after it over them.
	const live = await logPositionFor(event.locals, circleId);
	const { members } = await listMembers(getDb(), user, circleId);
	const member = members.find((m) => m.userId === userId);
	// Someone who is not (or no longer) in this circle has no page here.
	if (!member) error(404, 'Not found');
	const now = Date.now();
	return {
		live,
		member,
		iAmInRecovery: members.find((m) => m.userId === user.id)?.inRecovery ?? false,
		now,
		trend: await moodTrend(getDb(), user, circleId, userId, now),
		recovery: (await listRecoverySummaries(getDb(), user, circleId, now)).find((summary) => summary.person.id === userId) ?? null,
		milestones: await listMilestones(getDb(), user, circleId, { subjectId: userId, limit: 20 }),
		feed: await listCheckIns(getDb(), user, circleId, { authorId: userId, cursor: event.url.searchParams.get('before') })
	};
};
