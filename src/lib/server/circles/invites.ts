// Invite links: made by the circle's owner and admins, shown once, stored only as a hash, and
// used up atomically when someone joins with one.
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import type { Database } from '$lib/server/db';
import type { SessionUser } from '$lib/server/auth/sessions';
import { hashToken } from '$lib/server/auth/tokens';
import { newId } from '$lib/server/ids';
import { Refusal } from '$lib/server/refusal';
import { addUserToCircleRoom, publishCircleEvents } from '$lib/server/realtime/publish';
import { giveBackAttempt, takeAttempt, THROTTLE_WINDOW, type AttemptLimit, type AttemptVerdict, type TakenPlace } from '$lib/server/throttle';
import { lockCircleFor, requireCan, type CircleAccess } from './access';
import { lockCircle } from '$lib/server/db/dialect';
import { isForeignKeyViolation } from '$lib/server/db/errors';
import type { InviteInput } from './circle-forms';
import { appendCircleEvent } from './events';
import { startReadPosition } from '$lib/server/unread/positions';

const DAY = 24 * 60 * 60 * 1000;

/** 160 random bits; only its SHA-256 is stored, so the link is shown once, when it is made. */
function generateInviteToken(): string {
	const bytes = new Uint8Array(20);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}

// Invite tokens are 32 base32 characters; anything else is not looked up at all.
const TOKEN_SHAPE = /^[a-z2-7]{32}$/;

/** A new invite link: its token exists in full only in this answer. */
export async function createInvite(
	db: Database,
	access: CircleAccess,
	input: InviteInput,
	now = Date.now()
): Promise<{ inviteId: string; token: string; expiresAt: number }> {
	requireCan(access, 'manageInvites');
	if (input.role === 'admin') requireCan(access, 'inviteAdmins');
	const circleId = access.circle.id;
	const token = generateInviteToken();
	const inviteId = newId();
	const expiresAt = now + input.expiresInDays * DAY;
	const events = await db.transaction().execute(async (trx) => {
		const inviter = await lockCircleFor(trx, access, 'manageInvites');
		if (input.role === 'admin') requireCan(inviter, 'inviteAdmins');
		await trx
			.insertInto('invites')
			.values({
				id: inviteId,
				circle_id: circleId,
				token_hash: hashToken(token),
				created_by: inviter.userId,
				role: input.role,
				note: input.note,
				max_uses: input.maxUses,
				uses: 0,
				expires_at: expiresAt,
				revoked_at: null,
				created_at: now
			})
			.execute();
		return [await appendCircleEvent(trx, { circleId, actorId: inviter.userId, type: 'invite.created', payload: { inviteId }, now })];
	});
	publishCircleEvents(events);
	return { inviteId, token, expiresAt };
}

export interface ActiveInvite {
	id: string;
	createdBy: string;
	role: 'admin' | 'member';
	note: string;
	usesLeft: number;
	maxUses: number;
	expiresAt: number;
	createdAt: number;
}

/** Invites that still work: not revoked, not expired, not used up. */
export async function listActiveInvites(db: Database, access: CircleAccess, now = Date.now()): Promise<ActiveInvite[]> {
	requireCan(access, 'manageInvites');
	const rows = await db
		.selectFrom('invites')
		.leftJoin('users', 'users.id', 'invites.created_by')
		.select([
			'invites.id',
			'invites.role',
			'invites.note',
			'invites.uses',
			'invites.max_uses',
			'invites.expires_at',
			'invites.created_at',
			'users.display_name'
		])
		.where('invites.circle_id', '=', access.circle.id)
		.where('invites.revoked_at', 'is', null)
		.where('invites.expires_at', '>', now)
		.whereRef('invites.uses', '<', 'invites.max_uses')
		.orderBy('invites.created_at', 'desc')
		.execute();
	return rows.map((row) => ({
		id: row.id,
		createdBy: row.display_name ?? 'A former member',
		role: row.role,
		note: row.note,
		usesLeft: row.max_uses - row.uses,
		maxUses: row.max_uses,
		expiresAt: row.expires_at,
		createdAt: row.created_at
	}));
}

/** Turns a link off; one already off, or of another circle, is not found. */
export async function revokeInvite(db: Database, access: CircleAccess, inviteId: string, now = Date.now()): Promise<{ revoked: true }> {
	requireCan(access, 'manageInvites');
	const circleId = access.circle.id;
	const events = await db.transaction().execute(async (trx) => {
		const admin = await lockCircleFor(trx, access, 'manageInvites');
		const result = await trx
			.updateTable('invites')
			.set({ revoked_at: now })
			.where('id', '=', inviteId)
			.where('circle_id', '=', circleId)
			.where('revoked_at', 'is', null)
			.executeTakeFirst();
		if (result.numUpdatedRows === 0n) return null;
		return [await appendCircleEvent(trx, { circleId, actorId: admin.userId, type: 'invite.revoked', payload: { inviteId }, now })];
	});
	if (!events) throw new Refusal('not-found', 'That invite was already turned off or has gone.');
	publishCircleEvents(events);
	return { revoked: true };
}

export interface InvitePreview {
	circleId: string;
	circleName: string;
	invitedBy: string;
	role: 'admin' | 'member';
}

/**
 * What a visitor with a link may see: the circle's name and who invited them, only while the
 * link works. Anything else (unknown, expired, revoked, used up) is null, all alike. For a
 * signed-in visitor (`forUserId`) who was removed from the circle after the link was made, the
 * link does not work either, and looks exactly like one that stopped working (see acceptInvite).
 */
export async function previewInvite(db: Database, token: string, now = Date.now(), forUserId: string | null = null): Promise<InvitePreview | null> {
	if (!TOKEN_SHAPE.test(token)) return null;
	const row = await db
		.selectFrom('invites')
		.innerJoin('circles', 'circles.id', 'invites.circle_id')
		.leftJoin('users', 'users.id', 'invites.created_by')
		// Without a signed-in visitor the join matches nothing (no user id is empty).
		.leftJoin('circle_removals', (join) =>
			join.onRef('circle_removals.circle_id', '=', 'invites.circle_id').on('circle_removals.user_id', '=', forUserId ?? '')
		)
		.select(['circles.id', 'circles.name', 'users.display_name', 'invites.role', 'invites.created_at', 'circle_removals.removed_at'])
		.where('invites.token_hash', '=', hashToken(token))
		.where('invites.revoked_at', 'is', null)
		.where('invites.expires_at', '>', now)
		.whereRef('invites.uses', '<', 'invites.max_uses')
		.executeTakeFirst();
	if (!row || madeBeforeRemoval(row.created_at, row.removed_at)) return null;
	return { circleId: row.id, circleName: row.name, invitedBy: row.display_name ?? 'Someone in the circle', role: row.role };
}

/**
 * The circle of the link's invite when the user is already in it, whatever state the link is in
 * now (used up, expired, turned off): a member opening their old link again simply goes in.
 * Tells nobody else anything.
 */
export async function circleOfInviteForMember(db: Database, userId: string, token: string): Promise<string | null> {
	if (!TOKEN_SHAPE.test(token)) return null;
	const row = await db
		.selectFrom('invites')
		.innerJoin('memberships', 'memberships.circle_id', 'invites.circle_id')
		.select('invites.circle_id')
		.where('invites.token_hash', '=', hashToken(token))
		.where('memberships.user_id', '=', userId)
		.executeTakeFirst();
	return row?.circle_id ?? null;
}

/**
 * A link made before (or at the moment) its holder was removed from the circle does not let them
 * back in: otherwise any link with uses left would undo the removal. A link made afterwards does,
 * because someone in the circle chose to invite them again.
 */
function madeBeforeRemoval(inviteCreatedAt: number, removedAt: number | null | undefined): boolean {
	return removedAt !== null && removedAt !== undefined && inviteCreatedAt <= removedAt;
}

/**
 * The transaction of acceptInvite; null (the link does not work) also when the account was
 * deleted at that very moment (account/deletion.ts): there is nobody to let in, and the use it
 * took is rolled back with the rest.
 */
async function acceptInTransaction<T>(db: Database, work: (trx: Database) => Promise<T | null>): Promise<T | null> {
	try {
		return await db.transaction().execute(work);
	} catch (error) {
		if (isForeignKeyViolation(error)) return null;
		throw error;
	}
}

export type AcceptInviteResult = { ok: true; circleId: string; alreadyMember: boolean } | { ok: false; reason: 'invalid' };

/**
 * Joins the circle with the link, atomically: the use is counted and the membership written in
 * one transaction, and the count only goes up while uses are left, so two people racing for
 * the last use cannot both get in. Someone already in the circle uses nothing up. Someone removed
 * from the circle after the link was made gets the same answer as for a link that stopped
 * working, and uses nothing up; joining with a newer link ends their removal.
 */
export async function acceptInvite(db: Database, user: SessionUser, token: string, now = Date.now()): Promise<AcceptInviteResult> {
	if (!TOKEN_SHAPE.test(token)) return { ok: false, reason: 'invalid' };
	const tokenHash = hashToken(token);
	const outcome = await acceptInTransaction(db, async (trx) => {
		const invite = await trx.selectFrom('invites').select(['id', 'circle_id', 'role', 'created_at']).where('token_hash', '=', tokenHash).executeTakeFirst();
		if (!invite) return null;
		// Everything below is read under the circle's lock (db/dialect.ts): the same person pressing
		// twice joins once, and a circle deleted meanwhile has taken its invites with it.
		await lockCircle(trx, invite.circle_id);
		const member = await trx
			.selectFrom('memberships')
			.select('user_id')
			.where('circle_id', '=', invite.circle_id)
			.where('user_id', '=', user.id)
			.executeTakeFirst();
		if (member) return { circleId: invite.circle_id, alreadyMember: true, events: [] };
		const removal = await trx
			.selectFrom('circle_removals')
			.select('removed_at')
			.where('circle_id', '=', invite.circle_id)
			.where('user_id', '=', user.id)
			.executeTakeFirst();
		if (madeBeforeRemoval(invite.created_at, removal?.removed_at)) return null;
		const claimed = await trx
			.updateTable('invites')
			.set((eb) => ({ uses: eb('uses', '+', 1) }))
			.where('id', '=', invite.id)
			.where('revoked_at', 'is', null)
			.where('expires_at', '>', now)
			.whereRef('uses', '<', 'max_uses')
			.executeTakeFirst();
		if (claimed.numUpdatedRows === 0n) return null;
		await trx
			.insertInto('memberships')
			.values({ circle_id: invite.circle_id, user_id: user.id, role: invite.role, relationship: '', in_recovery: 0, joined_at: now })
			.execute();
		if (removal) await trx.deleteFrom('circle_removals').where('circle_id', '=', invite.circle_id).where('user_id', '=', user.id).execute();
		const joined = await appendCircleEvent(trx, {
			circleId: invite.circle_id,
			actorId: user.id,
			type: 'member.joined',
			payload: { userId: user.id, displayName: user.displayName, role: invite.role },
			now
		});
		// What came before their joining is the circle's history, not news for them.
		await startReadPosition(trx, invite.circle_id, user.id, joined.seq, now);
		return { circleId: invite.circle_id, alreadyMember: false, events: [joined] };
	});
	if (!outcome) return { ok: false, reason: 'invalid' };
	if (!outcome.alreadyMember) {
		addUserToCircleRoom(user.id, outcome.circleId);
		publishCircleEvents(outcome.events);
	}
	return { ok: true, circleId: outcome.circleId, alreadyMember: outcome.alreadyMember };
}

// Guessing a 160-bit token is hopeless, but a flood of links tried from one address is still
// refused. Each try takes its place in the address's count BEFORE the link is looked up
// (takeAttempt), so a burst of parallel tries is counted exactly; a link that works gives its
// place back, so only links that did not work count.
export const INVITE_ADDRESS_LIMIT: AttemptLimit = { limit: 30, windowMs: THROTTLE_WINDOW };

/** Counts a try of a link from this address before the link is looked up, or refuses it. */
export function takeInviteAttempt(db: Database, address: string, now = Date.now()): Promise<AttemptVerdict> {
	return takeAttempt(db, [[`invite-ip:${address}`, INVITE_ADDRESS_LIMIT]], now);
}

/** The link worked (it showed an invitation, or let someone in): its try does not count. */
export function inviteWorked(db: Database, taken: readonly TakenPlace[]): Promise<void> {
	return giveBackAttempt(db, taken);
}
