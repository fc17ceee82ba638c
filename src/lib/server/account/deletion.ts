// "Delete my account": everything the person shared goes, at once and for good, except their part
// in their circles' agreement records, which the others keep and where they become "a former
// member" (migration 0012). The preview says exactly that before anything happens; the deletion
// itself is one transaction, so it is either all done or nothing is, and no row anywhere is left
// holding their id, name or email (tests/unit/account-deletion.test.ts looks in every table).
import type { Transaction } from 'kysely';
import type { Database, DB } from '$lib/server/db';
import { rowLock, withCirclesLocked } from '$lib/server/db/dialect';
import type { SessionUser } from '$lib/server/auth/sessions';
import { verifyPassword } from '$lib/server/auth/passwords';
import { hashToken } from '$lib/server/auth/tokens';
import { forgetLoginCounts } from '$lib/server/auth/login-throttle';
import { appendCircleEvent } from '$lib/server/circles/events';
import { settleAgreementsAfterMemberLeft } from '$lib/server/boundaries/agreement-records';
import { closeCircleRoom, disconnectSessions, publishCircleEvents } from '$lib/server/realtime/publish';
import { conflict, invalid, notFound, throttled } from '$lib/server/refusal';
import { deleteThrottles, describeWait, takeAttempt, THROTTLE_WINDOW } from '$lib/server/throttle';
import type { CircleEvent } from '$lib/realtime/events';
import { countAccountData, type ExportKey } from './export';
import { withoutPerson } from './erase-from-log';

/** Kept for the circle, with "a former member" in place of the person. */
const KEPT_KINDS: ReadonlySet<ExportKey> = new Set(['agreementProposals', 'agreementAnswers', 'agreementComments', 'overdosePlanChanges']);
/** Not "shared words": circles are listed on their own, and devices are simply logged out. */
const LISTED_APART: ReadonlySet<ExportKey> = new Set(['memberships', 'sessions']);

export const WRONG_PASSWORD = 'That isn’t your password. Nothing was deleted.';
export const PASSWORD_TRIES = 5;

export interface CircleRef {
	id: string;
	name: string;
}

export interface DeletionPreview {
	/** What is deleted, kind by kind (only kinds there are some of). */
	deleted: Array<{ label: string; count: number }>;
	/** What stays in agreement records and overdose plans, as "a former member". */
	kept: Array<{ label: string; count: number }>;
	/** Circles they leave. */
	leaving: CircleRef[];
	/** Circles they own alone: deleted with the account. */
	deletedWithAccount: CircleRef[];
	/** Circles they own with others in them: ownership must be handed over (or the circle deleted) first. */
	mustHandOver: Array<CircleRef & { others: number }>;
	devices: number;
}

async function circlesOf(db: Database | Transaction<DB>, userId: string) {
	return db
		.selectFrom('memberships as mine')
		.innerJoin('circles', 'circles.id', 'mine.circle_id')
		.select(['circles.id', 'circles.name', 'mine.role'])
		.select((eb) =>
			eb
				.selectFrom('memberships as others')
				.select(eb.fn.countAll<number>().as('n'))
				.whereRef('others.circle_id', '=', 'mine.circle_id')
				.whereRef('others.user_id', '!=', 'mine.user_id')
				.as('others')
		)
		.where('mine.user_id', '=', userId)
		.orderBy('circles.name')
		.execute();
}

/** Exactly what deleting the account would do, for the page that asks first. */
export async function previewAccountDeletion(db: Database, user: SessionUser): Promise<DeletionPreview> {
	const [counts, circles] = await Promise.all([countAccountData(db, user.id), circlesOf(db, user.id)]);
	const shown = counts.filter(({ key, count }) => count > 0 && !LISTED_APART.has(key));
	return {
		deleted: shown.filter(({ key }) => !KEPT_KINDS.has(key)).map(({ label, count }) => ({ label, count })),
		kept: shown.filter(({ key }) => KEPT_KINDS.has(key)).map(({ label, count }) => ({ label, count })),
		leaving: circles.filter((circle) => circle.role !== 'owner').map(({ id, name }) => ({ id, name })),
		deletedWithAccount: circles.filter((circle) => circle.role === 'owner' && Number(circle.others) === 0).map(({ id, name }) => ({ id, name })),
		mustHandOver: circles
			.filter((circle) => circle.role === 'owner' && Number(circle.others) > 0)
			.map(({ id, name, others }) => ({ id, name, others: Number(others) })),
		devices: counts.find(({ key }) => key === 'sessions')?.count ?? 0
	};
}

export function handOverFirstMessage(circles: CircleRef[]): string {
	const names = circles.map((circle) => `“${circle.name}”`).join(', ');
	return circles.length === 1
		? `You own ${names}, and others are in it. Please hand it over to someone (or delete it) before you delete your account.`
		: `You own ${names}, and others are in them. Please hand each over to someone (or delete it) before you delete your account.`;
}

const deletionKey = (userId: string) => `account-delete:${hashToken(`user:${userId}`)}`;

/**
 * Deletes the account after the password is given again. Refused, with nothing changed, for a
 * wrong password (a few tries per quarter hour, so a borrowed session cannot guess it) or while
 * they own a circle others are in.
 */
export async function deleteAccount(db: Database, user: SessionUser, password: string, now = Date.now()): Promise<{ circlesDeleted: number }> {
	const attempt = await takeAttempt(db, [[deletionKey(user.id), { limit: PASSWORD_TRIES, windowMs: THROTTLE_WINDOW }]], now);
	if (!attempt.allowed) {
		throw throttled(`Too many tries. Please wait ${describeWait(attempt.retryAfterMs)} and try again.`, attempt.retryAfterMs);
	}
	const row = await db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirst();
	if (!row || !(await verifyPassword(row.password_hash, password))) throw invalid(WRONG_PASSWORD, 'password');

	// Every circle that holds anything of theirs is locked first (in sorted order), then their
	// account's row: whatever the others were writing there has committed before the erasing
	// reads the logs, and nothing written after it can name them, or join a circle going with them.
	const { events, deletedCircleIds, sessionIds } = await withCirclesLocked(
		db,
		(trx) => circlesHolding(trx, user.id),
		(trx) => eraseAccount(trx, user, now),
		{ alsoLock: (trx) => lockAccount(trx, user.id, row.password_hash) }
	);
	disconnectSessions(sessionIds, 'account-deleted');
	for (const circleId of deletedCircleIds) closeCircleRoom(circleId);
	publishCircleEvents(events);
	return { circlesDeleted: deletedCircleIds.length };
}

/**
 * Every circle where something of theirs is, or could be copied into an event: where they are a
 * member, and where their check-ins, replies, reactions, cheers and milestones are (also circles
 * they have left).
 */
async function circlesHolding(db: Database, userId: string): Promise<string[]> {
	const rows = await db
		.selectFrom('memberships')
		.select('circle_id')
		.where('user_id', '=', userId)
		.union(db.selectFrom('checkins').select('circle_id').where('author_id', '=', userId))
		.union(
			db
				.selectFrom('checkin_replies')
				.innerJoin('checkins', 'checkins.id', 'checkin_replies.checkin_id')
				.select('checkins.circle_id')
				.where('checkin_replies.author_id', '=', userId)
		)
		.union(
			db
				.selectFrom('checkin_reactions')
				.innerJoin('checkins', 'checkins.id', 'checkin_reactions.checkin_id')
				.select('checkins.circle_id')
				.where('checkin_reactions.user_id', '=', userId)
		)
		.union(
			db
				.selectFrom('milestone_cheers')
				.innerJoin('milestones', 'milestones.id', 'milestone_cheers.milestone_id')
				.select('milestones.circle_id')
				.where('milestone_cheers.user_id', '=', userId)
		)
		.union(
			db
				.selectFrom('plan_versions')
				.select('circle_id')
				.where((eb) => eb.or([eb('owner_id', '=', userId), eb('created_by', '=', userId), eb('suggested_by', '=', userId)]))
		)
		.union(db.selectFrom('plan_suggestions').select('circle_id').where('created_by', '=', userId))
		.union(
			db
				.selectFrom('milestones')
				.select('circle_id')
				.where((eb) => eb.or([eb('subject_id', '=', userId), eb('created_by', '=', userId)]))
		)
		.execute();
	return rows.map((row) => row.circle_id);
}

/**
 * Their account's row, FOR UPDATE: nothing new can refer to it (a join, a session) until it is
 * gone. Not found when it went already (the same deletion pressed twice); refused as a wrong
 * password when the password checked is no longer theirs (changed meanwhile).
 */
async function lockAccount(trx: Database, userId: string, checkedHash: string): Promise<void> {
	const row = await trx.selectFrom('users').select('password_hash').where('id', '=', userId).$call(rowLock(trx, 'update')).executeTakeFirst();
	if (!row) throw notFound();
	if (row.password_hash !== checkedHash) throw invalid(WRONG_PASSWORD, 'password');
}

async function eraseAccount(trx: Transaction<DB>, user: SessionUser, now: number) {
	const userId = user.id;
	const circles = await circlesOf(trx, userId);
	// Read again inside the transaction: someone may have joined since the page was shown.
	const blocking = circles.filter((circle) => circle.role === 'owner' && Number(circle.others) > 0);
	if (blocking.length > 0) throw conflict(handOverFirstMessage(blocking));
	const { email } = await trx.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirstOrThrow();
	// Locked in id order now, as the visits of sessions are written, before the account's row takes them with it.
	const sessionIds = (await trx.selectFrom('sessions').select('id').where('user_id', '=', userId).orderBy('id').$call(rowLock(trx, 'update')).execute()).map(
		(session) => session.id
	);
	const deviceHashes = (await trx.selectFrom('known_devices').select('token_hash').where('user_id', '=', userId).execute()).map((d) => d.token_hash);

	// Circles they are alone in go with them (everything in them cascades).
	const deletedCircleIds = circles.filter((circle) => circle.role === 'owner').map((circle) => circle.id);
	if (deletedCircleIds.length > 0) await trx.deleteFrom('circles').where('id', 'in', deletedCircleIds).execute();

	// Small victories they added about someone else are their words too (those about them, their
	// check-ins, replies, reactions, cheers and recovery dates go with the account row below).
	await trx.deleteFrom('milestones').where('created_by', '=', userId).where('kind', '=', 'victory').execute();
	// In the agreement records they become a former member.
	await trx.updateTable('agreements').set({ created_by: null }).where('created_by', '=', userId).execute();
	await trx.updateTable('agreement_versions').set({ created_by: null }).where('created_by', '=', userId).execute();
	await trx.updateTable('agreement_proposals').set({ created_by: null }).where('created_by', '=', userId).execute();
	await trx.updateTable('agreement_answers').set({ user_id: null }).where('user_id', '=', userId).execute();
	await trx.updateTable('agreement_comments').set({ author_id: null }).where('author_id', '=', userId).execute();
	// So in the overdose plans' history (0021), and as the one whose suggestion a version took in.
	// Their own safety plan and their suggestions go with the account row below (ON DELETE CASCADE).
	await trx.updateTable('plan_versions').set({ created_by: null }).where('created_by', '=', userId).execute();
	await trx.updateTable('plan_versions').set({ suggested_by: null }).where('suggested_by', '=', userId).execute();

	const events: CircleEvent[] = [];
	for (const circle of circles) {
		if (deletedCircleIds.includes(circle.id)) continue;
		await trx.deleteFrom('memberships').where('circle_id', '=', circle.id).where('user_id', '=', userId).execute();
		events.push(
			await appendCircleEvent(trx, { circleId: circle.id, actorId: null, type: 'member.account-deleted', payload: {}, now }),
			// A proposal that was waiting only for them is decided now.
			...(await settleAgreementsAfterMemberLeft(trx, circle.id, now))
		);
	}

	await eraseFromLogs(trx, userId);

	// Attempt counters are keyed by hashes of the email and the account, never the values; the
	// ones that can be named go now, the rest expire within the hour (README, "Delete my account").
	await forgetLoginCounts(
		trx,
		email,
		deviceHashes.map((tokenHash) => ({ tokenHash, userId }))
	);
	await deleteThrottles(trx, (eb) => eb.or([eb('key', 'like', `%:${hashToken(`email:${email}`)}`), eb('key', 'like', `%:${hashToken(`user:${userId}`)}`)]));
	// A sign-up someone began with this address (pending-signups.ts) holds it too.
	await trx.deleteFrom('pending_signups').where('email', '=', email).execute();

	// Sessions, known devices, email links, removals, check-ins, replies, reactions, cheers,
	// recovery dates and milestones about them all cascade from here (migrations 0001–0011).
	await trx.deleteFrom('users').where('id', '=', userId).execute();
	return { events, deletedCircleIds, sessionIds };
}

/**
 * Every event that holds a copy of them (their id is in it) loses it, in every circle's log:
 * also circles they left or were removed from. This reads the whole log once; deleting an
 * account is rare, and an index for it would slow every event written. See erase-from-log.ts.
 */
async function eraseFromLogs(trx: Transaction<DB>, userId: string): Promise<void> {
	await trx.updateTable('circle_events').set({ actor_id: null }).where('actor_id', '=', userId).execute();
	const mentioning = await trx
		.selectFrom('circle_events')
		.select(['id', 'type', 'payload'])
		// Ids are [a-z2-7] only, so no LIKE wildcard can be in one: the same on both dialects.
		.where('payload', 'like', `%${userId}%`)
		.execute();
	for (const row of mentioning) {
		const kept = withoutPerson({ type: row.type, payload: JSON.parse(row.payload) }, userId);
		await trx
			.updateTable('circle_events')
			.set({ type: kept.type, payload: JSON.stringify(kept.payload) })
			.where('id', '=', row.id)
			.execute();
	}
}
