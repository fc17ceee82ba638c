// The browser's merge of live events and catch-up replies (CircleSync), over adversarial orders:
// live before reply, reply before live, duplicates, gaps, stale replies, resets, and a seeded
// simulation of a busy circle with a client that drops and reconnects at random.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CATCH_UP_PAGES, CircleSync, GAP_GRACE_MS, type CircleSyncOptions } from '$lib/realtime/circle-sync';
import type { CircleEvent, CircleSyncResponse } from '$lib/realtime/events';

const CIRCLE = 'circleaaaa';

function event(seq: number): CircleEvent {
	return { seq, circleId: CIRCLE, actorId: null, type: 'circle.time-zone-changed', payload: { timeZone: `Zone/${seq}` }, createdAt: seq };
}

function range(from: number, to: number): CircleEvent[] {
	return Array.from({ length: to - from + 1 }, (_, i) => event(from + i));
}

interface Request {
	afterSeq: number;
	reply: (response: CircleSyncResponse) => void;
}

/** A CircleSync whose requests and deliveries the test sees. */
function harness(seq = 0, generation = 'g1', overrides: Partial<CircleSyncOptions> = {}) {
	const delivered: number[] = [];
	const requests: Request[] = [];
	const reloads: string[] = [];
	const sync = new CircleSync({
		position: { generation, seq },
		deliver: (events) => delivered.push(...events.map((e) => e.seq)),
		requestCatchUp: (afterSeq, reply) => requests.push({ afterSeq, reply }),
		reload: (reason) => reloads.push(reason),
		notFound: () => reloads.push('not-found'),
		...overrides
	});
	const ok = (events: CircleEvent[], complete = true, gen = generation): CircleSyncResponse => ({ ok: true, generation: gen, events, complete, online: [] });
	return { sync, delivered, requests, reloads, ok };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('CircleSync applies every event once, in order', () => {
	it('holds live events that overtake the catch-up reply, then applies the reply’s older ones first', () => {
		const { sync, delivered, requests, ok } = harness(10);
		sync.connected();
		expect(requests.map((r) => r.afterSeq)).toEqual([10]);
		sync.receive(event(13));
		sync.receive(event(14));
		expect(delivered).toEqual([]); // 11 and 12 are not there yet: nothing may skip them
		requests[0]!.reply(ok(range(11, 13)));
		expect(delivered).toEqual([11, 12, 13, 14]);
		expect(sync.applied).toBe(14);
		expect(sync.settled).toBe(true);
	});

	it('applies a reply that comes first, and ignores the live copies of what it already applied', () => {
		const { sync, delivered, requests, ok } = harness(10);
		sync.connected();
		requests[0]!.reply(ok(range(11, 12)));
		sync.receive(event(12));
		sync.receive(event(11));
		sync.receive(event(13));
		expect(delivered).toEqual([11, 12, 13]);
	});

	it('applies a duplicated live event once', () => {
		const { sync, delivered, requests, ok } = harness(0);
		sync.connected();
		requests[0]!.reply(ok([]));
		for (const seq of [1, 1, 2, 1, 2, 3, 3]) sync.receive(event(seq));
		expect(delivered).toEqual([1, 2, 3]);
	});

	it('asks for a gap that does not fill by itself, and applies what was held once it arrives', () => {
		const { sync, delivered, requests, ok } = harness(0);
		sync.connected();
		requests[0]!.reply(ok([]));
		sync.receive(event(1));
		sync.receive(event(3));
		sync.receive(event(4));
		expect(delivered).toEqual([1]);
		expect(requests).toHaveLength(1);
		vi.advanceTimersByTime(GAP_GRACE_MS);
		expect(requests.map((r) => r.afterSeq)).toEqual([0, 1]);
		requests[1]!.reply(ok(range(2, 4)));
		expect(delivered).toEqual([1, 2, 3, 4]);
		expect(sync.settled).toBe(true);
	});

	it('does not ask when an out-of-order gap fills within the grace period', () => {
		const { sync, delivered, requests, ok } = harness(0);
		sync.connected();
		requests[0]!.reply(ok([]));
		sync.receive(event(2));
		sync.receive(event(1));
		vi.advanceTimersByTime(GAP_GRACE_MS * 2);
		expect(delivered).toEqual([1, 2]);
		expect(requests).toHaveLength(1);
	});

	it('asks again after reconnecting when the reply to the first request never came', () => {
		const { sync, delivered, requests, ok } = harness(5);
		sync.connected();
		sync.disconnected();
		sync.connected();
		expect(requests.map((r) => r.afterSeq)).toEqual([5, 5]);
		requests[1]!.reply(ok(range(6, 7)));
		// The first reply turns up late: the same committed events, merged without doubling.
		requests[0]!.reply(ok(range(6, 8)));
		expect(delivered).toEqual([6, 7, 8]);
	});

	it('asks again from where an incomplete reply ended, a few times, before reloading', () => {
		const { sync, delivered, requests, reloads, ok } = harness(0);
		sync.connected();
		requests[0]!.reply(ok(range(1, 500), false));
		expect(requests.map((r) => r.afterSeq)).toEqual([0, 500]);
		requests[1]!.reply(ok(range(501, 700)));
		expect(delivered).toEqual(range(1, 700).map((e) => e.seq));
		expect(reloads).toEqual([]);
	});

	it('reloads when it is too far behind, holding live events until the new data’s position', () => {
		const { sync, delivered, requests, reloads, ok } = harness(0);
		sync.connected();
		sync.receive(event(CATCH_UP_PAGES * 500 + 101));
		for (let page = 0; page < CATCH_UP_PAGES; page++) requests[page]!.reply(ok(range(page * 500 + 1, page * 500 + 500), false));
		expect(reloads).toEqual(['too-far-behind']);
		expect(requests).toHaveLength(CATCH_UP_PAGES);
		const before = delivered.length;
		sync.receive(event(CATCH_UP_PAGES * 500 + 102));
		expect(delivered.length).toBe(before); // nothing applied while the data reloads
		sync.rebase({ generation: 'g1', seq: CATCH_UP_PAGES * 500 + 100 });
		expect(delivered.slice(before)).toEqual([CATCH_UP_PAGES * 500 + 101, CATCH_UP_PAGES * 500 + 102]);
		expect(requests.at(-1)!.afterSeq).toBe(CATCH_UP_PAGES * 500 + 102);
	});

	it('reloads when the server’s log is another history (a restored backup), and starts over from the new data', () => {
		const { sync, delivered, requests, reloads, ok } = harness(40, 'g1');
		sync.connected();
		requests[0]!.reply(ok(range(1, 3), true, 'g2'));
		expect(reloads).toEqual(['new-history']);
		expect(delivered).toEqual([]); // numbers of the other history are never applied
		sync.rebase({ generation: 'g2', seq: 3 });
		expect(sync.generation).toBe('g2');
		expect(requests.at(-1)!.afterSeq).toBe(3);
		requests.at(-1)!.reply(ok([event(4)], true, 'g2'));
		expect(delivered).toEqual([4]);
	});

	it('ignores new data of the same history while it is not reloading (views replay what they need)', () => {
		const { sync, requests } = harness(10);
		sync.connected();
		sync.rebase({ generation: 'g1', seq: 50 });
		expect(sync.applied).toBe(10);
		expect(requests).toHaveLength(1);
	});

	it('says the user is gone when the server does not know them in this circle', () => {
		const { sync, requests, reloads } = harness(10);
		sync.connected();
		requests[0]!.reply({ ok: false, reason: 'not-found' });
		expect(reloads).toEqual(['not-found']);
	});

	it('waits out a throttled answer as long as it is told, then asks again; nothing is lost or doubled meanwhile', () => {
		const { sync, delivered, requests, reloads, ok } = harness(10);
		sync.connected();
		requests[0]!.reply({ ok: false, reason: 'throttled', message: 'Too many requests', retryAfterMs: 1000 });
		expect(reloads).toEqual([]); // not "gone": the person is still in the circle
		expect(sync.settled).toBe(false);
		sync.receive(event(13));
		sync.receive(event(11));
		vi.advanceTimersByTime(GAP_GRACE_MS * 2); // a gap, but the wait is not over: nothing is asked
		expect(requests).toHaveLength(1);
		expect(delivered).toEqual([11]);
		vi.advanceTimersByTime(1000 - GAP_GRACE_MS * 2);
		expect(requests.map((r) => r.afterSeq)).toEqual([10, 11]);
		requests[1]!.reply(ok(range(11, 14)));
		expect(delivered).toEqual([11, 12, 13, 14]);
		expect(sync.settled).toBe(true);
	});

	it('asks at once on a new connection even while waiting out a throttled answer', () => {
		const { sync, requests, reloads } = harness(10);
		sync.connected();
		requests[0]!.reply({ ok: false, reason: 'throttled', retryAfterMs: 30_000 });
		sync.disconnected();
		sync.connected();
		expect(requests.map((r) => r.afterSeq)).toEqual([10, 10]);
		vi.advanceTimersByTime(30_000);
		expect(requests).toHaveLength(2); // the old wait was dropped with its connection
		expect(reloads).toEqual([]);
	});

	it('keeps the events a view needs to replay over data read at an earlier position', () => {
		const { sync, requests, ok } = harness(10);
		sync.connected();
		requests[0]!.reply(ok(range(11, 15)));
		expect(sync.eventsAfter(12)!.map((e) => e.seq)).toEqual([13, 14, 15]);
		expect(sync.eventsAfter(15)).toEqual([]);
		expect(sync.eventsAfter(20)).toEqual([]);
		expect(sync.eventsAfter(9)).toBeNull(); // from before what it has seen: the view reloads
	});
});

/** A small seeded PRNG (mulberry32), so every run plays the same schedule. */
function random(seed: number) {
	return () => {
		seed = (seed + 0x6d2b79f5) | 0;
		let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

describe('CircleSync in a busy circle (seeded simulation)', () => {
	// Half the seeds with a server that refuses a third of the catch-ups as throttled.
	for (const [seed, throttleRate] of [1, 2, 3, 4, 5, 6, 7, 8].flatMap((seed) => [[seed, 0] as const, [seed + 100, 0.3] as const])) {
		it(`ends with exactly the server’s log, whatever the interleaving (seed ${seed}${throttleRate ? ', throttled at times' : ''})`, () => {
			const rand = random(seed);
			const log: CircleEvent[] = [];
			const delivered: number[] = [];
			/** Messages on their way to the client, each due at a tick: live events and replies. */
			let wire: Array<{ due: number; run: () => void }> = [];
			let tick = 0;
			let connected = false;
			const sync = new CircleSync({
				position: { generation: 'g', seq: 0 },
				deliver: (events) => delivered.push(...events.map((e) => e.seq)),
				requestCatchUp: (afterSeq, reply) => {
					// The server reads what has committed by the time the request gets there.
					const at = tick + 1 + Math.floor(rand() * 4);
					wire.push({
						due: at + 1 + Math.floor(rand() * 4),
						run: () => {
							if (rand() < throttleRate) return reply({ ok: false, reason: 'throttled', retryAfterMs: Math.floor(rand() * 2000) });
							const after = log.filter((e) => e.seq > afterSeq);
							reply({ ok: true, generation: 'g', events: after.slice(0, 500), complete: after.length <= 500, online: [] });
						}
					});
				},
				reload: () => sync.rebase({ generation: 'g', seq: log.length }),
				notFound: () => {
					throw new Error('told the user is gone');
				}
			});
			connected = true;
			sync.connected();
			for (tick = 0; tick < 3000; tick++) {
				// Several writers commit a few events a tick; each is published live to a connected
				// client, sometimes overtaking another (out-of-order delivery), sometimes twice.
				const commits = Math.floor(rand() * 3);
				for (let c = 0; c < commits; c++) {
					const committed = event(log.length + 1);
					log.push(committed);
					if (connected) {
						const due = tick + 1 + Math.floor(rand() * 3);
						wire.push({ due, run: () => connected && sync.receive(committed) });
						if (rand() < 0.05) wire.push({ due: due + 2, run: () => connected && sync.receive(committed) });
					}
				}
				// Drops and reconnects at random moments: what is on the wire to a dropped socket is lost.
				if (connected && rand() < 0.02) {
					connected = false;
					wire = [];
					sync.disconnected();
				} else if (!connected && rand() < 0.2) {
					connected = true;
					sync.connected();
				}
				const now = wire.filter((message) => message.due <= tick);
				wire = wire.filter((message) => message.due > tick);
				for (const message of now) message.run();
				vi.advanceTimersByTime(20);
			}
			// Quiet at the end: reconnect and let everything arrive.
			if (!connected) {
				connected = true;
				sync.connected();
			}
			for (let rest = 0; rest < 50 && (wire.length > 0 || !sync.settled); rest++) {
				tick++;
				const now = wire;
				wire = [];
				for (const message of now) message.run();
				vi.advanceTimersByTime(GAP_GRACE_MS);
			}
			expect(log.length).toBeGreaterThan(2000);
			expect(delivered).toEqual(log.map((e) => e.seq));
			expect(sync.settled).toBe(true);
		});
	}
});
