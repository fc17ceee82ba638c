// The one place where circle roles turn into permissions. Every circle page load, form action and
// socket message goes through requireMember (routes through http/circle-access.ts, which does it
// once per request), and every domain command calls requireCan for its own action, so a route
// cannot forget a permission.
import { forbidden, notFound } from '$lib/server/refusal';
import type { Database } from '$lib/server/db';
import { prepared } from '$lib/server/db/prepared';
import { lockCircle } from '$lib/server/db/dialect';
import type { CircleRole } from '$lib/server/db/schema';
import type { SessionUser } from '$lib/server/auth/sessions';
import { isRowId } from '$lib/server/ids';

export type { CircleRole };

/** What each circle action needs, at least. */
export const CIRCLE_PERMISSIONS = {
	view: 'member',
	updateOwnProfile: 'member',
	leave: 'member',
	// Check-ins: every member speaks for themselves; what is theirs only they can change.
	postCheckIn: 'member',
	respond: 'member',
	// Agreements: nobody decides alone, so every member may propose, answer and discuss.
	proposeAgreement: 'member',
	answerAgreement: 'member',
	discussAgreement: 'member',
	// Milestones: a person in recovery sets only their own dates (a rule checked in the domain).
	setOwnRecovery: 'member',
	addMilestone: 'member',
	cheer: 'member',
	// The safety and overdose plan: anyone changes the family's part; a person in recovery keeps
	// their own (only theirs: a rule checked in the domain), and others suggest additions.
	editFamilyPlan: 'member',
	keepOwnPlan: 'member',
	suggestToPlan: 'member',
	manageInvites: 'admin',
	// Granting admin is the owner's call, as promoting a member is.
	inviteAdmins: 'owner',
	changeRole: 'owner',
	changeTimeZone: 'owner',
	removeMember: 'owner',
	transferOwnership: 'owner',
	deleteCircle: 'owner'
} as const satisfies Record<string, CircleRole>;

export type CircleAction = keyof typeof CIRCLE_PERMISSIONS;

const RANK: Record<CircleRole, number> = { member: 1, admin: 2, owner: 3 };

export function can(role: CircleRole, action: CircleAction): boolean {
	return RANK[role] >= RANK[CIRCLE_PERMISSIONS[action]];
}

const REFUSALS: Record<CircleAction, string> = {
	view: 'Only members of this circle can see it.',
	updateOwnProfile: 'Only members can change their profile here.',
	leave: 'Only members can leave a circle.',
	postCheckIn: 'Only members can check in here.',
	respond: 'Only members can respond here.',
	proposeAgreement: 'Only members can propose agreements here.',
	answerAgreement: 'Only members can answer here.',
	discussAgreement: 'Only members can comment here.',
	setOwnRecovery: 'Only members can keep a recovery date here.',
	addMilestone: 'Only members can add milestones here.',
	cheer: 'Only members can cheer here.',
	editFamilyPlan: 'Only members can change the overdose plan here.',
	keepOwnPlan: 'Only members can keep a safety plan here.',
	suggestToPlan: 'Only members can suggest additions here.',
	changeTimeZone: 'Only the circle’s owner can change its time zone.',
	manageInvites: 'Only the circle’s owner and admins can invite people.',
	inviteAdmins: 'Only the circle’s owner can invite someone as an admin.',
	changeRole: 'Only the circle’s owner can change roles.',
	removeMember: 'Only the circle’s owner can remove someone.',
	transferOwnership: 'Only the circle’s owner can hand over ownership.',
	deleteCircle: 'Only the circle’s owner can delete it.'
};

export interface CircleAccess {
	userId: string;
	/** The member's name as the circle sees it (for events about what they did). */
	displayName: string;
	circle: { id: string; name: string; description: string };
	role: CircleRole;
	/** The member's own details in this circle, read with the membership at no extra cost. */
	relationship: string;
	inRecovery: boolean;
	/** The circle's time zone, where its days are counted. */
	timeZone: string;
}

/** Every circle page and action runs this, so it is built once (see db/prepared.ts). */
const findMembership = prepared((db, circleId: string, userId: string) =>
	db
		.selectFrom('memberships')
		.innerJoin('circles', 'circles.id', 'memberships.circle_id')
		.innerJoin('users', 'users.id', 'memberships.user_id')
		.select([
			'users.display_name',
			'circles.id',
			'circles.name',
			'circles.description',
			'memberships.role',
			'memberships.relationship',
			'memberships.in_recovery',
			'circles.time_zone'
		])
		.where('memberships.circle_id', '=', circleId)
		.where('memberships.user_id', '=', userId)
);

/**
 * The user's membership of a circle, or a not-found refusal. Non-members, removed members and
 * made-up ids all get the same answer, so nobody learns whether a circle exists.
 */
export async function requireMember(db: Database, user: Pick<SessionUser, 'id'>, circleId: string): Promise<CircleAccess> {
	if (!isRowId(circleId)) throw notFound();
	const [row] = await findMembership(db, circleId, user.id);
	if (!row) throw notFound();
	return {
		userId: user.id,
		displayName: row.display_name,
		circle: { id: row.id, name: row.name, description: row.description },
		role: row.role,
		relationship: row.relationship,
		inRecovery: row.in_recovery === 1,
		timeZone: row.time_zone
	};
}

/** Refuses (forbidden, with a plain reason) a member whose role does not allow the action. */
export function requireCan(access: CircleAccess, action: CircleAction): void {
	if (!can(access.role, action)) throw forbidden(REFUSALS[action]);
}

/** requireMember and requireCan in one step. */
export async function requireCircleAction(db: Database, user: Pick<SessionUser, 'id'>, circleId: string, action: CircleAction): Promise<CircleAccess> {
	const access = await requireMember(db, user, circleId);
	requireCan(access, action);
	return access;
}

/**
 * The first step of every transaction that changes a circle: takes the circle's lock (lockCircle,
 * db/dialect.ts), then reads the member's access again with `trx` and checks the action, so what
 * the command decides on (being a member, the role, the name its events carry) stays true until
 * it commits. A member removed, or a circle deleted, since the request began is not found here.
 */
export async function lockCircleFor(trx: Database, access: CircleAccess, action: CircleAction): Promise<CircleAccess> {
	await lockCircle(trx, access.circle.id);
	return requireCircleAction(trx, { id: access.userId }, access.circle.id, action);
}
