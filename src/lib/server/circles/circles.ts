import { error, fail } from '@sveltejs/kit';
import type { Database } from '$lib/server/db';
import { sql } from 'kysely';
import type { CircleRole } from '$lib/circles';
import type { SessionUser } from '$lib/server/auth/sessions';
import { newId } from '$lib/server/ids';
import type { CircleEvent } from '$lib/realtime/events';
import { addUserToCircleRoom, closeCircleRoom, publishCircleEvents, removeUserFromCircleRoom } from '$lib/server/realtime/publish';
import { requireCircleAction, requireMember, type CircleAccess } from './access';
import type { CircleInput, ProfileInput } from './circle-forms';
import { appendCircleEvent } from './events';
import { settleAgreementsAfterMemberLeft } from '$lib/server/boundaries/agreements';
import { milestoneHeadline } from '$lib/milestones';
import { isTimeZone } from '$lib/recovery-days';

export interface CircleSummary {
	id: string;
	name: string;
	memberCount: number;
	lastActivityAt: number;
	role: CircleRole;
}

/** Creates a circle with its creator as owner. */
export async function createCircle(db: Database, user: SessionUser, input: CircleInput, now = Date.now()): Promise<{ circleId: string }> {
	const circleId = newId();
	const events = await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('circles')
			.values({
				id: circleId,
				name: input.name,
				description: input.description,
				created_by: user.id,
				created_at: now,
				last_activity_at: now,
				time_zone: input.timeZone && isTimeZone(input.timeZone) ? input.timeZone : 'UTC'
			})
			.execute();
		await trx
			.insertInto('memberships')
			.values({ circle_id: circleId, user_id: user.id, role: 'owner', relationship: '', in_recovery: 0, joined_at: now })
			.execute();
		return [await appendCircleEvent(trx, { circleId, actorId: user.id, type: 'circle.created', payload: { name: input.name }, now })];
	});
	addUserToCircleRoom(user.id, circleId);
	publishCircleEvents(events);
	return { circleId };
}

/** "Your circles": every circle the user belongs to, most recently active first. */
export async function listMyCircles(db: Database, user: SessionUser): Promise<CircleSummary[]> {
	const rows = await db
		.selectFrom('memberships as mine')
		.innerJoin('circles', 'circles.id', 'mine.circle_id')
		.select((eb) => [
			'circles.id',
			'circles.name',
			// The newest event's time (one index step per circle): a post no longer has to update
			// the circle's row too, which cost every check-in a write (BENCHMARKS.md).
			eb.fn
				.coalesce(
					eb
						.selectFrom('circle_events')
						.select('circle_events.created_at')
						.whereRef('circle_events.circle_id', '=', 'circles.id')
						.orderBy('circle_events.seq', 'desc')
						.limit(1),
					'circles.last_activity_at'
				)
				.as('last_activity_at'),
			'mine.role',
			eb
				.selectFrom('memberships as everyone')
				.select((inner) => inner.fn.countAll<number>().as('count'))
				.whereRef('everyone.circle_id', '=', 'circles.id')
				.as('member_count')
		])
		.where('mine.user_id', '=', user.id)
		.orderBy('last_activity_at', 'desc')
		.execute();
	return rows.map((row) => ({
		id: row.id,
		name: row.name,
		role: row.role,
		lastActivityAt: row.last_activity_at,
		memberCount: Number(row.member_count ?? 0)
	}));
}

/** Ids of every circle the user is in (socket rooms at connect time). */
export async function listMemberCircleIds(db: Database, userId: string): Promise<string[]> {
	const rows = await db.selectFrom('memberships').select('circle_id').where('user_id', '=', userId).execute();
	return rows.map((row) => row.circle_id);
}

export async function isCircleMember(db: Database, userId: string, circleId: string): Promise<boolean> {
	const row = await db.selectFrom('memberships').select('user_id').where('circle_id', '=', circleId).where('user_id', '=', userId).executeTakeFirst();
	return Boolean(row);
}

export interface CircleMember {
	userId: string;
	displayName: string;
	role: CircleRole;
	relationship: string;
	inRecovery: boolean;
	joinedAt: number;
}

const ROLE_ORDER: Record<CircleRole, number> = { owner: 0, admin: 1, member: 2 };

export async function listMembers(db: Database, user: SessionUser | null, circleId: string): Promise<{ access: CircleAccess; members: CircleMember[] }> {
	const access = await requireCircleAction(db, user, circleId, 'view');
	return { access, members: await loadMembers(db, access) };
}

/** The circle's members, owner first; `access` is the proof that the reader is one of them. */
export async function loadMembers(db: Database, access: CircleAccess): Promise<CircleMember[]> {
	const circleId = access.circle.id;
	const rows = await db
		.selectFrom('memberships')
		.innerJoin('users', 'users.id', 'memberships.user_id')
		.select(['users.id', 'users.display_name', 'memberships.role', 'memberships.relationship', 'memberships.in_recovery', 'memberships.joined_at'])
		.where('memberships.circle_id', '=', circleId)
		.orderBy('memberships.joined_at', 'asc')
		.execute();
	return rows
		.map((row) => ({
			userId: row.id,
			displayName: row.display_name,
			role: row.role,
			relationship: row.relationship,
			inRecovery: row.in_recovery === 1,
			joinedAt: row.joined_at
		}))
		.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.joinedAt - b.joinedAt);
}

/** Each member says who they are in the circle; nobody can change it for them. */
export async function updateOwnProfile(db: Database, user: SessionUser | null, circleId: string, input: ProfileInput, now = Date.now()): Promise<void> {
	const access = await requireCircleAction(db, user, circleId, 'updateOwnProfile');
	const events = await db.transaction().execute(async (trx) => {
		await trx
			.updateTable('memberships')
			.set({ relationship: input.relationship, in_recovery: input.inRecovery ? 1 : 0 })
			.where('circle_id', '=', circleId)
			.where('user_id', '=', access.userId)
			.execute();
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: access.userId,
				type: 'member.profile-changed',
				payload: { userId: access.userId, displayName: user!.displayName, relationship: input.relationship, inRecovery: input.inRecovery },
				now
			})
		];
	});
	publishCircleEvents(events);
}

/** Another member of the same circle, or a 404: ids from other circles are not found here. */
async function requireOtherMember(db: Database, access: CircleAccess, targetUserId: string) {
	if (targetUserId === access.userId) error(400, 'You can’t do that to yourself here.');
	const row = await db
		.selectFrom('memberships')
		.innerJoin('users', 'users.id', 'memberships.user_id')
		.select(['users.id', 'users.display_name', 'memberships.role'])
		.where('memberships.circle_id', '=', access.circle.id)
		.where('memberships.user_id', '=', targetUserId)
		.executeTakeFirst();
	if (!row) error(404, 'Not found');
	return { userId: row.id, displayName: row.display_name, role: row.role };
}

/** The owner makes someone an admin or a member again. */
export async function changeMemberRole(db: Database, user: SessionUser | null, circleId: string, targetUserId: string, role: string, now = Date.now()) {
	const access = await requireCircleAction(db, user, circleId, 'changeRole');
	if (role !== 'admin' && role !== 'member') return fail(400, { message: 'Choose “Admin” or “Member”.' });
	const target = await requireOtherMember(db, access, targetUserId);
	if (target.role === 'owner') return fail(400, { message: 'The owner’s role changes only by handing over ownership.' });
	if (target.role === role) return { changed: false as const };
	const events = await db.transaction().execute(async (trx) => {
		await trx.updateTable('memberships').set({ role }).where('circle_id', '=', circleId).where('user_id', '=', target.userId).execute();
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: access.userId,
				type: 'member.role-changed',
				payload: { userId: target.userId, displayName: target.displayName, role },
				now
			})
		];
	});
	publishCircleEvents(events);
	return { changed: true as const };
}

/** The owner removes someone: their access ends at once, sockets included. */
export async function removeMember(db: Database, user: SessionUser | null, circleId: string, targetUserId: string, now = Date.now()) {
	const access = await requireCircleAction(db, user, circleId, 'removeMember');
	const target = await requireOtherMember(db, access, targetUserId);
	const events = await db.transaction().execute(async (trx) => {
		await trx.deleteFrom('memberships').where('circle_id', '=', circleId).where('user_id', '=', target.userId).execute();
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: access.userId,
				type: 'member.removed',
				payload: { userId: target.userId, displayName: target.displayName },
				now
			}),
			// A proposal that was waiting only for them is decided now.
			...(await settleAgreementsAfterMemberLeft(trx, circleId, now))
		];
	});
	removeUserFromCircleRoom(target.userId, circleId, 'removed');
	publishCircleEvents(events);
	return { removed: target.displayName };
}

/** The owner hands the circle to another member and becomes an admin. */
export async function transferOwnership(db: Database, user: SessionUser | null, circleId: string, targetUserId: string, now = Date.now()) {
	const access = await requireCircleAction(db, user, circleId, 'transferOwnership');
	const target = await requireOtherMember(db, access, targetUserId);
	const events = await db.transaction().execute(async (trx) => {
		await trx.updateTable('memberships').set({ role: 'owner' }).where('circle_id', '=', circleId).where('user_id', '=', target.userId).execute();
		await trx.updateTable('memberships').set({ role: 'admin' }).where('circle_id', '=', circleId).where('user_id', '=', access.userId).execute();
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: access.userId,
				type: 'circle.ownership-transferred',
				payload: { fromUserId: access.userId, toUserId: target.userId, toDisplayName: target.displayName },
				now
			})
		];
	});
	publishCircleEvents(events);
	return { newOwner: target.displayName };
}

/**
 * Anyone can leave. The owner must hand ownership over first while others remain; alone in the
 * circle, they delete it instead (leaving would orphan it).
 */
export async function leaveCircle(db: Database, user: SessionUser | null, circleId: string, now = Date.now()) {
	const access = await requireCircleAction(db, user, circleId, 'leave');
	if (access.role === 'owner') {
		const others = await db
			.selectFrom('memberships')
			.select((eb) => eb.fn.countAll<number>().as('count'))
			.where('circle_id', '=', circleId)
			.where('user_id', '!=', access.userId)
			.executeTakeFirst();
		const message =
			Number(others?.count ?? 0) > 0
				? 'As the owner, please hand ownership to someone else before you leave.'
				: 'You’re the only one in this circle. To close it, delete it in the circle’s settings.';
		return fail(400, { message });
	}
	const events = await db.transaction().execute(async (trx) => {
		await trx.deleteFrom('memberships').where('circle_id', '=', circleId).where('user_id', '=', access.userId).execute();
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: access.userId,
				type: 'member.left',
				payload: { userId: access.userId, displayName: user!.displayName },
				now
			}),
			...(await settleAgreementsAfterMemberLeft(trx, circleId, now))
		];
	});
	removeUserFromCircleRoom(access.userId, circleId, 'left');
	publishCircleEvents(events);
	return { left: true as const };
}

/** The owner sets the time zone the circle's days are counted in. */
export async function setCircleTimeZone(db: Database, user: SessionUser | null, circleId: string, timeZone: string, now = Date.now()) {
	const access = await requireCircleAction(db, user, circleId, 'changeTimeZone');
	if (!isTimeZone(timeZone)) return fail(400, { errors: { timeZone: 'Please choose a time zone from the list.' } });
	const events = await db.transaction().execute(async (trx) => {
		await trx.updateTable('circles').set({ time_zone: timeZone }).where('id', '=', circleId).execute();
		return [await appendCircleEvent(trx, { circleId, actorId: access.userId, type: 'circle.time-zone-changed', payload: { timeZone }, now })];
	});
	publishCircleEvents(events);
	return { timeZone };
}

/** The owner deletes the circle after typing its name; everything in it goes (foreign keys cascade). */
export async function deleteCircle(db: Database, user: SessionUser | null, circleId: string, typedName: string) {
	const access = await requireCircleAction(db, user, circleId, 'deleteCircle');
	if (typedName.trim() !== access.circle.name) {
		return fail(400, {
			errors: { confirmName: `Type the circle’s name exactly as shown (“${access.circle.name}”) to delete it.` },
			values: { confirmName: typedName.slice(0, 200) }
		});
	}
	await db.deleteFrom('circles').where('id', '=', circleId).execute();
	closeCircleRoom(circleId);
	return { deleted: access.circle.name };
}

export interface CircleActivity {
	id: number;
	createdAt: number;
	text: string;
}

/** Recent history of the circle in words, from its event log. */
export async function recentActivity(db: Database, user: SessionUser | null, circleId: string, limit = 20): Promise<CircleActivity[]> {
	return loadRecentActivity(db, await requireMember(db, user, circleId), limit);
}

export async function loadRecentActivity(db: Database, access: CircleAccess, limit = 20): Promise<CircleActivity[]> {
	const rows = await db
		.selectFrom('circle_events')
		.leftJoin('users', 'users.id', 'circle_events.actor_id')
		.select(['circle_events.id', 'circle_events.type', 'circle_events.payload', 'circle_events.created_at', 'users.display_name as actor'])
		.where('circle_events.circle_id', '=', access.circle.id)
		// Written out exactly as in the partial index circle_events_activity (migrations 0006, 0008), so
		// SQLite can use it: a busy circle's check-in events are never read just to be skipped.
		.where(sql<boolean>`circle_events.type NOT LIKE 'invite.%' AND circle_events.type NOT LIKE 'checkin.%'`)
		.orderBy('circle_events.seq', 'desc')
		.limit(limit)
		.execute();
	return rows.map((row) => ({
		id: row.id,
		createdAt: row.created_at,
		text: describeEvent({ type: row.type, payload: JSON.parse(row.payload) } as EventContent, row.actor ?? 'Someone')
	}));
}

const ROLE_WORDS: Record<CircleRole, string> = { owner: 'the owner', admin: 'an admin', member: 'a member' };

/** An event's type and payload, still telling the types apart. */
type EventContent<E = CircleEvent> = E extends CircleEvent ? Pick<E, 'type' | 'payload'> : never;

export function describeEvent(event: EventContent, actor: string): string {
	switch (event.type) {
		case 'circle.created':
			return `${actor} started the circle.`;
		case 'member.joined':
			return `${event.payload.displayName} joined the circle.`;
		case 'member.left':
			return `${event.payload.displayName} left the circle.`;
		case 'member.removed':
			return `${event.payload.displayName} is no longer in the circle.`;
		case 'member.role-changed':
			return `${event.payload.displayName} is now ${ROLE_WORDS[event.payload.role]}.`;
		case 'member.profile-changed':
			return `${event.payload.displayName} updated how they appear in the circle.`;
		case 'circle.ownership-transferred':
			return `${actor} handed ownership to ${event.payload.toDisplayName}.`;
		case 'invite.created':
			return `${actor} made an invite link.`;
		case 'invite.revoked':
			return `${actor} turned off an invite link.`;
		case 'checkin.posted':
			return `${actor} checked in.`;
		case 'checkin.edited':
			return `${actor} edited a check-in.`;
		case 'checkin.removed':
			return `${actor} removed a check-in.`;
		case 'checkin.reacted':
			return `${actor} responded to ${event.payload.checkin.author.displayName}’s check-in.`;
		case 'checkin.replied':
		case 'checkin.reply-edited':
		case 'checkin.reply-removed':
			return `${actor} replied to ${event.payload.checkin.author.displayName}’s check-in.`;
		case 'agreement.proposed':
			return `${actor} proposed an agreement: “${event.payload.title}”.`;
		case 'agreement.revision-proposed':
			return `${actor} proposed version ${event.payload.version} of “${event.payload.title}”.`;
		case 'agreement.withdrawal-proposed':
			return `${actor} proposed withdrawing the open proposal on “${event.payload.title}”.`;
		case 'agreement.retirement-proposed':
			return `${actor} proposed retiring “${event.payload.title}”.`;
		case 'agreement.answered':
			if (event.payload.answer === 'changes') return `${actor} would like changes to “${event.payload.title}”.`;
			return event.payload.acknowledgement ? `${actor} read and agreed to “${event.payload.title}”.` : `${actor} agreed to “${event.payload.title}”.`;
		case 'agreement.commented':
			return `${actor} commented on “${event.payload.title}”.`;
		case 'agreement.agreed':
			return (event.payload.version ?? 1) > 1
				? `Everyone agreed to version ${event.payload.version} of “${event.payload.title}”.`
				: `Everyone agreed to “${event.payload.title}”.`;
		case 'agreement.withdrawn':
			return `“${event.payload.title}” was withdrawn, with everyone’s agreement.`;
		case 'agreement.proposal-withdrawn':
			return `The proposed change to “${event.payload.title}” was withdrawn, with everyone’s agreement; the agreed version stays.`;
		case 'agreement.retired':
			return `“${event.payload.title}” was retired, with everyone’s agreement.`;
		case 'milestone.reached':
			return `🎉 ${milestoneHeadline(event.payload.milestone)}.`;
		case 'milestone.added':
			return `${actor} added a milestone: “${event.payload.milestone.title}”.`;
		case 'milestone.cheered':
		case 'milestone.cheer-edited':
			return `${actor} cheered “${milestoneHeadline(event.payload.milestone)}”.`;
		case 'milestone.removed':
			return `${actor} removed the milestone “${event.payload.title}”.`;
		case 'recovery.date-set':
			return `${event.payload.displayName} set the day their recovery began.`;
		case 'recovery.lapse-shared':
			return `${event.payload.displayName} shared that they had a lapse. Coming back is part of recovery.`;
		case 'circle.time-zone-changed':
			return `${actor} set the circle’s time zone to ${event.payload.timeZone}.`;
	}
}
