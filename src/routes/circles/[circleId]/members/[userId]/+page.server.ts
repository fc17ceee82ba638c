import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { circleAccess } from '$lib/server/http/guards';
import { listMembers } from '$lib/server/circles/circles';
import { listCheckIns, moodTrend } from '$lib/server/checkins/checkins';
import { listMilestones } from '$lib/server/milestones/milestones';
import { listRecoverySummaries } from '$lib/server/milestones/recovery';
import { logPositionFor } from '$lib/server/realtime/log-position';
import { packFeedPage } from '$lib/checkin-wire';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { circleId, userId } = event.params;
	event.depends(`circle:${circleId}`);
	// Before the check-ins: the page replays the events after it over them.
	const live = await logPositionFor(event.locals, circleId);
	const access = await circleAccess(event);
	const db = getDb();
	const members = await listMembers(db, access);
	const member = members.find((m) => m.userId === userId);
	// Someone who is not (or no longer) in this circle has no page here: a member who had it open
	// (they left, were removed or deleted their account) is taken to the members list, which says so.
	if (!member) redirect(303, `/circles/${circleId}/members?notHere=1`);
	const now = Date.now();
	const [trend, recovery, milestones, feed] = await Promise.all([
		moodTrend(db, access, userId, now),
		listRecoverySummaries(db, access, now),
		listMilestones(db, access, { subjectId: userId, limit: 20 }),
		listCheckIns(db, access, { authorId: userId, cursor: event.url.searchParams.get('before') })
	]);
	return {
		live,
		member,
		// For naming who sees a check-in on its card (issue 20).
		people: members.map((m) => ({ id: m.userId, displayName: m.displayName })),
		iAmInRecovery: access.inRecovery,
		now,
		trend,
		recovery: recovery.find((summary) => summary.person.id === userId) ?? null,
		milestones,
		feed: packFeedPage(circleId, feed),
		// A reply's key for a page without JavaScript (see the circle page's load).
		replyKey: crypto.randomUUID()
	};
};
