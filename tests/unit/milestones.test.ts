import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionUser } from '$lib/server/auth/sessions';
import { openDatabase, type Database, type OpenedDatabase } from '$lib/server/db';
import {
	addDays,
	addMonths,
	dayIn,
	daysBetween,
	isIsoDay,
	isTimeZone,
	milestonesUntil,
	nextMilestone,
	recoveryTotals,
	sharedStretches,
	type StretchRecord
} from '$lib/recovery-days';
import { CHEER_MESSAGE_MAX, MILESTONE_TITLE_MAX, type MilestoneView } from '$lib/milestones';
import type { CircleEvent } from '$lib/realtime/events';
import { cheerSchema, recoveryDateSchema, victorySchema, type VictoryInput } from '$lib/server/milestones/milestone-forms';
import { timeZoneSchema } from '$lib/server/circles/circle-forms';
import { parseForm, type FormSchema } from '$lib/server/forms';
import * as milestones from '$lib/server/milestones/milestones';
import { checkMilestoneClock, reachMilestones, reachMilestonesOnNewDay } from '$lib/server/milestones/milestones';
import * as recovery from '$lib/server/milestones/recovery';
import * as circles from '$lib/server/circles/circles';
import { createCircle } from '$lib/server/circles/circles';
import { circleOf as sharedCircleOf, joinCircle } from './support/circles';
import { listCircleEventsAfter } from '$lib/server/circles/events';
import { requireMember } from '$lib/server/circles/access';
import { isRefusal, REFUSAL_STATUS } from '$lib/server/refusal';
import { createTestDatabase, type TestDatabase } from './support/database';
import { asMember, statusOfRefusal } from './support/as-member';
import { addUser } from './support/people';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

// "Sam does X in circle C": membership checked as a route checks it, then the domain function.
const addVictory = asMember(milestones.addVictory);
const cheerMilestone = asMember(milestones.cheerMilestone);
const editCheer = asMember(milestones.editCheer);
const listMilestones = asMember(milestones.listMilestones);
const removeVictory = asMember(milestones.removeVictory);
const getMyRecovery = asMember(recovery.getMyRecovery);
const listRecoverySummaries = asMember(recovery.listRecoverySummaries);
const recordLapse = asMember(recovery.recordLapse);
const setRecoveryDate = asMember(recovery.setRecoveryDate);
const shareLapse = asMember(recovery.shareLapse);
const updateOwnProfile = asMember(circles.updateOwnProfile);
const changeTimeZone = asMember(circles.changeTimeZone);

let testDb: TestDatabase;
/** The database in use: the test database, or the same file reopened after a "restart". */
let db: Database;
let reopened: OpenedDatabase | null = null;
beforeEach(async () => {
	testDb = await createTestDatabase();
	db = testDb.db;
	reopened = null;
});
afterEach(async () => {
	vi.useRealTimers();
	if (reopened) await reopened.close();
	await testDb.dispose();
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Noon (UTC) of a civil day: the same day in every zone from UTC−11 to UTC+11. */
const noonOn = (day: string) => Date.parse(`${day}T12:00:00Z`);
const TODAY = '2026-06-15';
const NOW = noonOn(TODAY);

/** A small seeded PRNG (mulberry32): the same "random" cases on every run. */
function prng(seed: number) {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}
const between = (random: () => number, low: number, high: number) => low + Math.floor(random() * (high - low + 1));

const intlFormats = new Map<string, Intl.DateTimeFormat>();
/** The local calendar date, straight from Intl ('en-CA' writes YYYY-MM-DD): independent of dayIn. */
function intlDay(timeZone: string, at: number): string {
	let format = intlFormats.get(timeZone);
	if (!format) {
		format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
		intlFormats.set(timeZone, format);
	}
	return format.format(at);
}
/** The local wall clock as HH:MM. */
function intlClock(timeZone: string, at: number): string {
	return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}
/** Days between two civil dates, by plain UTC arithmetic (not the module under test). */
function independentDays(from: string, to: string): number {
	return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY;
}
function independentNextDay(day: string): string {
	return new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
}

/** The instant local midnight begins `day` in `timeZone`, found by binary search over whole minutes. */
function localMidnight(timeZone: string, day: string): number {
	// Offsets run from −12 to +14 hours: local midnight lies within this window.
	let lo = Date.parse(`${day}T00:00:00Z`) - 15 * HOUR; // still the day before there
	let hi = Date.parse(`${day}T00:00:00Z`) + 13 * HOUR; // already that day (or later) there
	expect(intlDay(timeZone, lo) < day).toBe(true);
	expect(intlDay(timeZone, hi) >= day).toBe(true);
	while (hi - lo > MINUTE) {
		const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
		if (intlDay(timeZone, mid) >= day) hi = mid;
		else lo = mid;
	}
	return hi;
}

/** What the app counts: days from `start` to the local date at `at`. */
const countAt = (start: string, timeZone: string, at: number) => daysBetween(start, dayIn(timeZone, at));

/** Maria's circle in `timeZone`, with everyone named joined through an invite. */
async function circleOf<const N extends string[]>(timeZone: string, ...names: N) {
	return sharedCircleOf(db, names, { timeZone, at: NOW - 30 * DAY });
}

async function join(circleId: string, owner: SessionUser, person: SessionUser, when: number, role: 'member' | 'admin' = 'member') {
	return joinCircle(db, circleId, owner, person, when, role);
}

/** The member says they are the person in recovery. */
async function inRecovery(person: SessionUser, circleId: string) {
	await updateOwnProfile(db, person, circleId, { relationship: 'Me', inRecovery: true }, NOW - 30 * DAY);
}

/** Sets the recovery date and fails the test when refused. */
async function startOn(person: SessionUser, circleId: string, day: string, now = NOW) {
	return setRecoveryDate(db, person, circleId, day, now);
}

async function lapse(person: SessionUser, circleId: string, on: string, share: boolean, now = NOW) {
	return recordLapse(db, person, circleId, { on, note: 'A hard weekend.', share }, now);
}

async function expectStatus(promise: Promise<unknown>, status: number) {
	expect(await statusOfRefusal(promise)).toBe(status);
}

/** The refusal a domain function threw, as the form would show it (fails the test when it went through). */
async function failureOf(promise: Promise<unknown>): Promise<{ status: number; data: Record<string, unknown> }> {
	const refusal = await promise.then(
		(result) => {
			throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
		},
		(caught: unknown) => caught
	);
	if (!isRefusal(refusal)) throw refusal;
	return { status: REFUSAL_STATUS[refusal.reason], data: refusal.field ? { errors: { [refusal.field]: refusal.message } } : { message: refusal.message } };
}

/** A form checked by its schema, as the route checks it (what was typed is left out when it passes). */
function checked<S extends FormSchema>(schema: S, data: FormData) {
	const result = parseForm(schema, data);
	return result.ok ? { ok: true as const, data: result.data } : result;
}
const parseRecoveryDateForm = (data: FormData, today: string) => checked(recoveryDateSchema(today), data);
const parseVictoryForm = (data: FormData, today: string) => checked(victorySchema(today), data);
const parseCheerForm = (data: FormData) => checked(cheerSchema, data);
const parseTimeZoneForm = (data: FormData) => checked(timeZoneSchema, data);

function milestoneOf(result: object): MilestoneView {
	if (!('milestone' in result) || !result.milestone) throw new Error(`refused: ${JSON.stringify(result)}`);
	return result.milestone as MilestoneView;
}

function form(fields: Record<string, string>) {
	const data = new FormData();
	for (const [k, v] of Object.entries(fields)) data.set(k, v);
	return data;
}

async function eventsOf(circleId: string, type?: CircleEvent['type']): Promise<CircleEvent[]> {
	const { events } = await listCircleEventsAfter(db, circleId, 0);
	return type ? events.filter((event) => event.type === type) : events;
}

/** 'milestone.reached' events, as title, day and whether they were celebrated. */
async function reachedEvents(circleId: string) {
	return (await eventsOf(circleId, 'milestone.reached')).map((event) => {
		const payload = (event as Extract<CircleEvent, { type: 'milestone.reached' }>).payload;
		return { title: payload.milestone.title, reachedOn: payload.milestone.reachedOn, celebrate: payload.celebrate, subject: payload.milestone.subject?.id };
	});
}

/** The automatic milestone rows of one person, oldest first. */
async function automaticRows(circleId: string, subjectId: string) {
	return db
		.selectFrom('milestones')
		.select(['auto_key as key', 'title', 'reached_on as on', 'stretch_started_on as stretch'])
		.where('circle_id', '=', circleId)
		.where('subject_id', '=', subjectId)
		.where('kind', '=', 'automatic')
		.orderBy('reached_on')
		.orderBy('auto_key')
		.execute();
}

async function count(table: 'milestones' | 'milestone_cheers' | 'recovery_stretches' | 'circle_events') {
	const row = await db
		.selectFrom(table)
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.executeTakeFirstOrThrow();
	return Number(row.n);
}

async function stretchRows(circleId: string, userId: string) {
	return db.selectFrom('recovery_stretches').selectAll().where('circle_id', '=', circleId).where('user_id', '=', userId).orderBy('started_on').execute();
}

const ALL_ZONES = [
	'Asia/Kolkata',
	'Asia/Kathmandu',
	'America/St_Johns',
	'Australia/Adelaide',
	'Australia/Lord_Howe',
	'Pacific/Chatham',
	'America/New_York',
	'Europe/London',
	'Pacific/Kiritimati',
	'Pacific/Pago_Pago',
	'UTC'
];

// ---------------------------------------------------------------------------------------------
// 1. Day counts
// ---------------------------------------------------------------------------------------------

describe('counting days in the circle’s time zone', () => {
	// 2012 onwards: St John's moved its changes from 00:01 to 02:00 in 2011, so local dates only
	// ever move forwards at midnight from then on in every zone listed.
	const FROM = Date.UTC(2012, 0, 1);
	const UNTIL = Date.UTC(2040, 0, 1);

	it.each(ALL_ZONES)('gives the local date Intl gives, for random instants in %s', (timeZone) => {
		const random = prng(0x5eed ^ (timeZone.length * 7919));
		for (let i = 0; i < 400; i++) {
			const at = between(random, FROM, UNTIL);
			expect(dayIn(timeZone, at), `${timeZone} at ${new Date(at).toISOString()}`).toBe(intlDay(timeZone, at));
		}
	});

	it.each(ALL_ZONES)('adds exactly one day at each local midnight in %s, and nothing in between', (timeZone) => {
		const random = prng(0xc0ffee + timeZone.charCodeAt(timeZone.length - 1));
		for (let i = 0; i < 150; i++) {
			const at = Math.floor(between(random, FROM, UNTIL) / MINUTE) * MINUTE;
			const today = intlDay(timeZone, at);
			const start = addDays(today, -between(random, 0, 3000));
			const midnight = localMidnight(timeZone, today);
			const nextMidnight = localMidnight(timeZone, independentNextDay(today));
			const where = `${timeZone}, ${today}, started ${start}`;

			// The search found a real local midnight, and the local day is 23 to 25 hours long.
			expect(intlClock(timeZone, midnight), where).toBe('00:00');
			expect(intlClock(timeZone, nextMidnight), where).toBe('00:00');
			expect(nextMidnight - midnight, where).toBeGreaterThanOrEqual(23 * HOUR);
			expect(nextMidnight - midnight, where).toBeLessThanOrEqual(25 * HOUR);

			// The count is the calendar difference, and the same all through the local day.
			const expected = independentDays(start, today);
			expect(countAt(start, timeZone, at), where).toBe(expected);
			expect(countAt(start, timeZone, midnight), where).toBe(expected);
			expect(countAt(start, timeZone, nextMidnight - 1), where).toBe(expected);
			// Asked right after the last millisecond before it (dayIn keeps its last answer for the minute).
			expect(countAt(start, timeZone, nextMidnight), where).toBe(expected + 1);
			expect(countAt(start, timeZone, between(random, midnight, nextMidnight - 1)), where).toBe(expected);

			// One minute either side of each midnight: exactly one more.
			expect(countAt(start, timeZone, midnight + MINUTE) - countAt(start, timeZone, midnight - MINUTE), where).toBe(1);
			expect(countAt(start, timeZone, nextMidnight + MINUTE) - countAt(start, timeZone, nextMidnight - MINUTE), where).toBe(1);
		}
	});

	const transitions: Array<[string, string, number]> = [
		['America/New_York', '2026-03-08', 23],
		['America/New_York', '2026-11-01', 25],
		['Europe/London', '2026-03-29', 23],
		['Europe/London', '2026-10-25', 25],
		['Australia/Adelaide', '2026-04-05', 25],
		['Australia/Adelaide', '2026-10-04', 23]
	];

	it.each(transitions)('counts 1 day all through %s’s change on %s (a %d-hour day), and 2 the day after', (timeZone, day, hours) => {
		const start = addDays(day, -1);
		const next = addDays(day, 1);
		const begins = localMidnight(timeZone, day);
		const ends = localMidnight(timeZone, next);
		const after = localMidnight(timeZone, addDays(day, 2));
		expect((ends - begins) / HOUR).toBe(hours);
		expect(countAt(start, timeZone, begins - 1)).toBe(0);
		for (let at = begins; at < ends; at += 5 * MINUTE) expect(countAt(start, timeZone, at), new Date(at).toISOString()).toBe(1);
		expect(countAt(start, timeZone, ends - 1)).toBe(1);
		for (let at = ends; at < after; at += 5 * MINUTE) expect(countAt(start, timeZone, at), new Date(at).toISOString()).toBe(2);
		expect(recoveryTotals([{ startedOn: start, endedOn: null }], dayIn(timeZone, ends - MINUTE))).toEqual({ current: 1, longest: 1, total: 1 });
	});

	it('shows the same through the circle’s summary across each daylight-saving change', async () => {
		for (const [timeZone, day] of transitions) {
			const {
				circleId,
				people: [, sam]
			} = await circleOf(timeZone, 'Sam');
			await inRecovery(sam, circleId);
			const begins = localMidnight(timeZone, day);
			const ends = localMidnight(timeZone, addDays(day, 1));
			// Set on the evening before, when the day before is "today" there.
			await startOn(sam, circleId, addDays(day, -1), begins - HOUR);
			for (const at of [begins + MINUTE, begins + 2 * HOUR + 30 * MINUTE, begins + 3 * HOUR, ends - MINUTE]) {
				const [summary] = await listRecoverySummaries(db, sam, circleId, at);
				expect(summary?.totals.current, `${timeZone} ${new Date(at).toISOString()}`).toBe(1);
			}
			const [tomorrow] = await listRecoverySummaries(db, sam, circleId, ends + MINUTE);
			expect(tomorrow?.totals.current, timeZone).toBe(2);
		}
	});

	it('keeps leap days: years from 29 February fall on 28 February, and on 29 February again in a leap year', () => {
		const schedule = milestonesUntil('2028-02-29', '2032-03-01');
		const on = (kind: string) => schedule.find((milestone) => milestone.kind === kind)?.on;
		expect(on('year-1')).toBe('2029-02-28');
		expect(on('year-2')).toBe('2030-02-28');
		expect(on('year-3')).toBe('2031-02-28');
		expect(on('year-4')).toBe('2032-02-29');
		expect(schedule.find((milestone) => milestone.label === '4 years')?.on).toBe('2032-02-29');
		expect(daysBetween('2028-02-28', '2028-03-01')).toBe(2);
		expect(daysBetween('2027-02-28', '2027-03-01')).toBe(1);
		expect(daysBetween('2028-03-01', '2028-02-28')).toBe(-2);
	});

	it('clamps months to the last day of a shorter month', () => {
		expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
		expect(addMonths('2023-01-31', 1)).toBe('2023-02-28');
		expect(addMonths('2024-08-31', 6)).toBe('2025-02-28');
		expect(addMonths('2024-03-31', 1)).toBe('2024-04-30');
		expect(addMonths('2024-12-15', 1)).toBe('2025-01-15');
		const schedule = milestonesUntil('2024-01-31', '2025-12-31');
		expect(schedule.find((milestone) => milestone.kind === 'month-6')?.on).toBe('2024-07-31');
		expect(schedule.find((milestone) => milestone.kind === 'month-9')?.on).toBe('2024-10-31');
		expect(schedule.find((milestone) => milestone.kind === 'month-18')?.on).toBe('2025-07-31');
	});

	it('counts 0 days on the first day, with “1 day” next, tomorrow', async () => {
		expect(daysBetween(TODAY, TODAY)).toBe(0);
		expect(milestonesUntil(TODAY, TODAY)).toEqual([]);
		expect(nextMilestone(TODAY, TODAY)).toEqual({ kind: 'day-1', label: '1 day', on: '2026-06-16' });

		const {
			circleId,
			people: [, sam]
		} = await circleOf('UTC', 'Sam');
		await inRecovery(sam, circleId);
		await startOn(sam, circleId, TODAY);
		const [summary] = await listRecoverySummaries(db, sam, circleId, NOW);
		expect(summary).toMatchObject({ startedOn: TODAY, totals: { current: 0, longest: 0, total: 0 }, next: { label: '1 day', on: '2026-06-16', inDays: 1 } });
		expect(await automaticRows(circleId, sam.id)).toEqual([]);
	});

	it('schedules 1 day, 1 week, 30, 60, 90 days, 6 and 9 months, 1 year, 18 months, then every year', () => {
		const schedule = milestonesUntil('2020-01-01', '2025-06-01');
		expect(schedule.map((milestone) => milestone.label)).toEqual([
			'1 day',
			'1 week',
			'30 days',
			'60 days',
			'90 days',
			'6 months',
			'9 months',
			'1 year',
			'18 months',
			'2 years',
			'3 years',
			'4 years',
			'5 years'
		]);
		expect(schedule.map((milestone) => milestone.kind)).toEqual([
			'day-1',
			'week-1',
			'day-30',
			'day-60',
			'day-90',
			'month-6',
			'month-9',
			'year-1',
			'month-18',
			'year-2',
			'year-3',
			'year-4',
			'year-5'
		]);
		expect(schedule.map((milestone) => milestone.on)).toEqual([
			'2020-01-02',
			'2020-01-08',
			'2020-01-31',
			'2020-03-01',
			'2020-03-31',
			'2020-07-01',
			'2020-10-01',
			'2021-01-01',
			'2021-07-01',
			'2022-01-01',
			'2023-01-01',
			'2024-01-01',
			'2025-01-01'
		]);
		expect(milestonesUntil('2020-01-01', '2020-01-31').map((milestone) => milestone.label)).toEqual(['1 day', '1 week', '30 days']);
		expect(milestonesUntil('2020-01-01', '2020-01-01', { cameBack: true })).toEqual([]);
		expect(milestonesUntil('2020-01-01', '2020-01-02', { cameBack: true })).toEqual([{ kind: 'came-back', label: 'Came back', on: '2020-01-02' }]);
	});

	it('keeps every schedule in order, with the next milestone the first one after today (random starts)', () => {
		const random = prng(42);
		for (let i = 0; i < 300; i++) {
			const start = addDays('1990-01-01', between(random, 0, 20_000));
			const today = addDays(start, between(random, 0, 4000));
			const cameBack = random() < 0.5;
			const schedule = milestonesUntil(start, addMonths(today, 30), { cameBack });
			for (let k = 1; k < schedule.length; k++) expect(schedule[k]!.on > schedule[k - 1]!.on, `${start}: ${JSON.stringify(schedule)}`).toBe(true);
			expect(schedule[0]!.label).toBe(cameBack ? 'Came back' : '1 day');
			const next = nextMilestone(start, today, { cameBack });
			expect(next.on > today).toBe(true);
			expect(next).toEqual(schedule.find((milestone) => milestone.on > today));
			expect(milestonesUntil(start, today, { cameBack }).every((milestone) => milestone.on <= today)).toBe(true);
		}
	});

	it('never loses days by merging an unshared lapse, and totals add up (random stretches)', () => {
		const random = prng(7);
		for (let i = 0; i < 200; i++) {
			let day = addDays('2015-01-01', between(random, 0, 2000));
			const records: StretchRecord[] = [];
			const stretches = between(random, 1, 5);
			for (let k = 0; k < stretches; k++) {
				const last = k === stretches - 1;
				const ends = last ? null : addDays(day, between(random, 1, 400));
				records.push({ startedOn: day, endedOn: ends, lapseShared: random() < 0.5 });
				if (ends) day = ends;
			}
			const today = addDays(day, between(random, 0, 500));
			const mine = recoveryTotals(records, today);
			const theirs = recoveryTotals(sharedStretches(records), today);
			expect(mine.total).toBe(daysBetween(records[0]!.startedOn, today));
			expect(theirs.total).toBe(mine.total);
			expect(mine.current).toBe(daysBetween(records.at(-1)!.startedOn, today));
			expect(mine.longest).toBe(Math.max(...records.map((record) => daysBetween(record.startedOn, record.endedOn ?? today))));
			// The circle's current stretch begins after the last lapse it was told of.
			const lastShared = records.slice(0, -1).findLastIndex((record) => record.lapseShared);
			expect(sharedStretches(records).at(-1)!.startedOn).toBe(lastShared === -1 ? records[0]!.startedOn : records[lastShared + 1]!.startedOn);
		}
	});

	it('knows real dates and time zones', () => {
		expect(isIsoDay('2028-02-29')).toBe(true);
		for (const text of ['2026-02-29', '2026-02-30', '2026-13-01', '2026-1-01', '31/12/2020', '']) expect(isIsoDay(text), text).toBe(false);
		for (const zone of ALL_ZONES) expect(isTimeZone(zone), zone).toBe(true);
		for (const zone of ['Mars/Olympus', '', 'x'.repeat(65)]) expect(isTimeZone(zone), zone).toBe(false);
	});
});

// ---------------------------------------------------------------------------------------------
// 2. The recovery date
// ---------------------------------------------------------------------------------------------

describe('setting the day recovery began', () => {
	it('refuses a day that has not come yet in the circle’s time zone, storing nothing', async () => {
		const {
			circleId,
			people: [, sam]
		} = await circleOf('America/New_York', 'Sam');
		await inRecovery(sam, circleId);
		// 02:00 UTC on 16 June is still the evening of 15 June in New York.
		const now = Date.UTC(2026, 5, 16, 2);
		const refused = await failureOf(setRecoveryDate(db, sam, circleId, '2026-06-16', now));
		expect(refused.status).toBe(400);
		expect(refused.data).toEqual({ errors: { startedOn: expect.any(String) } });
		expect(await stretchRows(circleId, sam.id)).toEqual([]);
		expect(await eventsOf(circleId, 'recovery.date-set')).toEqual([]);
		expect(await startOn(sam, circleId, '2026-06-15', now)).toEqual({ startedOn: '2026-06-15' });
	});

	it('takes “tomorrow in UTC” in Kiritimati (UTC+14), where it is already that day, but not in Pago Pago (UTC−11)', async () => {
		// 12:00 UTC on 15 June: 02:00 on 16 June in Kiritimati, 01:00 on 15 June in Pago Pago.
		const kiritimati = await circleOf('Pacific/Kiritimati', 'Sam');
		await inRecovery(kiritimati.people[1], kiritimati.circleId);
		expect(await setRecoveryDate(db, kiritimati.people[1], kiritimati.circleId, '2026-06-16', NOW)).toEqual({ startedOn: '2026-06-16' });
		const [summary] = await listRecoverySummaries(db, kiritimati.people[1], kiritimati.circleId, NOW);
		expect(summary).toMatchObject({ startedOn: '2026-06-16', totals: { current: 0 } });

		const pagoPago = await circleOf('Pacific/Pago_Pago', 'Sam');
		await inRecovery(pagoPago.people[1], pagoPago.circleId);
		expect((await failureOf(setRecoveryDate(db, pagoPago.people[1], pagoPago.circleId, '2026-06-16', NOW))).data).toEqual({
			errors: { startedOn: expect.any(String) }
		});
		expect(await stretchRows(pagoPago.circleId, pagoPago.people[1].id)).toEqual([]);
	});

	it('is only for a person in recovery (403), and only for members (404)', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('UTC', 'Sam');
		const outsider = await addUser(db, 'Outsider');
		await expectStatus(setRecoveryDate(db, maria, circleId, '2026-01-01', NOW), 403);
		await expectStatus(setRecoveryDate(db, sam, circleId, '2026-01-01', NOW), 403);
		await expectStatus(setRecoveryDate(db, outsider, circleId, '2026-01-01', NOW), 404);
		await expectStatus(recordLapse(db, maria, circleId, { on: '2026-06-01', note: '', share: true }, NOW), 403);
		await expectStatus(recordLapse(db, outsider, circleId, { on: '2026-06-01', note: '', share: true }, NOW), 404);
		expect(await count('recovery_stretches')).toBe(0);
	});

	it('explains what is wrong with the date in the form', () => {
		const parse = (startedOn: string) => parseRecoveryDateForm(form({ startedOn }), TODAY);
		expect(parse('2026-02-30')).toEqual({ ok: false, errors: { startedOn: expect.stringMatching(/doesn’t exist/) }, values: { startedOn: '2026-02-30' } });
		expect(parse('1899-12-31')).toMatchObject({ ok: false, errors: { startedOn: expect.stringMatching(/1900/) } });
		expect(parse('31/12/2020')).toMatchObject({ ok: false, errors: { startedOn: expect.stringMatching(/like 2026-03-01/) } });
		expect(parse('')).toMatchObject({ ok: false, errors: { startedOn: expect.stringMatching(/Please give/) } });
		expect(parse('2026-06-16')).toMatchObject({ ok: false, errors: { startedOn: expect.stringMatching(/hasn’t come yet/) } });
		expect(parse('1900-01-01')).toEqual({ ok: true, data: { startedOn: '1900-01-01' } });
		expect(parse(' 2026-06-15 ')).toEqual({ ok: true, data: { startedOn: '2026-06-15' } });
	});
});

// ---------------------------------------------------------------------------------------------
// 3. Automatic milestones
// ---------------------------------------------------------------------------------------------

describe('automatic milestones', () => {
	const HUNDRED_DAYS_AGO = addDays(TODAY, -100); // 2026-03-07
	const firstFive = [
		{ key: 'day-1', title: '1 day', on: '2026-03-08' },
		{ key: 'week-1', title: '1 week', on: '2026-03-14' },
		{ key: 'day-30', title: '30 days', on: '2026-04-06' },
		{ key: 'day-60', title: '60 days', on: '2026-05-06' },
		{ key: 'day-90', title: '90 days', on: '2026-06-05' }
	].map((row) => ({ ...row, stretch: HUNDRED_DAYS_AGO }));

	it('writes each milestone reached exactly once, celebrating only the ones reached today', async () => {
		const {
			circleId,
			people: [, sam, jo]
		} = await circleOf('UTC', 'Sam', 'Jo');
		await inRecovery(sam, circleId);
		await inRecovery(jo, circleId);
		await startOn(sam, circleId, HUNDRED_DAYS_AGO);
		await startOn(jo, circleId, addDays(TODAY, -30));
		expect(await reachMilestones(db, circleId, NOW)).toEqual([]);

		expect(await automaticRows(circleId, sam.id)).toEqual(firstFive);
		expect((await automaticRows(circleId, jo.id)).map((row) => row.title)).toEqual(['1 day', '1 week', '30 days']);
		const reached = await reachedEvents(circleId);
		expect(reached.filter((event) => event.subject === sam.id)).toEqual(
			firstFive.map((row) => ({ title: row.title, reachedOn: row.on, celebrate: false, subject: sam.id }))
		);
		expect(reached.filter((event) => event.subject === jo.id).map((event) => [event.title, event.celebrate])).toEqual([
			['1 day', false],
			['1 week', false],
			['30 days', true]
		]);

		// Again, and twice at once: nothing new.
		const events = await count('circle_events');
		expect(await reachMilestones(db, circleId, NOW + HOUR)).toEqual([]);
		expect(await Promise.all([reachMilestones(db, circleId, NOW + 2 * HOUR), reachMilestones(db, circleId, NOW + 2 * HOUR)])).toEqual([[], []]);
		expect(await count('milestones')).toBe(8);
		expect(await count('circle_events')).toBe(events);
	});

	it('writes nothing twice after a restart, and celebrates 6 months once when the day comes', async () => {
		const {
			circleId,
			people: [, sam]
		} = await circleOf('UTC', 'Sam');
		await inRecovery(sam, circleId);
		await startOn(sam, circleId, HUNDRED_DAYS_AGO);

		// The server stops and starts again on the same file.
		await testDb.close();
		reopened = await openDatabase(testDb.dialect === 'sqlite' ? testDb.file : { dialect: 'postgres', url: testDb.file, poolSize: 2 });
		db = reopened.db;
		expect(await reachMilestones(db, circleId, NOW + DAY)).toEqual([]);
		expect(await automaticRows(circleId, sam.id)).toEqual(firstFive);
		expect(await reachMilestones(db, circleId, noonOn('2026-09-06'))).toEqual([]);

		const sixMonths = addMonths(HUNDRED_DAYS_AGO, 6);
		expect(sixMonths).toBe('2026-09-07');
		const before = await count('circle_events');
		const [first, second] = await Promise.all([reachMilestones(db, circleId, noonOn(sixMonths)), reachMilestones(db, circleId, noonOn(sixMonths))]);
		expect([...first!, ...second!]).toHaveLength(1);
		expect(await count('circle_events')).toBe(before + 1);
		expect((await reachedEvents(circleId)).at(-1)).toEqual({ title: '6 months', reachedOn: sixMonths, celebrate: true, subject: sam.id });
		expect((await automaticRows(circleId, sam.id)).map((row) => row.key)).toEqual(['day-1', 'week-1', 'day-30', 'day-60', 'day-90', 'month-6']);
		expect(await reachMilestones(db, circleId, noonOn(sixMonths) + HOUR)).toEqual([]);
	});

	it('arrives at local midnight in the circle’s time zone (Kathmandu, UTC+5:45), not before', async () => {
		const {
			circleId,
			people: [, sam]
		} = await circleOf('Asia/Kathmandu', 'Sam');
		await inRecovery(sam, circleId);
		await startOn(sam, circleId, HUNDRED_DAYS_AGO);
		const midnight = localMidnight('Asia/Kathmandu', '2026-09-07');
		expect(new Date(midnight).toISOString()).toBe('2026-09-06T18:15:00.000Z');
		expect(await reachMilestones(db, circleId, midnight - MINUTE)).toEqual([]);
		const events = await reachMilestones(db, circleId, midnight + MINUTE);
		expect(events).toMatchObject([{ type: 'milestone.reached', payload: { milestone: { title: '6 months', reachedOn: '2026-09-07' }, celebrate: true } }]);
	});

	it('on page loads checks once a day: the first load of a new day writes that day’s milestone', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('UTC', 'Sam');
		await inRecovery(sam, circleId);
		await startOn(sam, circleId, HUNDRED_DAYS_AGO);
		const access = await requireMember(db, maria, circleId);
		const sixMonths = addMonths(HUNDRED_DAYS_AGO, 6);
		expect(await reachMilestonesOnNewDay(db, access, noonOn(sixMonths) - DAY)).toEqual([]);
		const events = await reachMilestonesOnNewDay(db, access, noonOn(sixMonths));
		expect(events).toMatchObject([{ type: 'milestone.reached', payload: { milestone: { title: '6 months', reachedOn: sixMonths }, celebrate: true } }]);
		expect(await reachMilestonesOnNewDay(db, access, noonOn(sixMonths) + HOUR)).toEqual([]);
	});

	it('a page load skips a circle already checked today; the full check (the clock’s) still runs', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('UTC', 'Sam');
		await inRecovery(sam, circleId);
		await startOn(sam, circleId, HUNDRED_DAYS_AGO);
		const access = await requireMember(db, maria, circleId);
		// Something due but not written, which no change announced (as if written by an older version).
		await testDb.all(`DELETE FROM milestones WHERE circle_id = ? AND auto_key = 'day-90'`, circleId);
		expect(await reachMilestonesOnNewDay(db, access, NOW + HOUR)).toEqual([]);
		expect(await reachMilestones(db, circleId, NOW + 2 * HOUR)).toHaveLength(1);
		// A new day in the circle's time zone is checked again.
		await testDb.all(`DELETE FROM milestones WHERE circle_id = ? AND auto_key = 'day-90'`, circleId);
		expect(await reachMilestonesOnNewDay(db, access, NOW + DAY)).toHaveLength(1);
	});

	it('is caught up by one check of the clock (the server that takes its lease runs one at once)', async () => {
		const {
			circleId,
			people: [, sam]
		} = await circleOf('UTC', 'Sam');
		await inRecovery(sam, circleId);
		await startOn(sam, circleId, HUNDRED_DAYS_AGO);
		vi.useFakeTimers({ toFake: ['Date'] });
		vi.setSystemTime(noonOn('2026-09-07'));
		await checkMilestoneClock(db);
		expect((await automaticRows(circleId, sam.id)).map((row) => row.key)).toContain('month-6');
		await checkMilestoneClock(db);
		expect((await reachedEvents(circleId)).filter((event) => event.title === '6 months')).toHaveLength(1);
	});

	it('counts again from a corrected start date, and the old milestones (and their cheers) go', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('UTC', 'Sam');
		await inRecovery(sam, circleId);
		await startOn(sam, circleId, HUNDRED_DAYS_AGO);
		const [oldest] = await listMilestones(db, maria, circleId, { subjectId: sam.id });
		await cheerMilestone(db, maria, circleId, oldest!.id, 'Proud of you', NOW);

		expect(await startOn(sam, circleId, '2026-01-01', NOW + HOUR)).toEqual({ startedOn: '2026-01-01' });
		expect(await automaticRows(circleId, sam.id)).toEqual(
			[
				{ key: 'day-1', title: '1 day', on: '2026-01-02' },
				{ key: 'week-1', title: '1 week', on: '2026-01-08' },
				{ key: 'day-30', title: '30 days', on: '2026-01-31' },
				{ key: 'day-60', title: '60 days', on: '2026-03-02' },
				{ key: 'day-90', title: '90 days', on: '2026-04-01' }
			].map((row) => ({ ...row, stretch: '2026-01-01' }))
		);
		expect(await count('milestone_cheers')).toBe(0);
		expect((await eventsOf(circleId, 'recovery.date-set')).map((event) => (event.payload as { startedOn: string }).startedOn)).toEqual([
			HUNDRED_DAYS_AGO,
			'2026-01-01'
		]);
		const [summary] = await listRecoverySummaries(db, maria, circleId, NOW + HOUR);
		expect(summary).toMatchObject({ startedOn: '2026-01-01', totals: { current: 165 }, next: { label: '6 months', on: '2026-07-01', inDays: 16 } });

		// Later, to a more recent day: only what that stretch has reached.
		await startOn(sam, circleId, '2026-06-01', NOW + 2 * HOUR);
		expect((await automaticRows(circleId, sam.id)).map((row) => [row.title, row.on])).toEqual([
			['1 day', '2026-06-02'],
			['1 week', '2026-06-08']
		]);
		// The same day again changes nothing and says nothing.
		const events = await count('circle_events');
		await startOn(sam, circleId, '2026-06-01', NOW + 3 * HOUR);
		expect(await count('circle_events')).toBe(events);
	});
});

// ---------------------------------------------------------------------------------------------
// 4. Lapses
// ---------------------------------------------------------------------------------------------

describe('lapses', () => {
	const START = '2026-01-01';
	const LAPSE = '2026-06-10'; // 160 days after START
	const LATER = noonOn('2026-06-20'); // 10 days after the lapse

	async function samInRecovery<N extends string[]>(...others: N) {
		const circle = await circleOf('UTC', 'Sam', ...others);
		await inRecovery(circle.people[1], circle.circleId);
		await startOn(circle.people[1], circle.circleId, START, noonOn(LAPSE) - DAY);
		return circle;
	}

	/** What Maria sees of Sam's automatic milestones, oldest first: title, day, stretch, whether earlier, cheers. */
	async function timelineFor(viewer: SessionUser, circleId: string) {
		const views = await listMilestones(db, viewer, circleId);
		return views
			.filter((view) => view.kind === 'automatic')
			.reverse()
			.map((view) => ({ title: view.title, on: view.reachedOn, earlier: view.earlierStretch, cheers: view.cheers.map((cheer) => cheer.message) }));
	}

	it('recorded late, keeps every milestone the circle saw, with its cheers, as part of an earlier stretch', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await samInRecovery();
		// The circle saw 90 days (2026-04-01) and cheered it; the lapse, told on 2026-06-20, was on 2026-03-15.
		await reachMilestones(db, circleId, LATER);
		const ninety = (await listMilestones(db, maria, circleId)).find((view) => view.title === '90 days')!;
		expect(ninety.earlierStretch).toBeNull();
		await cheerMilestone(db, maria, circleId, ninety.id, 'So proud of you', LATER);
		const cheersBefore = await count('milestone_cheers');

		await lapse(sam, circleId, '2026-03-15', true, LATER);
		const rows = await automaticRows(circleId, sam.id);
		expect(rows.filter((row) => row.stretch === START).map((row) => [row.title, row.on])).toEqual([
			['1 day', '2026-01-02'],
			['1 week', '2026-01-08'],
			['30 days', '2026-01-31'],
			['60 days', '2026-03-02'],
			['90 days', '2026-04-01']
		]);
		expect(rows.filter((row) => row.stretch === '2026-03-15').map((row) => row.title)).toEqual(['Came back', '1 week', '30 days', '60 days', '90 days']);
		expect(await count('milestone_cheers')).toBe(cheersBefore);

		// Everyone sees the first stretch's milestones as part of an earlier stretch; the new one's as current.
		const earlier = { startedOn: START };
		for (const viewer of [maria, sam]) {
			expect((await timelineFor(viewer, circleId)).filter((view) => view.on <= '2026-04-01' && view.earlier)).toEqual([
				{ title: '1 day', on: '2026-01-02', earlier, cheers: [] },
				{ title: '1 week', on: '2026-01-08', earlier, cheers: [] },
				{ title: '30 days', on: '2026-01-31', earlier, cheers: [] },
				{ title: '60 days', on: '2026-03-02', earlier, cheers: [] },
				{ title: '90 days', on: '2026-04-01', earlier, cheers: ['So proud of you'] }
			]);
			expect((await timelineFor(viewer, circleId)).filter((view) => !view.earlier).map((view) => view.title)).toEqual([
				'Came back',
				'1 week',
				'30 days',
				'60 days',
				'90 days'
			]);
		}
		// The cheer stays valid: it can still be changed, and a new one given.
		milestoneOf(await editCheer(db, maria, circleId, ninety.id, 'Still proud of you', LATER + 1));
		const cheered = milestoneOf(await cheerMilestone(db, sam, circleId, ninety.id, 'Thank you', LATER + 2));
		expect(cheered).toMatchObject({ earlierStretch: earlier, cheers: [{ message: 'Still proud of you' }, { message: 'Thank you' }] });
		// Only the current stretch's figures changed.
		expect((await listRecoverySummaries(db, maria, circleId, LATER))[0]).toMatchObject({
			startedOn: '2026-03-15',
			totals: { current: 97, longest: 97, total: 170 }
		});
	});

	it('kept private, changes nothing in the milestone history; told later, keeps it all as an earlier stretch', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await samInRecovery('Jo');
		await reachMilestones(db, circleId, noonOn('2026-03-14'));
		const sixty = (await listMilestones(db, maria, circleId)).find((view) => view.title === '60 days')!;
		await cheerMilestone(db, maria, circleId, sixty.id, 'Two months!', noonOn('2026-03-14'));
		await lapse(sam, circleId, '2026-03-15', false, noonOn('2026-03-16'));
		await reachMilestones(db, circleId, LATER);
		// Nothing says "earlier stretch" to anyone, Sam included, and the milestones go on from the first day.
		const whileHidden = await timelineFor(maria, circleId);
		expect(whileHidden.map((view) => [view.title, view.earlier])).toEqual([
			['1 day', null],
			['1 week', null],
			['30 days', null],
			['60 days', null],
			['90 days', null]
		]);
		expect(await timelineFor(sam, circleId)).toEqual(whileHidden);
		// Nor does anything the circle is sent: its log has no trace of the stretch that ended.
		const log = JSON.stringify(await eventsOf(circleId));
		expect(log).not.toContain('"earlierStretch":{');
		expect(log).not.toContain('2026-03-15');

		const [stretch] = (await stretchRows(circleId, sam.id)).filter((row) => row.ended_on !== null);
		await shareLapse(db, sam, circleId, stretch!.id, LATER);
		const told = await timelineFor(maria, circleId);
		const earlier = { startedOn: START };
		expect(told.filter((view) => view.earlier).map((view) => [view.title, view.on, view.cheers])).toEqual([
			['1 day', '2026-01-02', []],
			['1 week', '2026-01-08', []],
			['30 days', '2026-01-31', []],
			['60 days', '2026-03-02', ['Two months!']],
			['90 days', '2026-04-01', []]
		]);
		expect(told.filter((view) => view.earlier).every((view) => view.earlier?.startedOn === earlier.startedOn)).toBe(true);
		expect(told.filter((view) => !view.earlier).map((view) => view.title)).toEqual(['Came back', '1 week', '30 days', '60 days', '90 days']);
	});

	it('shared: keeps the days before and the earlier milestones, and “Came back” comes the day after', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await samInRecovery();
		const earlier = await automaticRows(circleId, sam.id);
		expect(earlier.map((row) => row.title)).toEqual(['1 day', '1 week', '30 days', '60 days', '90 days']);

		expect(await lapse(sam, circleId, LAPSE, true, noonOn(LAPSE))).toEqual({ recorded: true, shared: true });
		expect((await eventsOf(circleId, 'recovery.lapse-shared')).map((event) => event.actorId)).toEqual([sam.id]);
		const onTheDay = await getMyRecovery(db, sam, circleId, noonOn(LAPSE));
		expect(onTheDay.totals).toEqual({ current: 0, longest: 160, total: 160 });
		expect(onTheDay.next).toEqual({ label: 'Came back', on: '2026-06-11', inDays: 1 });
		expect((await listRecoverySummaries(db, maria, circleId, noonOn(LAPSE)))[0]).toMatchObject({
			startedOn: LAPSE,
			totals: { current: 0, longest: 160, total: 160 },
			next: { label: 'Came back', on: '2026-06-11', inDays: 1 },
			cameBack: true
		});

		// The next day: "Came back", celebrated, and not "1 day".
		const cameBack = await reachMilestones(db, circleId, noonOn('2026-06-11'));
		expect(cameBack).toMatchObject([{ type: 'milestone.reached', payload: { milestone: { title: 'Came back', reachedOn: '2026-06-11' }, celebrate: true } }]);
		await reachMilestones(db, circleId, LATER);
		const rows = await automaticRows(circleId, sam.id);
		expect(rows.filter((row) => row.stretch === START)).toEqual(earlier);
		expect(rows.filter((row) => row.stretch === LAPSE).map((row) => [row.key, row.title, row.on])).toEqual([
			['came-back', 'Came back', '2026-06-11'],
			['week-1', '1 week', '2026-06-17']
		]);

		const mine = await getMyRecovery(db, sam, circleId, LATER);
		expect(mine.totals).toEqual({ current: 10, longest: 160, total: 170 });
		expect(mine.next).toEqual({ label: '30 days', on: '2026-07-10', inDays: 20 });
		expect(mine.circleSees).toBeNull();
		expect(await listRecoverySummaries(db, maria, circleId, LATER)).toEqual([
			{
				person: { id: sam.id, displayName: 'Sam' },
				startedOn: LAPSE,
				totals: { current: 10, longest: 160, total: 170 },
				next: { label: '30 days', on: '2026-07-10', inDays: 20 },
				cameBack: true,
				showSafetyNote: true
			}
		]);
		// The safety note is for the first 90 days after coming back.
		expect((await listRecoverySummaries(db, maria, circleId, noonOn(addDays(LAPSE, 89))))[0]?.showSafetyNote).toBe(true);
		expect((await listRecoverySummaries(db, maria, circleId, noonOn(addDays(LAPSE, 90))))[0]?.showSafetyNote).toBe(false);
	});

	it('private: the circle sees what it saw before, until the person shares it', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await samInRecovery();
		const before = await listRecoverySummaries(db, maria, circleId, LATER);
		const eventsBefore = await count('circle_events');

		expect(await lapse(sam, circleId, LAPSE, false, noonOn(LAPSE))).toEqual({ recorded: true, shared: false });
		await reachMilestones(db, circleId, noonOn('2026-06-11'));
		await reachMilestones(db, circleId, LATER);
		expect(await count('circle_events')).toBe(eventsBefore);
		expect(await listRecoverySummaries(db, maria, circleId, LATER)).toEqual(before);
		expect(before[0]).toMatchObject({ startedOn: START, totals: { current: 170, longest: 170, total: 170 }, cameBack: false, showSafetyNote: false });
		expect((await automaticRows(circleId, sam.id)).filter((row) => row.stretch === LAPSE)).toEqual([]);

		const mine = await getMyRecovery(db, sam, circleId, LATER);
		expect(mine.totals).toEqual({ current: 10, longest: 160, total: 170 });
		expect(mine.circleSees).toEqual({ startedOn: START, totals: { current: 170, longest: 170, total: 170 } });
		expect(mine.stretches).toEqual([
			{ id: expect.any(String), startedOn: START, endedOn: LAPSE, lapseNote: 'A hard weekend.', lapseShared: false },
			{ id: expect.any(String), startedOn: LAPSE, endedOn: null, lapseNote: '', lapseShared: false }
		]);
		// The private note never reaches the circle's log.
		expect(JSON.stringify(await eventsOf(circleId))).not.toContain('A hard weekend.');

		// Sharing it later: the log says so and the circle's picture changes.
		expect(await shareLapse(db, sam, circleId, mine.stretches[0]!.id, LATER)).toEqual({ shared: true });
		expect((await eventsOf(circleId, 'recovery.lapse-shared')).map((event) => event.actorId)).toEqual([sam.id]);
		expect(await listRecoverySummaries(db, maria, circleId, LATER)).toEqual([
			expect.objectContaining({ startedOn: LAPSE, totals: { current: 10, longest: 160, total: 170 }, cameBack: true, showSafetyNote: true })
		]);
		expect((await getMyRecovery(db, sam, circleId, LATER)).circleSees).toBeNull();
		expect((await automaticRows(circleId, sam.id)).filter((row) => row.stretch === LAPSE).map((row) => row.title)).toEqual(['Came back', '1 week']);
		// Sharing twice says nothing more; a stretch that did not end in a lapse is not found.
		await shareLapse(db, sam, circleId, mine.stretches[0]!.id, LATER);
		expect(await eventsOf(circleId, 'recovery.lapse-shared')).toHaveLength(1);
		await expectStatus(shareLapse(db, sam, circleId, mine.stretches[1]!.id, LATER), 404);
	});

	it('refuses a lapse in the future (in the circle’s time zone) or on or before the current start', async () => {
		const {
			circleId,
			people: [, sam]
		} = await samInRecovery();
		expect(await failureOf(recordLapse(db, sam, circleId, { on: '2026-06-21', note: '', share: true }, LATER))).toEqual({
			status: 400,
			data: { errors: { on: expect.any(String) } }
		});
		for (const on of [START, '2025-12-31']) {
			expect((await failureOf(recordLapse(db, sam, circleId, { on, note: '', share: true }, LATER))).data, on).toEqual({ errors: { on: expect.any(String) } });
		}
		await lapse(sam, circleId, LAPSE, true, LATER);
		// Now the current stretch starts on the lapse day: the same day again is refused too.
		expect((await failureOf(recordLapse(db, sam, circleId, { on: LAPSE, note: '', share: true }, LATER))).status).toBe(400);
		// And the recovery date cannot move back before the lapse.
		expect((await failureOf(setRecoveryDate(db, sam, circleId, '2026-06-01', LATER))).data).toEqual({
			errors: { startedOn: expect.stringMatching(/2026-06-10/) }
		});
		expect(await stretchRows(circleId, sam.id)).toHaveLength(2);
	});

	it('needs a recovery date first', async () => {
		const {
			circleId,
			people: [, sam]
		} = await circleOf('UTC', 'Sam');
		await inRecovery(sam, circleId);
		expect(await failureOf(recordLapse(db, sam, circleId, { on: '2026-06-01', note: '', share: true }, NOW))).toEqual({
			status: 400,
			data: { message: expect.any(String) }
		});
		expect(await count('recovery_stretches')).toBe(0);
	});

	it('only ever acts on the signed-in member: another member can never change someone’s stretches', async () => {
		const {
			circleId,
			people: [maria, sam, jo]
		} = await samInRecovery('Jo');
		await lapse(sam, circleId, LAPSE, false, noonOn(LAPSE));
		const sams = await stretchRows(circleId, sam.id);
		const hidden = sams.find((row) => row.ended_on !== null)!;

		// Maria is not in recovery: every action is refused.
		await expectStatus(setRecoveryDate(db, maria, circleId, '2026-02-01', LATER), 403);
		await expectStatus(recordLapse(db, maria, circleId, { on: '2026-06-12', note: '', share: true }, LATER), 403);
		await expectStatus(shareLapse(db, maria, circleId, hidden.id, LATER), 403);

		// Jo is in recovery too: what Jo does lands on Jo's own record, and Sam's lapse is not Jo's to share.
		await inRecovery(jo, circleId);
		expect((await failureOf(recordLapse(db, jo, circleId, { on: '2026-06-12', note: '', share: true }, LATER))).data).toEqual({ message: expect.any(String) });
		await expectStatus(shareLapse(db, jo, circleId, hidden.id, LATER), 404);
		await startOn(jo, circleId, '2026-02-01', LATER);
		await lapse(jo, circleId, '2026-06-12', true, LATER);
		await startOn(jo, circleId, '2026-06-13', LATER);
		expect((await stretchRows(circleId, jo.id)).map((row) => [row.started_on, row.ended_on])).toEqual([
			['2026-02-01', '2026-06-12'],
			['2026-06-13', null]
		]);
		expect(await stretchRows(circleId, sam.id)).toEqual(sams);
		expect(hidden.lapse_shared).toBe(0);
		expect((await getMyRecovery(db, jo, circleId, LATER)).stretches.map((stretch) => stretch.id)).not.toContain(hidden.id);
	});
});

// ---------------------------------------------------------------------------------------------
// 5. Small victories and cheers
// ---------------------------------------------------------------------------------------------

describe('small victories', () => {
	const victory = (title: string, reachedOn: string, forCircle = false): VictoryInput => ({ title, reachedOn, note: '', forCircle });

	it('are added by any member, for themselves or for the whole circle, and celebrated', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('UTC', 'Sam');
		const mine = milestoneOf(await addVictory(db, sam, circleId, victory('Two weeks of meetings', '2026-06-10'), NOW));
		expect(mine).toMatchObject({
			kind: 'victory',
			subject: { id: sam.id, displayName: 'Sam' },
			createdBy: { id: sam.id, displayName: 'Sam' },
			title: 'Two weeks of meetings',
			reachedOn: '2026-06-10',
			cheers: []
		});
		const ours = milestoneOf(await addVictory(db, maria, circleId, victory('First family dinner', '2026-06-01', true), NOW + 1));
		expect(ours).toMatchObject({ subject: null, createdBy: { id: maria.id } });
		milestoneOf(await addVictory(db, maria, circleId, victory('Job interview', '2026-05-20', true), NOW + 2));
		expect(await eventsOf(circleId, 'milestone.added')).toMatchObject([
			{ actorId: sam.id, payload: { milestone: { id: mine.id }, celebrate: true } },
			{ actorId: maria.id, payload: { milestone: { id: ours.id }, celebrate: true } },
			{ actorId: maria.id }
		]);
		// Newest first by the day reached, not by when it was added.
		expect((await listMilestones(db, sam, circleId)).map((milestone) => milestone.title)).toEqual([
			'Two weeks of meetings',
			'First family dinner',
			'Job interview'
		]);
		expect((await listMilestones(db, sam, circleId, { subjectId: sam.id })).map((milestone) => milestone.title)).toEqual(['Two weeks of meetings']);
		await expectStatus(listMilestones(db, await addUser(db, 'Outsider'), circleId), 404);
		await expectStatus(addVictory(db, await addUser(db, 'Other'), circleId, victory('Hi', TODAY), NOW), 404);
	});

	it('refuses a day that has not come yet where the circle is', async () => {
		const {
			circleId,
			people: [maria]
		} = await circleOf('Pacific/Pago_Pago');
		// 02:00 UTC on 16 June is 15:00 on 15 June in Pago Pago.
		const now = Date.UTC(2026, 5, 16, 2);
		expect(await failureOf(addVictory(db, maria, circleId, victory('Too soon', '2026-06-16'), now))).toEqual({
			status: 400,
			data: { errors: { reachedOn: expect.any(String) } }
		});
		expect(await count('milestones')).toBe(0);
		milestoneOf(await addVictory(db, maria, circleId, victory('Today', '2026-06-15'), now));
	});

	it('can be removed by whoever added it, with its cheers, and by nobody else', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('UTC', 'Sam');
		const added = milestoneOf(await addVictory(db, sam, circleId, victory('A month of calls', TODAY), NOW));
		await cheerMilestone(db, maria, circleId, added.id, 'Proud of you', NOW);
		await expectStatus(removeVictory(db, maria, circleId, added.id, NOW), 403);
		expect(await count('milestones')).toBe(1);
		expect(await removeVictory(db, sam, circleId, added.id, NOW)).toEqual({ removed: 'A month of calls' });
		expect(await count('milestones')).toBe(0);
		expect(await count('milestone_cheers')).toBe(0);
		expect(await eventsOf(circleId, 'milestone.removed')).toMatchObject([{ actorId: sam.id, payload: { milestoneId: added.id } }]);
		await expectStatus(removeVictory(db, sam, circleId, added.id, NOW), 404);

		// Automatic milestones are nobody's to remove.
		await inRecovery(sam, circleId);
		await startOn(sam, circleId, addDays(TODAY, -1));
		const [automatic] = await listMilestones(db, sam, circleId);
		expect(automatic).toMatchObject({ kind: 'automatic', title: '1 day' });
		await expectStatus(removeVictory(db, sam, circleId, automatic!.id, NOW), 403);
	});

	it('takes one cheer per member, whose message can be changed', async () => {
		const {
			circleId,
			people: [maria, sam, jo]
		} = await circleOf('UTC', 'Sam', 'Jo');
		const added = milestoneOf(await addVictory(db, sam, circleId, victory('Back at work', TODAY), NOW));
		const cheered = milestoneOf(await cheerMilestone(db, maria, circleId, added.id, 'So proud', NOW + 1));
		expect(cheered.cheers).toEqual([{ person: { id: maria.id, displayName: 'Maria' }, message: 'So proud', createdAt: NOW + 1, editedAt: null }]);
		expect((await failureOf(cheerMilestone(db, maria, circleId, added.id, 'Again', NOW + 2))).status).toBe(409);
		expect(await count('milestone_cheers')).toBe(1);
		expect(await eventsOf(circleId, 'milestone.cheered')).toHaveLength(1);

		const edited = milestoneOf(await editCheer(db, maria, circleId, added.id, 'So very proud', NOW + 3));
		expect(edited.cheers).toEqual([{ person: { id: maria.id, displayName: 'Maria' }, message: 'So very proud', createdAt: NOW + 1, editedAt: NOW + 3 }]);
		expect((await failureOf(editCheer(db, jo, circleId, added.id, 'Never cheered', NOW + 4))).status).toBe(409);
		milestoneOf(await cheerMilestone(db, jo, circleId, added.id, '', NOW + 5));
		expect((await listMilestones(db, sam, circleId))[0]?.cheers.map((cheer) => cheer.message)).toEqual(['So very proud', '']);
	});

	it('cannot be reached from another circle (404)', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('UTC', 'Sam');
		const added = milestoneOf(await addVictory(db, sam, circleId, victory('Ninety meetings', TODAY), NOW));
		const other = await circleOf('UTC');
		const stranger = other.people[0];
		await expectStatus(cheerMilestone(db, stranger, other.circleId, added.id, 'Hi', NOW), 404);
		await expectStatus(editCheer(db, stranger, other.circleId, added.id, 'Hi', NOW), 404);
		await expectStatus(removeVictory(db, stranger, other.circleId, added.id, NOW), 404);
		await expectStatus(cheerMilestone(db, stranger, circleId, added.id, 'Hi', NOW), 404);
		await expectStatus(cheerMilestone(db, maria, circleId, 'not-an-id!', 'Hi', NOW), 404);
		expect(await count('milestone_cheers')).toBe(0);
	});

	it('explains what is wrong in the victory and cheer forms', () => {
		const parse = (fields: Record<string, string>) =>
			parseVictoryForm(form({ title: 'Clean for a month', reachedOn: TODAY, note: '', forWhom: 'me', ...fields }), TODAY);
		expect(parse({})).toEqual({ ok: true, data: { title: 'Clean for a month', reachedOn: TODAY, note: '', forCircle: false } });
		expect(parse({ forWhom: 'circle', title: '  Family   dinner ' })).toEqual({
			ok: true,
			data: { title: 'Family dinner', reachedOn: TODAY, note: '', forCircle: true }
		});
		expect(parse({ title: '' })).toMatchObject({ ok: false, errors: { title: expect.any(String) } });
		expect(parse({ title: '   ' })).toMatchObject({ ok: false, errors: { title: expect.any(String) } });
		expect(parse({ title: 'x'.repeat(MILESTONE_TITLE_MAX + 1) })).toMatchObject({ ok: false, errors: { title: expect.stringMatching(/120/) } });
		expect(parse({ title: 'x'.repeat(MILESTONE_TITLE_MAX) }).ok).toBe(true);
		expect(parse({ reachedOn: '2031-01-01' })).toMatchObject({ ok: false, errors: { reachedOn: expect.stringMatching(/hasn’t come yet/) } });
		expect(parse({ reachedOn: '1899-01-01' })).toMatchObject({ ok: false, errors: { reachedOn: expect.stringMatching(/1900/) } });
		expect(parse({ reachedOn: '2026-02-30' })).toMatchObject({ ok: false, errors: { reachedOn: expect.stringMatching(/doesn’t exist/) } });
		expect(parse({ forWhom: 'everyone' })).toMatchObject({ ok: false, errors: { forWhom: expect.any(String) }, values: { forWhom: '' } });
		expect(parse({ forWhom: '' })).toMatchObject({ ok: false, errors: { forWhom: expect.any(String) } });

		expect(parseCheerForm(form({ message: 'x'.repeat(CHEER_MESSAGE_MAX + 1) }))).toMatchObject({
			ok: false,
			errors: { message: expect.stringMatching(/500/) }
		});
		expect(parseCheerForm(form({ message: 'x'.repeat(CHEER_MESSAGE_MAX) })).ok).toBe(true);
		expect(parseCheerForm(form({ message: ' Well done!\r\nLove, Mom ' }))).toEqual({ ok: true, data: { milestoneId: '', message: 'Well done!\nLove, Mom' } });
	});
});

// ---------------------------------------------------------------------------------------------
// 6. The circle's time zone
// ---------------------------------------------------------------------------------------------

describe('the circle’s time zone', () => {
	it('is the owner’s to change', async () => {
		const {
			circleId,
			people: [maria, sam]
		} = await circleOf('UTC', 'Sam');
		const admin = await join(circleId, maria, await addUser(db, 'Ana'), NOW, 'admin');
		await expectStatus(changeTimeZone(db, sam, circleId, 'Asia/Kolkata', NOW), 403);
		await expectStatus(changeTimeZone(db, admin, circleId, 'Asia/Kolkata', NOW), 403);
		await expectStatus(changeTimeZone(db, await addUser(db, 'Outsider'), circleId, 'Asia/Kolkata', NOW), 404);
		expect((await getMyRecovery(db, sam, circleId, NOW)).timeZone).toBe('UTC');

		expect(await changeTimeZone(db, maria, circleId, 'Pacific/Kiritimati', NOW)).toEqual({ timeZone: 'Pacific/Kiritimati' });
		expect(await eventsOf(circleId, 'circle.time-zone-changed')).toMatchObject([{ actorId: maria.id, payload: { timeZone: 'Pacific/Kiritimati' } }]);
		// Days are counted there from now on: at noon UTC it is already tomorrow in Kiritimati.
		const mine = await getMyRecovery(db, sam, circleId, NOW);
		expect(mine).toMatchObject({ timeZone: 'Pacific/Kiritimati', today: '2026-06-16' });
		await inRecovery(sam, circleId);
		expect(await setRecoveryDate(db, sam, circleId, '2026-06-16', NOW)).toEqual({ startedOn: '2026-06-16' });
	});

	it('refuses a zone that does not exist, even past the form', async () => {
		const {
			circleId,
			people: [maria]
		} = await circleOf('UTC');
		expect((await failureOf(changeTimeZone(db, maria, circleId, 'Mars/Olympus', NOW))).status).toBe(400);
		const { circleId: other } = await createCircle(db, maria, { name: 'Elsewhere', description: '', timeZone: 'Mars/Olympus' }, NOW);
		expect((await getMyRecovery(db, maria, other, NOW)).timeZone).toBe('UTC');
	});

	it('comes from the list of real time zones', () => {
		expect(parseTimeZoneForm(form({ timeZone: 'Mars/Olympus' }))).toEqual({
			ok: false,
			errors: { timeZone: expect.any(String) },
			values: { timeZone: 'Mars/Olympus' }
		});
		expect(parseTimeZoneForm(form({ timeZone: '' })).ok).toBe(false);
		expect(parseTimeZoneForm(form({ timeZone: 'Asia/Kolkata' }))).toEqual({ ok: true, data: { timeZone: 'Asia/Kolkata' } });
		expect(parseTimeZoneForm(form({ timeZone: ' Australia/Lord_Howe ' }))).toEqual({ ok: true, data: { timeZone: 'Australia/Lord_Howe' } });
	});
});
