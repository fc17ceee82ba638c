// Circles and their members: creating a circle, who is in it and in which role, leaving,
// handing over, deleting, and the circle's history in words. Every command takes a checked
// CircleAccess and checks its own permission; a refusal is thrown (see refusal.ts).
import { eventVisibleTo } from '$lib/server/checkins/audience';
import { sql } from 'kysely';
import type { Database } from '$lib/server/db';
import type { CircleRole } from '$lib/circles';
import { describeEvent, type EventContent } from '$lib/activity';
import type { SessionUser } from '$lib/server/auth/sessions';
import { newId } from '$lib/server/ids';
import { invalid, notFound } from '$lib/server/refusal';
import { isForeignKeyViolation } from '$lib/server/db/errors';
import { prepared } from '$lib/server/db/prepared';
import { addUserToCircleRoom, closeCircleRoom, publishCircleEvents, removeUserFromCircleRoom } from '$lib/server/realtime/publish';
import { lockCircleFor, requireCan, type CircleAccess } from './access';
import type { CircleInput, ProfileInput } from './circle-forms';
import { appendCircleEvent } from './events';
import { startReadPosition } from '$lib/server/unread/positions';
import { settleAgreementsAfterMemberLeft } from '$lib/server/boundaries/agreements';
import { isTimeZone } from '$lib/recovery-days';
import { ERASED_EVENT } from '$lib/server/account/erase-from-log';

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
	// A new circle: nobody else can write to it yet, so it needs no lock. Its creator's account
	// deleted at this very moment (account/deletion.ts) is not found.
	const events = await db
		.transaction()
		.execute(async (trx) => {
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
			const created = await appendCircleEvent(trx, { circleId, actorId: user.id, type: 'circle.created', payload: { name: input.name }, now });
			await startReadPosition(trx, circleId, user.id, created.seq, now);
			return [created];
		})
		.catch((error: unknown) => {
			throw isForeignKeyViolation(error) ? notFound() : error;
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
					// Not a check-in they may not see (issue 20): a private one says nothing, not even when.
					eb
						.selectFrom('circle_events as e')
						.select('e.created_at')
						.whereRef('e.circle_id', '=', 'circles.id')
						.where(eventVisibleTo(user.id))
						.orderBy('e.seq', 'desc')
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

/** The circle's members, owner first, for a member allowed to see them. */
export async function listMembers(db: Database, access: CircleAccess): Promise<CircleMember[]> {
	requireCan(access, 'view');
	return loadMembers(db, access);
}

/** The circle's members, owner first; `access` is the proof that the reader is one of them. */
// Every circle page reads its members, and the home its recent activity: built once (db/prepared.ts).
const membersOf = prepared((db, circleId: string) =>
	db
		.selectFrom('memberships')
		.innerJoin('users', 'users.id', 'memberships.user_id')
		.select(['users.id', 'users.display_name', 'memberships.role', 'memberships.relationship', 'memberships.in_recovery', 'memberships.joined_at'])
		.where('memberships.circle_id', '=', circleId)
		.orderBy('memberships.joined_at', 'asc')
);

export async function loadMembers(db: Database, access: CircleAccess): Promise<CircleMember[]> {
	const rows = await membersOf(db, access.circle.id);
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
export async function updateOwnProfile(db: Database, access: CircleAccess, input: ProfileInput, now = Date.now()): Promise<void> {
	requireCan(access, 'updateOwnProfile');
	const circleId = access.circle.id;
	const events = await db.transaction().execute(async (trx) => {
		const member = await lockCircleFor(trx, access, 'updateOwnProfile');
		await trx
			.updateTable('memberships')
			.set({ relationship: input.relationship, in_recovery: input.inRecovery ? 1 : 0 })
			.where('circle_id', '=', circleId)
			.where('user_id', '=', member.userId)
			.execute();
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: member.userId,
				type: 'member.profile-changed',
				payload: {
					userId: member.userId,
					displayName: member.displayName,
					relationship: input.relationship,
					inRecovery: input.inRecovery
				},
				now
			})
		];
	});
	publishCircleEvents(events);
}

/** Another member of the same circle; ids from other circles are not found here. */
async function requireOtherMember(
	db: Database,
	access: CircleAccess,
	targetUserId: string
): Promise<{ userId: string; displayName: string; role: CircleRole }> {
	if (targetUserId === access.userId) throw invalid('You can’t do that to yourself here.');
	const row = await db
		.selectFrom('memberships')
		.innerJoin('users', 'users.id', 'memberships.user_id')
		.select(['users.id', 'users.display_name', 'memberships.role'])
		.where('memberships.circle_id', '=', access.circle.id)
		.where('memberships.user_id', '=', targetUserId)
		.executeTakeFirst();
	if (!row) throw notFound();
	return { userId: row.id, displayName: row.display_name, role: row.role };
}

/** The owner makes someone an admin or a member again. */
export async function changeMemberRole(
	db: Database,
	access: CircleAccess,
	targetUserId: string,
	role: string,
	now = Date.now()
): Promise<{ changed: boolean }> {
	requireCan(access, 'changeRole');
	if (role !== 'admin' && role !== 'member') throw invalid('Choose “Admin” or “Member”.');
	const circleId = access.circle.id;
	const events = await db.transaction().execute(async (trx) => {
		// Roles as they are now: the target may have just become the owner, or left.
		const owner = await lockCircleFor(trx, access, 'changeRole');
		const target = await requireOtherMember(trx, owner, targetUserId);
		if (target.role === 'owner') throw invalid('The owner’s role changes only by handing over ownership.');
		if (target.role === role) return null;
		await trx.updateTable('memberships').set({ role }).where('circle_id', '=', circleId).where('user_id', '=', target.userId).execute();
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: owner.userId,
				type: 'member.role-changed',
				payload: { userId: target.userId, displayName: target.displayName, role },
				now
			})
		];
	});
	if (!events) return { changed: false };
	publishCircleEvents(events);
	return { changed: true };
}

/**
 * The owner removes someone: their access ends at once, sockets included, and the removal is
 * recorded so that no invite link made before it lets them back in (invites.ts). Inviting them
 * again with a new link is a deliberate choice, and works.
 */
export async function removeMember(db: Database, access: CircleAccess, targetUserId: string, now = Date.now()): Promise<{ removed: string }> {
	requireCan(access, 'removeMember');
	const circleId = access.circle.id;
	const { events, target } = await db.transaction().execute(async (trx) => {
		const owner = await lockCircleFor(trx, access, 'removeMember');
		// Someone who left by themselves meanwhile is not found: they were not removed, and
		// nothing stops them coming back.
		const target = await requireOtherMember(trx, owner, targetUserId);
		await trx.deleteFrom('memberships').where('circle_id', '=', circleId).where('user_id', '=', target.userId).execute();
		await trx
			.insertInto('circle_removals')
			.values({ circle_id: circleId, user_id: target.userId, removed_at: now })
			.onConflict((oc) => oc.columns(['circle_id', 'user_id']).doUpdateSet({ removed_at: now }))
			.execute();
		const events = [
			await appendCircleEvent(trx, {
				circleId,
				actorId: owner.userId,
				type: 'member.removed',
				payload: { userId: target.userId, displayName: target.displayName },
				now
			}),
			// A proposal that was waiting only for them is decided now.
			...(await settleAgreementsAfterMemberLeft(trx, circleId, now))
		];
		return { events, target };
	});
	removeUserFromCircleRoom(target.userId, circleId, 'removed');
	publishCircleEvents(events);
	return { removed: target.displayName };
}

/** The owner hands the circle to another member and becomes an admin. */
export async function transferOwnership(db: Database, access: CircleAccess, targetUserId: string, now = Date.now()): Promise<{ newOwner: string }> {
	requireCan(access, 'transferOwnership');
	const circleId = access.circle.id;
	const { events, target } = await db.transaction().execute(async (trx) => {
		// Still the owner (not after a transfer from another tab), to someone still here.
		const owner = await lockCircleFor(trx, access, 'transferOwnership');
		const target = await requireOtherMember(trx, owner, targetUserId);
		// The owner steps down first: one owner per circle (migration 0015) holds after each statement.
		await trx.updateTable('memberships').set({ role: 'admin' }).where('circle_id', '=', circleId).where('user_id', '=', owner.userId).execute();
		await trx.updateTable('memberships').set({ role: 'owner' }).where('circle_id', '=', circleId).where('user_id', '=', target.userId).execute();
		const events = [
			await appendCircleEvent(trx, {
				circleId,
				actorId: owner.userId,
				type: 'circle.ownership-transferred',
				payload: { fromUserId: owner.userId, toUserId: target.userId, toDisplayName: target.displayName },
				now
			})
		];
		return { events, target };
	});
	publishCircleEvents(events);
	return { newOwner: target.displayName };
}

/**
 * Anyone can leave. The owner must hand ownership over first while others remain; alone in the
 * circle, they delete it instead (leaving would orphan it).
 */
export async function leaveCircle(db: Database, access: CircleAccess, now = Date.now()): Promise<{ left: true }> {
	requireCan(access, 'leave');
	const circleId = access.circle.id;
	const events = await db.transaction().execute(async (trx) => {
		// The role as it is now: ownership may have been handed to them a moment ago.
		const member = await lockCircleFor(trx, access, 'leave');
		if (member.role === 'owner') {
			const others = await trx
				.selectFrom('memberships')
				.select((eb) => eb.fn.countAll<number>().as('count'))
				.where('circle_id', '=', circleId)
				.where('user_id', '!=', member.userId)
				.executeTakeFirst();
			throw invalid(
				Number(others?.count ?? 0) > 0
					? 'As the owner, please hand ownership to someone else before you leave.'
					: 'You’re the only one in this circle. To close it, delete it in the circle’s settings.'
			);
		}
		const { displayName } = member;
		await trx.deleteFrom('memberships').where('circle_id', '=', circleId).where('user_id', '=', member.userId).execute();
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: member.userId,
				type: 'member.left',
				payload: { userId: member.userId, displayName },
				now
			}),
			...(await settleAgreementsAfterMemberLeft(trx, circleId, now))
		];
	});
	removeUserFromCircleRoom(access.userId, circleId, 'left');
	publishCircleEvents(events);
	return { left: true };
}

/** The owner sets the time zone the circle's days are counted in. */
export async function changeTimeZone(db: Database, access: CircleAccess, timeZone: string, now = Date.now()): Promise<{ timeZone: string }> {
	requireCan(access, 'changeTimeZone');
	if (!isTimeZone(timeZone)) throw invalid('Please choose a time zone from the list.', 'timeZone');
	const circleId = access.circle.id;
	const events = await db.transaction().execute(async (trx) => {
		const owner = await lockCircleFor(trx, access, 'changeTimeZone');
		await trx.updateTable('circles').set({ time_zone: timeZone }).where('id', '=', circleId).execute();
		return [await appendCircleEvent(trx, { circleId, actorId: owner.userId, type: 'circle.time-zone-changed', payload: { timeZone }, now })];
	});
	publishCircleEvents(events);
	return { timeZone };
}

/** The owner deletes the circle after typing its name; everything in it goes (foreign keys cascade). */
export async function deleteCircle(db: Database, access: CircleAccess, typedName: string): Promise<{ deleted: string }> {
	requireCan(access, 'deleteCircle');
	if (typedName.trim() !== access.circle.name) {
		throw invalid(`Type the circle’s name exactly as shown (“${access.circle.name}”) to delete it.`, 'confirmName');
	}
	await db.transaction().execute(async (trx) => {
		// Under the circle's lock, so every write to it has finished before, and any waiting
		// finds it gone (not found), rather than writing into a circle that is going.
		await lockCircleFor(trx, access, 'deleteCircle');
		await trx.deleteFrom('circles').where('id', '=', access.circle.id).execute();
	});
	closeCircleRoom(access.circle.id);
	return { deleted: access.circle.name };
}

export interface CircleActivity {
	id: number;
	createdAt: number;
	text: string;
}

/** Recent history of the circle in words (sentences from $lib/activity), from its event log. */
const recentActivity = prepared((db, circleId: string, limit: number) =>
	db
		.selectFrom('circle_events')
		.leftJoin('users', 'users.id', 'circle_events.actor_id')
		.select(['circle_events.id', 'circle_events.type', 'circle_events.payload', 'circle_events.created_at', 'users.display_name as actor'])
		.where('circle_events.circle_id', '=', circleId)
		// Written out exactly as in the partial index circle_events_activity (migrations 0006, 0008), so
		// SQLite can use it: a busy circle's check-in events are never read just to be skipped.
		.where(sql<boolean>`circle_events.type NOT LIKE 'invite.%' AND circle_events.type NOT LIKE 'checkin.%'`)
		// Nothing to tell: what it was about went with a deleted account.
		.where('circle_events.type', '!=', sql.lit(ERASED_EVENT))
		.orderBy('circle_events.seq', 'desc')
		.limit(limit)
);

export async function loadRecentActivity(db: Database, access: CircleAccess, limit = 20): Promise<CircleActivity[]> {
	const rows = await recentActivity(db, access.circle.id, limit);
	return rows.map((row) => ({
		id: row.id,
		createdAt: row.created_at,
		text: describeEvent({ type: row.type, payload: JSON.parse(row.payload) } as EventContent, row.actor ?? 'Someone')
	}));
}
