// The circle's home page in one read: the membership is checked once, and each part is loaded by
// the domain module it belongs to from that checked access (before, every part checked it again:
// six membership queries per page; see BENCHMARKS.md).
import type { Database } from '$lib/server/db';
import { requireCan, type CircleAccess } from './access';
import { loadMembers, loadRecentActivity } from './circles';
import { loadFeedPage } from '$lib/server/checkins/checkins';
import { loadRecoverySummaries, peopleInRecovery } from '$lib/server/milestones/recovery';
import { countAgreementsWaitingFor } from '$lib/server/boundaries/agreements';

/** Recent activity shown on the home page. */
const HOME_ACTIVITY_ITEMS = 8;

export async function loadCircleHome(db: Database, access: CircleAccess, options: { cursor?: string | null; now?: number } = {}) {
	const now = options.now ?? Date.now();
	requireCan(access, 'view');
	const members = await loadMembers(db, access);
	const me = members.find((member) => member.userId === access.userId);
	const inRecovery = members.filter((member) => member.inRecovery);
	return {
		feed: await loadFeedPage(db, access, { cursor: options.cursor }),
		memberCount: members.length,
		// For choosing who sees a check-in, and naming them on its card (issue 20).
		people: members.map((member) => ({ id: member.userId, displayName: member.displayName })),
		inRecovery: inRecovery.map((member) => member.displayName),
		iAmInRecovery: me?.inRecovery ?? false,
		// Asked who they are here: a person in recovery who said so has answered (a relationship is optional for them).
		needsProfile: !me?.relationship && !me?.inRecovery,
		activity: await loadRecentActivity(db, access, HOME_ACTIVITY_ITEMS),
		recovery: await loadRecoverySummaries(db, access, peopleInRecovery(members), now),
		agreementsWaitingForMe: await countAgreementsWaitingFor(db, access)
	};
}
