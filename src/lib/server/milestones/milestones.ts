// Milestones: automatic ones reached by days in recovery, small victories added by hand, and the
// circle's cheers. An automatic milestone is written once (a unique index on who, which stretch
// and which milestone), however often the check runs: on the first circle page load of each day
// (in the circle's time zone), after every change of a recovery date or lapse, and every minute
// from the server's clock, so it arrives at local midnight for anyone with the circle open and
// after a restart all the same.
import type { Transaction } from 'kysely';
import type { Database, DB } from '$lib/server/db';
import { isRowId, newId } from '$lib/server/ids';
import { prepared } from '$lib/server/db/prepared';
import { lockCircleFor, requireCan, type CircleAccess } from '$lib/server/circles/access';
import { lockCircle } from '$lib/server/db/dialect';
import { conflict, forbidden, invalid, notFound } from '$lib/server/refusal';
import { isDatabaseUnavailable } from '$lib/server/db/unavailable';
import { appendCircleEvent } from '$lib/server/circles/events';
import { publishCircleEvents } from '$lib/server/realtime/publish';
import type { CircleEvent } from '$lib/realtime/events';
import { EARLIEST_DAY, type MilestoneView } from '$lib/milestones';
import { circleToday, todayFor } from '$lib/server/circles/today';
import { isIsoDay, milestonesUntil, sharedStretches, type IsoDay, type StretchRecord } from '$lib/recovery-days';
import type { VictoryInput } from './milestone-forms';

type Reader = Database | Transaction<DB>;

export interface StretchRow extends StretchRecord {
	id: string;
	userId: string;
	lapseNote: string;
}

// Every opening of a circle reads them (its recovery card): built once (db/prepared.ts).
const stretchesOfCircle = prepared((db, circleId: string) =>
	db.selectFrom('recovery_stretches').selectAll().where('circle_id', '=', circleId).orderBy('user_id').orderBy('started_on').orderBy('created_at')
);

const stretchesOfPerson = prepared((db, circleId: string, userId: string) =>
	db
		.selectFrom('recovery_stretches')
		.selectAll()
		.where('circle_id', '=', circleId)
		.where('user_id', '=', userId)
		.orderBy('user_id')
		.orderBy('started_on')
		.orderBy('created_at')
);

/** Recovery stretches in a circle (of one person, when given), oldest first per person. */
export async function loadStretches(db: Reader, circleId: string, userId?: string): Promise<StretchRow[]> {
	const rows = userId ? await stretchesOfPerson(db, circleId, userId) : await stretchesOfCircle(db, circleId);
	return rows.map((row) => ({
		id: row.id,
		userId: row.user_id,
		startedOn: row.started_on,
		endedOn: row.ended_on,
		lapseShared: row.lapse_shared === 1,
		lapseNote: row.lapse_note
	}));
}

/** Builds what members see of these milestones (in the order given), with their cheers. */
export async function loadMilestoneViews(db: Reader, ids: string[]): Promise<MilestoneView[]> {
	if (ids.length === 0) return [];
	const rows = await db
		.selectFrom('milestones')
		.leftJoin('users as subject', 'subject.id', 'milestones.subject_id')
		.leftJoin('users as creator', 'creator.id', 'milestones.created_by')
		.selectAll('milestones')
		.select(['subject.display_name as subject_name', 'creator.display_name as creator_name'])
		.where('milestones.id', 'in', ids)
		.execute();
	const cheers = await db
		.selectFrom('milestone_cheers')
		.innerJoin('users', 'users.id', 'milestone_cheers.user_id')
		.selectAll('milestone_cheers')
		.select('users.display_name')
		.where('milestone_cheers.milestone_id', 'in', ids)
		.orderBy('milestone_cheers.created_at')
		.execute();
	const ended = await endedStretches(
		db,
		rows.filter((row) => row.kind === 'automatic')
	);
	const views = new Map<string, MilestoneView>();
	for (const row of rows) {
		const stretchKey = row.kind === 'automatic' ? `${row.circle_id} ${row.subject_id} ${row.stretch_started_on}` : null;
		views.set(row.id, {
			id: row.id,
			circleId: row.circle_id,
			kind: row.kind,
			subject: row.subject_id ? { id: row.subject_id, displayName: row.subject_name ?? 'Someone' } : null,
			title: row.title,
			note: row.note,
			reachedOn: row.reached_on,
			createdBy: row.created_by ? { id: row.created_by, displayName: row.creator_name ?? 'Someone' } : null,
			createdAt: row.created_at,
			earlierStretch: stretchKey && ended.has(stretchKey) ? { startedOn: row.stretch_started_on! } : null,
			cheers: []
		});
	}
	for (const cheer of cheers) {
		views.get(cheer.milestone_id)?.cheers.push({
			person: { id: cheer.user_id, displayName: cheer.display_name },
			message: cheer.message,
			createdAt: cheer.created_at,
			editedAt: cheer.edited_at
		});
	}
	return ids.flatMap((id) => views.get(id) ?? []);
}

/**
 * The stretches of these automatic milestones that have ended, as the circle knows them, as
 * "circle subject startedOn" keys. A lapse kept private does not end a stretch here
 * (sharedStretches): its milestones stay in the current stretch for everyone until it is told.
 */
async function endedStretches(
	db: Reader,
	automatic: Array<{ circle_id: string; subject_id: string | null; stretch_started_on: string | null }>
): Promise<Set<string>> {
	const ended = new Set<string>();
	if (automatic.length === 0) return ended;
	const circleIds = [...new Set(automatic.map((row) => row.circle_id))];
	const subjectIds = [...new Set(automatic.map((row) => row.subject_id!))];
	const rows = await db
		.selectFrom('recovery_stretches')
		.select(['circle_id', 'user_id', 'started_on', 'ended_on', 'lapse_shared'])
		.where('circle_id', 'in', circleIds)
		.where('user_id', 'in', subjectIds)
		.orderBy('circle_id')
		.orderBy('user_id')
		.orderBy('started_on')
		.orderBy('created_at')
		.execute();
	const byPerson = new Map<string, StretchRecord[]>();
	for (const row of rows) {
		const key = `${row.circle_id} ${row.user_id}`;
		const stretches = byPerson.get(key) ?? [];
		stretches.push({ startedOn: row.started_on, endedOn: row.ended_on, lapseShared: row.lapse_shared === 1 });
		byPerson.set(key, stretches);
	}
	for (const [person, stretches] of byPerson) {
		for (const stretch of sharedStretches(stretches)) if (stretch.endedOn !== null) ended.add(`${person} ${stretch.startedOn}`);
	}
	return ended;
}

/**
 * Writes the automatic milestones each person in recovery in the circle has reached by today
 * (in the circle's time zone) and that are not written yet; publishes them. Milestones reached
 * today are celebrated; earlier ones (a recovery date set in the past) are only recorded.
 */
export async function reachMilestones(db: Database, circleId: string, now = Date.now()): Promise<CircleEvent[]> {
	const { today } = await circleToday(db, circleId, now);
	const events = await writeMilestonesDue(db, circleId, today, now);
	checkedDays(db).set(circleId, today);
	return events;
}

/** Per database: circle id → the day (in the circle's time zone) reachMilestones last ran for it. */
const lastChecked = new WeakMap<Database, Map<string, IsoDay>>();

function checkedDays(db: Database): Map<string, IsoDay> {
	let days = lastChecked.get(db);
	if (!days) lastChecked.set(db, (days = new Map()));
	return days;
}

/**
 * reachMilestones for a page load, skipped when this circle was already checked today. Only a
 * new day brings milestones by itself; every change of a recovery date or lapse runs
 * reachMilestones at once, and the clock runs it every minute for anything else. This saves a
 * page load four queries (BENCHMARKS.md).
 */
export async function reachMilestonesOnNewDay(db: Database, access: CircleAccess, now = Date.now()): Promise<CircleEvent[]> {
	if (checkedDays(db).get(access.circle.id) === todayFor(access, now)) return [];
	return reachMilestones(db, access.circle.id, now);
}

interface DueMilestone {
	userId: string;
	startedOn: IsoDay;
	kind: string;
	label: string;
	on: IsoDay;
}

/** The automatic milestones people in recovery in the circle have reached by `today` and that are not written yet. */
async function milestonesDue(db: Reader, circleId: string, today: IsoDay): Promise<DueMilestone[]> {
	const inRecovery = await db.selectFrom('memberships').select('user_id').where('circle_id', '=', circleId).where('in_recovery', '=', 1).execute();
	if (inRecovery.length === 0) return [];
	const stretches = await loadStretches(db, circleId);
	const due: DueMilestone[] = [];
	for (const { user_id: userId } of inRecovery) {
		const known = sharedStretches(stretches.filter((stretch) => stretch.userId === userId));
		const current = known[known.length - 1];
		if (!current || current.endedOn !== null) continue;
		const reached = milestonesUntil(current.startedOn, today, { cameBack: known.length > 1 });
		if (reached.length === 0) continue;
		const written = await db
			.selectFrom('milestones')
			.select('auto_key')
			.where('circle_id', '=', circleId)
			.where('subject_id', '=', userId)
			.where('stretch_started_on', '=', current.startedOn)
			.execute();
		const writtenKeys = new Set(written.map((row) => row.auto_key));
		for (const milestone of reached) {
			if (!writtenKeys.has(milestone.kind)) due.push({ userId, startedOn: current.startedOn, ...milestone });
		}
	}
	return due;
}

async function writeMilestonesDue(db: Database, circleId: string, today: IsoDay, now: number): Promise<CircleEvent[]> {
	// Most page loads end here, without opening a write transaction.
	if ((await milestonesDue(db, circleId, today)).length === 0) return [];

	const events = await db.transaction().execute(async (trx) => {
		// Looked for again under the circle's lock: a recovery date corrected or a lapse shared
		// meanwhile has changed what is due, and no milestone is written for a stretch that is gone.
		await lockCircle(trx, circleId);
		const events: CircleEvent[] = [];
		for (const milestone of await milestonesDue(trx, circleId, today)) {
			const id = newId();
			const inserted = await trx
				.insertInto('milestones')
				.values({
					id,
					circle_id: circleId,
					subject_id: milestone.userId,
					kind: 'automatic',
					auto_key: milestone.kind,
					stretch_started_on: milestone.startedOn,
					title: milestone.label,
					note: '',
					reached_on: milestone.on,
					created_by: null,
					created_at: now
				})
				.onConflict((conflict) => conflict.doNothing())
				.executeTakeFirst();
			// Another check wrote it first: it is announced once, by that one.
			if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) continue;
			const [view] = await loadMilestoneViews(trx, [id]);
			events.push(
				await appendCircleEvent(trx, {
					circleId,
					actorId: null,
					type: 'milestone.reached',
					payload: { milestone: view!, celebrate: milestone.on === today },
					now
				})
			);
		}
		return events;
	});
	publishCircleEvents(events);
	return events;
}

/** Removes the automatic milestones of a stretch that turned out to start on another day. */
export async function forgetStretchMilestones(trx: Transaction<DB>, circleId: string, userId: string, startedOn: IsoDay): Promise<void> {
	await trx
		.deleteFrom('milestones')
		.where('circle_id', '=', circleId)
		.where('subject_id', '=', userId)
		.where('kind', '=', 'automatic')
		.where('stretch_started_on', '=', startedOn)
		.execute();
}

/** Circles where someone's days are counting: where the clock looks for milestones. */
export async function circlesCountingDays(db: Database): Promise<string[]> {
	const rows = await db.selectFrom('recovery_stretches').select('circle_id').where('ended_on', 'is', null).distinct().execute();
	return rows.map((row) => row.circle_id);
}

export const TIMELINE_LIMIT = 200;

/** The circle's milestones, newest first (one person's, when `subjectId` is given). */
export async function listMilestones(db: Database, access: CircleAccess, options: { subjectId?: string; limit?: number } = {}): Promise<MilestoneView[]> {
	requireCan(access, 'view');
	let query = db.selectFrom('milestones').select('id').where('circle_id', '=', access.circle.id);
	if (options.subjectId) query = query.where('subject_id', '=', options.subjectId);
	const rows = await query
		.orderBy('reached_on', 'desc')
		.orderBy('created_at', 'desc')
		.orderBy('id', 'desc')
		.limit(Math.min(options.limit ?? TIMELINE_LIMIT, TIMELINE_LIMIT))
		.execute();
	return loadMilestoneViews(
		db,
		rows.map((row) => row.id)
	);
}

/** Any member adds a small victory, for themselves or for the whole circle; everyone celebrates it. */
export async function addVictory(db: Database, access: CircleAccess, input: VictoryInput, now = Date.now()) {
	requireCan(access, 'addMilestone');
	const circleId = access.circle.id;
	const today = todayFor(access, now);
	if (!isIsoDay(input.reachedOn) || input.reachedOn < EARLIEST_DAY) throw invalid('Please give the day it happened.', 'reachedOn');
	// The form checked against the server's day; the circle's own today is what counts.
	if (input.reachedOn > today) throw invalid('That day hasn’t come yet where your circle is. Please choose today or an earlier day.', 'reachedOn');
	const id = newId();
	const event = await db.transaction().execute(async (trx) => {
		const member = await lockCircleFor(trx, access, 'addMilestone');
		await trx
			.insertInto('milestones')
			.values({
				id,
				circle_id: circleId,
				subject_id: input.forCircle ? null : member.userId,
				kind: 'victory',
				auto_key: null,
				stretch_started_on: null,
				title: input.title,
				note: input.note,
				reached_on: input.reachedOn,
				created_by: member.userId,
				created_at: now
			})
			.execute();
		const [view] = await loadMilestoneViews(trx, [id]);
		return appendCircleEvent(trx, { circleId, actorId: member.userId, type: 'milestone.added', payload: { milestone: view!, celebrate: true }, now });
	});
	publishCircleEvents([event]);
	return { milestone: event.type === 'milestone.added' ? event.payload.milestone : null };
}

/** A milestone of this circle, or not found (ids of other circles are not found here). */
async function requireMilestone(db: Reader, access: CircleAccess, milestoneId: string) {
	if (!isRowId(milestoneId)) throw notFound();
	const row = await db.selectFrom('milestones').selectAll().where('id', '=', milestoneId).where('circle_id', '=', access.circle.id).executeTakeFirst();
	if (!row) throw notFound();
	return row;
}

/** Whoever added a small victory can take it back (its cheers go with it). */
export async function removeVictory(db: Database, access: CircleAccess, milestoneId: string, now = Date.now()) {
	requireCan(access, 'addMilestone');
	const circleId = access.circle.id;
	const { event, title } = await db.transaction().execute(async (trx) => {
		const member = await lockCircleFor(trx, access, 'addMilestone');
		const row = await requireMilestone(trx, member, milestoneId);
		if (row.kind !== 'victory' || row.created_by !== member.userId) throw forbidden('You can only remove a milestone you added yourself.');
		await trx.deleteFrom('milestones').where('id', '=', milestoneId).execute();
		const event = await appendCircleEvent(trx, {
			circleId,
			actorId: member.userId,
			type: 'milestone.removed',
			payload: { milestoneId, title: row.title },
			now
		});
		return { event, title: row.title };
	});
	publishCircleEvents([event]);
	return { removed: title };
}

/** One cheer per member per milestone; its message can be changed later. */
export async function cheerMilestone(db: Database, access: CircleAccess, milestoneId: string, message: string, now = Date.now()) {
	requireCan(access, 'cheer');
	const circleId = access.circle.id;
	const outcome = await db.transaction().execute(async (trx) => {
		const member = await lockCircleFor(trx, access, 'cheer');
		await requireMilestone(trx, member, milestoneId);
		const inserted = await trx
			.insertInto('milestone_cheers')
			.values({ milestone_id: milestoneId, user_id: member.userId, message, created_at: now, edited_at: null })
			.onConflict((conflict) => conflict.doNothing())
			.executeTakeFirst();
		if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return null;
		const [view] = await loadMilestoneViews(trx, [milestoneId]);
		return appendCircleEvent(trx, { circleId, actorId: member.userId, type: 'milestone.cheered', payload: { milestone: view!, celebrate: false }, now });
	});
	if (!outcome) throw conflict('You’ve already cheered this one. You can change your message instead.');
	publishCircleEvents([outcome]);
	return { milestone: outcome.type === 'milestone.cheered' ? outcome.payload.milestone : null };
}

export async function editCheer(db: Database, access: CircleAccess, milestoneId: string, message: string, now = Date.now()) {
	requireCan(access, 'cheer');
	const circleId = access.circle.id;
	const outcome = await db.transaction().execute(async (trx) => {
		const member = await lockCircleFor(trx, access, 'cheer');
		await requireMilestone(trx, member, milestoneId);
		const updated = await trx
			.updateTable('milestone_cheers')
			.set({ message, edited_at: now })
			.where('milestone_id', '=', milestoneId)
			.where('user_id', '=', member.userId)
			.executeTakeFirst();
		if (Number(updated.numUpdatedRows) === 0) return null;
		const [view] = await loadMilestoneViews(trx, [milestoneId]);
		return appendCircleEvent(trx, { circleId, actorId: member.userId, type: 'milestone.cheer-edited', payload: { milestone: view!, celebrate: false }, now });
	});
	if (!outcome) throw conflict('You haven’t cheered this one yet.');
	publishCircleEvents([outcome]);
	return { milestone: outcome.type === 'milestone.cheer-edited' ? outcome.payload.milestone : null };
}

/**
 * How often the milestone clock looks for milestones reached (a new day somewhere): once a
 * minute, so one is written and celebrated within a minute of local midnight, with or without
 * anyone online. The server that takes the clock's lease runs it at once, which catches up on
 * anything missed while no server ran it (background/leader.ts).
 */
export const MILESTONE_CLOCK_INTERVAL = 60_000;

/**
 * One check of the milestone clock: every circle where days are counting. One circle's trouble
 * does not stop the others', but a database that cannot be reached stops the check (thrown). On several servers only the leader runs it (hooks.server.ts,
 * background/leader.ts); during a takeover two may briefly run it at once, which is harmless:
 * a milestone is written once (a unique index), and only the writer celebrates it.
 */
export async function checkMilestoneClock(db: Database): Promise<void> {
	for (const circleId of await circlesCountingDays(db)) {
		await reachMilestones(db, circleId).catch((e) => {
			// The database gone away: the other circles would fail the same way. The leader says so, once.
			if (isDatabaseUnavailable(e)) throw e;
			console.error(`Milestone check failed for a circle`, e);
		});
	}
}
