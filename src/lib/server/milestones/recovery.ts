// Days in recovery. Only a person in recovery sets their own recovery date and records their own
// lapses: every function here acts on the signed-in member alone, so there is no way to name
// someone else. A lapse never takes away the days before it; the circle learns of one only when
// the person chooses to tell it (until then the circle's count carries on as it knew it).
import type { Database } from '$lib/server/db';
import { newId } from '$lib/server/ids';
import { lockCircleFor, requireCan, type CircleAccess } from '$lib/server/circles/access';
import { forbidden, invalid, notFound } from '$lib/server/refusal';
import { appendCircleEvent } from '$lib/server/circles/events';
import { publishCircleEvents } from '$lib/server/realtime/publish';
import type { CircleEvent } from '$lib/realtime/events';
import { EARLIEST_DAY, SAFETY_NOTE_DAYS, type RecoverySummary } from '$lib/milestones';
import { daysBetween, isIsoDay, nextMilestone, recoveryTotals, sharedStretches, type IsoDay, type RecoveryTotals } from '$lib/recovery-days';
import type { LapseInput } from './milestone-forms';
import { todayFor } from '$lib/server/circles/today';
import { loadMembers, type CircleMember } from '$lib/server/circles/circles';
import { forgetStretchMilestones, loadStretches, reachMilestones, type StretchRow } from './milestones';

function requirePersonInRecovery(access: CircleAccess): void {
	requireCan(access, 'setOwnRecovery');
	if (!access.inRecovery) throw forbidden('Only a person in recovery keeps a recovery date. If that’s you, say so on the members page first.');
}

/**
 * The first step of each command's transaction: the circle's lock, then the member as they are
 * now (still in it, still in recovery), so one member's stretches change one command at a time.
 */
async function lockForRecovery(trx: Database, access: CircleAccess): Promise<CircleAccess> {
	const member = await lockCircleFor(trx, access, 'setOwnRecovery');
	requirePersonInRecovery(member);
	return member;
}

function currentSharedStart(stretches: StretchRow[]): IsoDay | null {
	const known = sharedStretches(stretches);
	const current = known[known.length - 1];
	return current && current.endedOn === null ? current.startedOn : null;
}

/** Sets the day the current stretch began: the first time, or to correct it. */
export async function setRecoveryDate(db: Database, access: CircleAccess, startedOn: IsoDay, now = Date.now()) {
	requirePersonInRecovery(access);
	const circleId = access.circle.id;
	const today = todayFor(access, now);
	if (!isIsoDay(startedOn) || startedOn < EARLIEST_DAY) throw invalid('Please give the day your recovery began.', 'startedOn');
	if (startedOn > today) throw invalid('That day hasn’t come yet where your circle is. Please choose today or an earlier day.', 'startedOn');

	const outcome = await db.transaction().execute(async (trx) => {
		const member = await lockForRecovery(trx, access);
		const before = await loadStretches(trx, circleId, member.userId);
		const current = before.find((stretch) => stretch.endedOn === null);
		const lastLapse = before.filter((stretch) => stretch.endedOn !== null).at(-1);
		if (lastLapse?.endedOn && startedOn < lastLapse.endedOn) {
			throw invalid(`That’s before your lapse on ${lastLapse.endedOn}. This stretch began on that day or later.`, 'startedOn');
		}
		if (current?.startedOn === startedOn) return [] as CircleEvent[];
		const sharedBefore = currentSharedStart(before);
		if (current) await trx.updateTable('recovery_stretches').set({ started_on: startedOn }).where('id', '=', current.id).execute();
		else {
			await trx
				.insertInto('recovery_stretches')
				.values({
					id: newId(),
					circle_id: circleId,
					user_id: access.userId,
					started_on: startedOn,
					ended_on: null,
					lapse_note: '',
					lapse_shared: 0,
					created_at: now
				})
				.execute();
		}
		const sharedAfter = currentSharedStart(await loadStretches(trx, circleId, access.userId));
		if (sharedAfter === sharedBefore) return [];
		// Milestones counted from a day that was wrong go; they are counted again from the right one.
		if (sharedBefore) await forgetStretchMilestones(trx, circleId, access.userId, sharedBefore);
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: access.userId,
				type: 'recovery.date-set',
				payload: { userId: member.userId, displayName: member.displayName, startedOn: sharedAfter ?? startedOn },
				now
			})
		];
	});
	publishCircleEvents(outcome);
	await reachMilestones(db, circleId, now);
	return { startedOn };
}

/**
 * Records a lapse on day `on`: the current stretch ends that day and a new one begins (day 0).
 * Every milestone reached stays, with its cheers, even one the circle celebrated after the day of
 * a lapse it hears of only now: it shows as part of an earlier stretch (loadMilestoneViews).
 * The circle is told only when the person chose to.
 */
export async function recordLapse(db: Database, access: CircleAccess, input: LapseInput, now = Date.now()) {
	requirePersonInRecovery(access);
	const circleId = access.circle.id;
	const today = todayFor(access, now);
	if (!isIsoDay(input.on) || input.on < EARLIEST_DAY) throw invalid('Please give the day it happened.', 'on');
	if (input.on > today) throw invalid('That day hasn’t come yet where your circle is. Please choose today or an earlier day.', 'on');
	const outcome = await db.transaction().execute(async (trx) => {
		const member = await lockForRecovery(trx, access);
		const stretches = await loadStretches(trx, circleId, member.userId);
		const current = stretches.find((stretch) => stretch.endedOn === null);
		if (!current) throw invalid('Set the day your recovery began first.');
		if (input.on <= current.startedOn) {
			throw invalid(`Your current stretch began on ${current.startedOn}. For a lapse on that day, change the day your recovery began instead.`, 'on');
		}
		await trx
			.updateTable('recovery_stretches')
			.set({ ended_on: input.on, lapse_note: input.note, lapse_shared: input.share ? 1 : 0 })
			.where('id', '=', current.id)
			.execute();
		await trx
			.insertInto('recovery_stretches')
			.values({
				id: newId(),
				circle_id: circleId,
				user_id: access.userId,
				started_on: input.on,
				ended_on: null,
				lapse_note: '',
				lapse_shared: 0,
				created_at: now
			})
			.execute();
		if (!input.share) return [] as CircleEvent[];
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: access.userId,
				type: 'recovery.lapse-shared',
				payload: { userId: member.userId, displayName: member.displayName },
				now
			})
		];
	});
	publishCircleEvents(outcome);
	await reachMilestones(db, circleId, now);
	return { recorded: true as const, shared: input.share };
}

/** Tells the circle about a lapse that was kept private until now. */
export async function shareLapse(db: Database, access: CircleAccess, stretchId: string, now = Date.now()) {
	requirePersonInRecovery(access);
	const circleId = access.circle.id;
	const outcome = await db.transaction().execute(async (trx) => {
		const member = await lockForRecovery(trx, access);
		const stretches = await loadStretches(trx, circleId, member.userId);
		const stretch = stretches.find((candidate) => candidate.id === stretchId && candidate.endedOn !== null);
		if (!stretch) throw notFound();
		if (stretch.lapseShared) return [] as CircleEvent[];
		await trx.updateTable('recovery_stretches').set({ lapse_shared: 1 }).where('id', '=', stretch.id).execute();
		return [
			await appendCircleEvent(trx, {
				circleId,
				actorId: access.userId,
				type: 'recovery.lapse-shared',
				payload: { userId: member.userId, displayName: member.displayName },
				now
			})
		];
	});
	publishCircleEvents(outcome);
	await reachMilestones(db, circleId, now);
	return { shared: true as const };
}

export interface MyRecovery {
	inRecovery: boolean;
	today: IsoDay;
	timeZone: string;
	/** Oldest first, with private notes: only ever shown to the person themselves. */
	stretches: Array<{ id: string; startedOn: IsoDay; endedOn: IsoDay | null; lapseNote: string; lapseShared: boolean }>;
	totals: RecoveryTotals | null;
	/** What the circle sees, when it differs (a lapse not yet shared). */
	circleSees: { startedOn: IsoDay; totals: RecoveryTotals } | null;
	next: { label: string; on: IsoDay; inDays: number } | null;
}

/** The signed-in member's own recovery record in this circle. */
export async function getMyRecovery(db: Database, access: CircleAccess, now = Date.now()): Promise<MyRecovery> {
	requireCan(access, 'setOwnRecovery');
	const today = todayFor(access, now);
	const stretches = await loadStretches(db, access.circle.id, access.userId);
	const current = stretches.find((stretch) => stretch.endedOn === null);
	const known = sharedStretches(stretches);
	const differs = known.length !== stretches.length;
	const next = current ? nextMilestone(current.startedOn, today, { cameBack: stretches.length > 1 }) : null;
	return {
		inRecovery: access.inRecovery,
		today,
		timeZone: access.timeZone,
		stretches: stretches.map(({ id, startedOn, endedOn, lapseNote, lapseShared }) => ({ id, startedOn, endedOn, lapseNote, lapseShared })),
		totals: current ? recoveryTotals(stretches, today) : null,
		circleSees: current && differs ? { startedOn: known[known.length - 1]!.startedOn, totals: recoveryTotals(known, today) } : null,
		next: next ? { label: next.label, on: next.on, inDays: daysBetween(today, next.on) } : null
	};
}

/** Everyone in recovery in the circle, as the circle knows them. */
export async function listRecoverySummaries(db: Database, access: CircleAccess, now = Date.now()): Promise<RecoverySummary[]> {
	requireCan(access, 'view');
	return loadRecoverySummaries(db, access, peopleInRecovery(await loadMembers(db, access)), now);
}

/** The circle's members in recovery, in the order they joined: whose days the circle counts. */
export function peopleInRecovery(members: CircleMember[]): Array<{ id: string; displayName: string }> {
	return members
		.filter((member) => member.inRecovery)
		.sort((a, b) => a.joinedAt - b.joinedAt)
		.map((member) => ({ id: member.userId, displayName: member.displayName }));
}

/**
 * listRecoverySummaries for a reader whose membership is already checked (`access`), given the
 * circle's members in recovery (in the order they joined).
 */
export async function loadRecoverySummaries(
	db: Database,
	access: CircleAccess,
	people: Array<{ id: string; displayName: string }>,
	now = Date.now()
): Promise<RecoverySummary[]> {
	if (people.length === 0) return [];
	const today = todayFor(access, now);
	const stretches = await loadStretches(db, access.circle.id);
	return people.flatMap((person) => {
		const known = sharedStretches(stretches.filter((stretch) => stretch.userId === person.id));
		const current = known[known.length - 1];
		if (!current || current.endedOn !== null) return [];
		const cameBack = known.length > 1;
		const next = nextMilestone(current.startedOn, today, { cameBack });
		return [
			{
				person: { id: person.id, displayName: person.displayName },
				startedOn: current.startedOn,
				totals: recoveryTotals(known, today),
				next: { label: next.label, on: next.on, inDays: daysBetween(today, next.on) },
				cameBack,
				showSafetyNote: cameBack && daysBetween(current.startedOn, today) < SAFETY_NOTE_DAYS
			}
		];
	});
}
