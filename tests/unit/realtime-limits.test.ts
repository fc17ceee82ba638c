// Rate limits on socket messages (server/realtime/limits.ts), with real socket.io clients against
// the app's realtime wiring: per socket, per user across their sockets, and at most a few catch-up
// reads under way. The allowances run on a clock the test moves by hand, so nothing here waits for
// time to pass; catch-up reads are counted where they reach the committed reader (a plugin on it).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KyselyPlugin } from 'kysely';
import type { SessionUser } from '$lib/server/auth/sessions';
import { changeTimeZone } from '$lib/server/circles/circles';
import { appendCircleEvent, latestCircleEventSeq } from '$lib/server/circles/events';
import { CATCH_UP_PAGES, CircleSync, GAP_GRACE_MS } from '$lib/realtime/circle-sync';
import type { CircleEvent, CircleSyncResponse } from '$lib/realtime/events';
import { startRealtime, THROTTLED_MESSAGE } from '$lib/server/realtime';
import { SOCKET_CONCURRENT_READS, SOCKET_RATE, SOCKET_WAITING_READS, USER_CONCURRENT_READS, USER_RATE } from '$lib/server/realtime/limits';
import { createTestDatabase, type TestDatabase } from './support/database';
import { circleOf } from './support/circles';
import { startSocketServer, type TestClient as Client } from './support/socket-server';

let testDb: TestDatabase;
let server: Awaited<ReturnType<typeof startSocketServer>>;
/** The limits' clock: it moves only when a test moves it. */
let clock = Date.now();

/**
 * Catch-up reads on the committed reader: how many are under way now, at most, and in all; and
 * how many read each circle's events (a read an earlier test let in can still finish during the
 * next one, on PostgreSQL's slower round trips: per circle, it is counted for its own test).
 */
const reads = { now: 0, most: 0, all: 0, ofCircle: new Map<string, number>() };
const readsOf = (circleId: string) => reads.ofCircle.get(circleId) ?? 0;
const countReads: KyselyPlugin = {
	transformQuery(args) {
		reads.now += 1;
		reads.all += 1;
		reads.most = Math.max(reads.most, reads.now);
		return args.node;
	},
	async transformResult(args) {
		reads.now -= 1;
		const circleId = (args.result.rows[0] as { circle_id?: string } | undefined)?.circle_id;
		if (circleId) reads.ofCircle.set(circleId, readsOf(circleId) + 1);
		return args.result;
	}
};

beforeAll(async () => {
	testDb = await createTestDatabase();
	server = await startSocketServer();
	startRealtime(testDb.db, { committed: testDb.committed.withPlugin(countReads), generation: testDb.generation }, { now: () => clock });
});

afterAll(async () => {
	await server.close();
	await testDb.dispose();
});

beforeEach(async () => {
	// Every test starts a minute later, so whatever allowance an earlier one used is back.
	clock += 60_000;
	Object.assign(reads, { now: 0, most: 0, all: 0, ofCircle: new Map() });
});

function connectAs(user: SessionUser): Promise<Client> {
	return server.signedIn(testDb.db, user);
}

function sync(socket: Client, circleId: string, afterSeq: number): Promise<CircleSyncResponse> {
	return new Promise((resolve) => socket.emit('circle:sync', { circleId, afterSeq }, resolve));
}

/** Polls until `check` passes or the deadline; the assertion decides, not the clock. */
async function eventually(check: () => void, deadlineMs = 5000) {
	const until = Date.now() + deadlineMs;
	for (;;) {
		try {
			return check();
		} catch (error) {
			if (Date.now() > until) throw error;
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
	}
}

/** A circle with a long history: every catch-up from 0 reads a full page of 500 events. */
async function busyCircle(events = 520) {
	const circle = await circleOf(testDb.db, ['Sam', 'Ben']);
	await testDb.db.transaction().execute(async (trx) => {
		for (let i = 0; i < events; i++) {
			await appendCircleEvent(trx, { circleId: circle.circleId, actorId: null, type: 'circle.time-zone-changed', payload: { timeZone: 'UTC' }, now: clock });
		}
	});
	return circle;
}

const throttledAnswer = { ok: false, reason: 'throttled', message: THROTTLED_MESSAGE, retryAfterMs: expect.any(Number) };

describe('socket messages are rate-limited', () => {
	it('answers a burst of 300 catch-ups from one socket with throttled refusals, reads one at a time, and then disconnects it', async () => {
		const { circleId, owner } = await busyCircle();
		const socket = await connectAs(owner);
		const answers: CircleSyncResponse[] = [];
		const gone = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
		for (let i = 0; i < 300; i++) socket.emit('circle:sync', { circleId, afterSeq: 0 }, (answer) => answers.push(answer));
		await gone;
		await eventually(() => expect(reads.now).toBe(0));

		const refused = answers.filter((answer) => !answer.ok);
		expect(refused.length).toBeGreaterThan(0);
		for (const answer of refused) expect(answer).toEqual(throttledAnswer);
		for (const answer of refused) expect(!answer.ok && answer.retryAfterMs).toBeGreaterThan(0);
		expect(answers.filter((answer) => answer.ok).length).toBeLessThanOrEqual(SOCKET_RATE.burst);
		// Never more than one 500-event read under way for the socket, and only a few in all.
		expect(reads.most).toBeLessThanOrEqual(SOCKET_CONCURRENT_READS);
		expect(reads.all).toBeLessThanOrEqual(SOCKET_CONCURRENT_READS + SOCKET_WAITING_READS);
		expect(socket.connected).toBe(false);
	});

	it('answers a smaller burst in full without disconnecting: a few wait their turn for the one read, the rest are refused', async () => {
		const { circleId, owner } = await busyCircle();
		const socket = await connectAs(owner);
		const burst = SOCKET_RATE.burst + 10;
		const answers = await Promise.all(Array.from({ length: burst }, () => sync(socket, circleId, 0)));

		const ok = answers.filter((answer) => answer.ok);
		expect(ok.length).toBeGreaterThan(0);
		for (const answer of ok) expect(answer.ok && answer.events).toHaveLength(500);
		// The clock stands still: whatever is over the allowance is refused, whatever the timing.
		expect(answers.length - ok.length).toBeGreaterThanOrEqual(burst - SOCKET_RATE.burst);
		for (const answer of answers.filter((a) => !a.ok)) expect(answer).toEqual(throttledAnswer);
		expect(reads.most).toBeLessThanOrEqual(SOCKET_CONCURRENT_READS);
		expect(readsOf(circleId)).toBe(ok.length);
		expect(socket.connected).toBe(true);
	});

	it('limits a user across all their sockets, and reads only a couple at a time for them', async () => {
		const {
			circleId,
			people: [, sam, ben]
		} = await busyCircle();
		const tabs = await Promise.all([1, 2, 3, 4, 5].map(() => connectAs(sam)));
		const benSocket = await connectAs(ben);
		// Each tab asks one at a time, never more than its own allowance: only the shared one runs out.
		const perTab = SOCKET_RATE.burst;
		const answers = (
			await Promise.all(
				tabs.map(async (tab) => {
					const mine: CircleSyncResponse[] = [];
					for (let i = 0; i < perTab; i++) mine.push(await sync(tab, circleId, 0));
					return mine;
				})
			)
		).flat();
		expect(tabs.length * perTab).toBeGreaterThan(USER_RATE.burst);
		expect(answers.filter((answer) => answer.ok)).toHaveLength(USER_RATE.burst);
		for (const answer of answers.filter((a) => !a.ok)) expect(answer).toEqual(throttledAnswer);
		expect(reads.most).toBeLessThanOrEqual(USER_CONCURRENT_READS);
		// Refused, not disconnected: they did not ask again without waiting.
		for (const tab of tabs) expect(tab.connected).toBe(true);

		// Someone else in the circle is not held back by Sam's tabs.
		expect(await sync(benSocket, circleId, 0)).toMatchObject({ ok: true });
		// Once the wait has passed, Sam is answered again.
		const wait = Math.max(...answers.map((answer) => (answer.ok ? 0 : (answer.retryAfterMs ?? 0))));
		clock += wait;
		expect(await sync(tabs[0]!, circleId, 0)).toMatchObject({ ok: true });
	});

	it('never refuses pages that ask as a Hearth page does, even three tabs of one person at once', async () => {
		const { circleId, owner } = await circleOf(testDb.db, []);
		const latest = await latestCircleEventSeq(testDb.db, circleId);
		const answers: CircleSyncResponse[] = [];
		// Each tab connects and asks a few pages in a row (far behind), then asks for a gap as often
		// as CircleSync ever does for 30 simulated seconds (long enough to run dry any allowance
		// that refills slower than a page asks), then reconnects and does it again for 5.
		for (const seconds of [30, 5]) {
			const tabs = await Promise.all([1, 2, 3].map(() => connectAs(owner)));
			await Promise.all(
				tabs.map(async (tab) => {
					for (let page = 0; page <= CATCH_UP_PAGES; page++) answers.push(await sync(tab, circleId, latest));
				})
			);
			for (let step = 0; step < (seconds * 1000) / GAP_GRACE_MS; step++) {
				clock += GAP_GRACE_MS;
				answers.push(...(await Promise.all(tabs.map((tab) => sync(tab, circleId, latest)))));
			}
			for (const tab of tabs) tab.disconnect();
		}
		expect(answers.length).toBeGreaterThan(300);
		expect(answers.filter((answer) => !answer.ok)).toEqual([]);
	});

	it('counts every kind of message, not only catch-ups', async () => {
		const { circleId, owner } = await circleOf(testDb.db, []);
		const socket = await connectAs(owner);
		const emit = (socket.emit as (...args: unknown[]) => void).bind(socket);
		const answers: unknown[] = [];
		for (let i = 0; i < SOCKET_RATE.burst; i++) emit('no-such-message', { i }, (answer: unknown) => answers.push(answer));
		expect(await sync(socket, circleId, 0)).toEqual(throttledAnswer);
		expect(reads.all).toBe(0);
	});

	it('lets the page’s CircleSync wait out a throttled catch-up and then apply everything, once, in order', async () => {
		const { circleId, owner, accessOf } = await circleOf(testDb.db, []);
		const start = await latestCircleEventSeq(testDb.db, circleId);
		// Other tabs of the same person have used up their shared allowance.
		const busy = await Promise.all([1, 2, 3].map(() => connectAs(owner)));
		for (const tab of busy) for (let i = 0; i < USER_RATE.burst / busy.length; i++) await sync(tab, circleId, start);

		const socket = await connectAs(owner);
		const timers: Array<{ run: () => void; at: number }> = [];
		const delivered: number[] = [];
		const replies: CircleSyncResponse[] = [];
		let gone = false;
		const page = new CircleSync({
			position: { generation: testDb.generation, seq: start },
			deliver: (events) => delivered.push(...events.map((e) => e.seq)),
			requestCatchUp: (afterSeq, replied) =>
				socket.emit('circle:sync', { circleId, afterSeq }, (response) => {
					replies.push(response);
					replied(response);
				}),
			reload: () => {},
			notFound: () => (gone = true),
			setTimer: (run, ms) => {
				const timer = { run, at: clock + ms };
				timers.push(timer);
				return timer;
			},
			clearTimer: (timer) => timers.splice(timers.indexOf(timer as (typeof timers)[number]), 1)
		});
		socket.on('circle:event', (event: CircleEvent) => event.circleId === circleId && page.receive(event));
		page.connected();
		await eventually(() => expect(replies).toEqual([throttledAnswer]));
		expect(gone).toBe(false);
		expect(page.settled).toBe(false);

		// Meanwhile the circle moves on; live copies of these may or may not reach the page.
		for (const zone of ['Europe/Paris', 'Asia/Kolkata', 'America/Denver']) await changeTimeZone(testDb.db, await accessOf(owner), zone);

		// One retry is waiting, no sooner than the server said; when it runs it is answered.
		expect(timers).toHaveLength(1);
		const [retry] = timers;
		expect(retry!.at - clock).toBeGreaterThanOrEqual(replies[0]!.ok ? 0 : replies[0]!.retryAfterMs!);
		clock = retry!.at;
		timers.length = 0;
		retry!.run();
		await eventually(() => expect(replies).toHaveLength(2));
		expect(replies[1]).toMatchObject({ ok: true });
		expect(delivered).toEqual([start + 1, start + 2, start + 3]);
		expect(page.settled).toBe(true);
		page.close();
	});
});
