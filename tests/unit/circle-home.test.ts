// The circle home page's one-read loader (src/lib/server/circles/home.ts) must show exactly what
// the separate domain reads show, while checking the membership once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionUser } from '$lib/server/auth/sessions';
import { AGREEMENT_CATEGORIES, isWaitingFor, type AgreementCategory } from '$lib/agreements';
import { loadCircleHome } from '$lib/server/circles/home';
import { requireMember } from '$lib/server/circles/access';
import * as circles from '$lib/server/circles/circles';
import { createCircle } from '$lib/server/circles/circles';
import { listCheckIns, postCheckIn } from '$lib/server/checkins/checkins';
import * as agreements from '$lib/server/boundaries/agreements';
import * as recovery from '$lib/server/milestones/recovery';
import { asMember } from './support/as-member';
import { joinCircle } from './support/circles';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from './support/database';
import { addUser } from './support/people';

// "Sam does X in circle C": membership checked as a route checks it, then the domain function.
const updateOwnProfile = asMember(circles.updateOwnProfile);
const listMembers = asMember(circles.listMembers);
const recentActivity = asMember(circles.loadRecentActivity);
const proposeAgreement = asMember(agreements.proposeAgreement);
const listAgreements = asMember(agreements.listAgreements);
const answerProposal = asMember(agreements.answerProposal);
const setRecoveryDate = asMember(recovery.setRecoveryDate);
const listRecoverySummaries = asMember(recovery.listRecoverySummaries);

let testDb: TestDatabase;
beforeEach(async () => {
	testDb = await createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

const DAY = 24 * 3600 * 1000;
const NOW = Date.UTC(2026, 10, 20, 15);
const category = Object.keys(AGREEMENT_CATEGORIES)[0] as AgreementCategory;

function agreement(title: string) {
	return { title, category, body: `We agree: ${title}.`, support: '', consequence: '', reviewOn: null };
}

async function join(circleId: string, owner: SessionUser, name: string, at: number) {
	return joinCircle(testDb.db, circleId, owner, await addUser(testDb.db, name), at);
}

/** A lived-in circle: people in recovery, agreements in every state, more check-ins than a page. */
async function livedInCircle() {
	const db = testDb.db;
	const start = NOW - 60 * DAY;
	const maria = await addUser(db, 'Maria');
	const { circleId } = await createCircle(db, maria, { name: 'The Garcias', description: '' }, start);
	const sam = await join(circleId, maria, 'Sam', start + 1000);
	const ana = await join(circleId, maria, 'Ana', start + 2000);
	await updateOwnProfile(db, sam, circleId, { relationship: 'son', inRecovery: true }, start + 3000);
	await updateOwnProfile(db, ana, circleId, { relationship: 'daughter', inRecovery: true }, start + 4000);
	await updateOwnProfile(db, maria, circleId, { relationship: 'mum', inRecovery: false }, start + 5000);
	await setRecoveryDate(db, sam, circleId, '2026-10-01', NOW - 10 * DAY);
	await setRecoveryDate(db, ana, circleId, '2026-11-01', NOW - 10 * DAY);

	// Agreed by all three, then someone new joins: it waits for their acknowledgement.
	const agreed = await proposeAgreement(db, maria, circleId, agreement('Phones off at dinner'), start + 7000);
	const [first] = await listAgreements(db, maria, circleId, start + 7000);
	for (const person of [maria, sam, ana]) {
		await answerProposal(db, person, circleId, agreed.agreementId, first!.openProposal!.id, { answer: 'agree', comment: '' }, start + 8000);
	}
	const lee = await join(circleId, maria, 'Lee', start + 9000);
	// Waiting for everyone but Sam, who proposed and agreed.
	const open = await proposeAgreement(db, sam, circleId, agreement('Sunday calls'), start + 10_000);
	const sundayCalls = (await listAgreements(db, sam, circleId, start + 10_000)).find((a) => a.id === open.agreementId)!;
	await answerProposal(db, sam, circleId, open.agreementId, sundayCalls.openProposal!.id, { answer: 'agree', comment: '' }, start + 11_000);

	for (let i = 0; i < 45; i++) {
		const author = [maria, sam, ana, lee][i % 4]!;
		await postCheckIn(
			db,
			await requireMember(db, author, circleId),
			{ mood: (i % 5) + 1, craving: null, need: null, body: `Check-in ${i}` },
			start + 20_000 + i * 1000
		);
	}
	return { circleId, people: { maria, sam, ana, lee } };
}

describe('the circle home page loader', () => {
	it('shows each member what the separate reads show them', async () => {
		const { circleId, people } = await livedInCircle();
		for (const person of Object.values(people)) {
			const access = await requireMember(testDb.db, person, circleId);
			const home = await loadCircleHome(testDb.db, access, { now: NOW });
			const members = await listMembers(testDb.db, person, circleId);
			const me = members.find((member) => member.userId === person.id)!;
			expect(home.feed).toEqual(await listCheckIns(testDb.db, access));
			expect(home.memberCount).toBe(members.length);
			expect(home.inRecovery).toEqual(members.filter((member) => member.inRecovery).map((member) => member.displayName));
			expect(home.iAmInRecovery).toBe(me.inRecovery);
			expect(home.needsProfile).toBe(!me.relationship && !me.inRecovery);
			expect(home.activity).toEqual(await recentActivity(testDb.db, person, circleId, 8));
			expect(home.recovery).toEqual(await listRecoverySummaries(testDb.db, person, circleId, NOW));
			const waiting = (await listAgreements(testDb.db, person, circleId, NOW)).filter((a) => isWaitingFor(a, person.id)).length;
			expect(home.agreementsWaitingForMe).toBe(waiting);
		}
	});

	it('counts what waits for each person: an open proposal, and an acknowledgement for a newcomer', async () => {
		const { circleId, people } = await livedInCircle();
		const homeOf = async (person: SessionUser) => loadCircleHome(testDb.db, await requireMember(testDb.db, person, circleId), { now: NOW });
		const count = async (person: SessionUser) => (await homeOf(person)).agreementsWaitingForMe;
		expect(await count(people.sam)).toBe(0);
		expect(await count(people.maria)).toBe(1);
		expect(await count(people.lee)).toBe(2);
		const home = await homeOf(people.lee);
		expect(home.recovery.map((summary) => summary.person.displayName)).toEqual(['Sam', 'Ana']);
		expect(home.feed.checkins).toHaveLength(20);
		expect(home.feed.nextCursor).not.toBeNull();
		expect(home.activity.length).toBe(8);
		expect(home.activity.every((item) => !/check/i.test(item.text))).toBe(true);
	});

	it('is not found for anyone outside the circle, and for made-up ids: they get no access to load it with', async () => {
		const { circleId } = await livedInCircle();
		const outsider = await addUser(testDb.db, 'Outsider');
		// Signed out, there is no user to ask with: the route sends them to log in (authorization-matrix.test.ts).
		for (const [user, id] of [
			[outsider, circleId],
			[outsider, 'nosuchcircle'],
			[outsider, '<script>']
		] as const) {
			await expect(requireMember(testDb.db, user, id)).rejects.toMatchObject({ reason: 'not-found' });
		}
	});

	// SQLite's query plan: PostgreSQL's planner picks by table statistics, which tests' tiny tables do not have.
	it.skipIf(TEST_DIALECT !== 'sqlite')('reads recent activity through the activity index, not by skipping check-in events', async () => {
		if (testDb.dialect !== 'sqlite') return;
		const { circleId, people } = await livedInCircle();
		const prepared: string[] = [];
		const prepare = testDb.sqlite.prepare.bind(testDb.sqlite);
		vi.spyOn(testDb.sqlite, 'prepare').mockImplementation(((source: string) => {
			prepared.push(source);
			return prepare(source);
		}) as typeof testDb.sqlite.prepare);
		const activity = await recentActivity(testDb.db, people.maria, circleId, 50);
		vi.restoreAllMocks();
		const query = prepared.find((source) => source.includes('from "circle_events"'));
		expect(query).toBeDefined();
		const parameters = [circleId, 50].slice(0, (query!.match(/\?/g) ?? []).length);
		const plan = (await testDb.all(`EXPLAIN QUERY PLAN ${query}`, ...parameters)) as Array<{ detail: string }>;
		expect(plan.map((row) => row.detail).join('\n')).toMatch(/USING (COVERING )?INDEX circle_events_activity/);
		// The activity is every event but check-ins and invites.
		const eventCount = await testDb.value(
			`SELECT count(*) FROM circle_events WHERE circle_id = ? AND type NOT LIKE 'checkin.%' AND type NOT LIKE 'invite.%'`,
			circleId
		);
		expect(activity).toHaveLength(eventCount as number);
	});
});
