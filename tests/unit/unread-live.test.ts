// The browser's side of "3 new" (src/lib/unread): counts from the server, live events added once
// each, a reconnect recounting rather than trusting what was added, a read elsewhere clearing;
// and the throttle on marks sent to the server. Over a fake socket and fake timers (no database).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { CircleEvent, ClientToServerEvents, ServerToClientEvents } from '$lib/realtime/events';
import type { UnreadCount } from '$lib/unread';
import { Unread } from '$lib/unread/unread.svelte';
import { READ_MARK_INTERVAL_MS, ReadMarks } from '$lib/unread/read-marks';
import { titlePrefix } from '$lib/unread/attention';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const ME = 'me';
const OTHER = 'other';

/** Just enough of a socket.io client: handlers by name, emits recorded, answers given by the test. */
class FakeSocket {
	connected = true;
	readonly handlers = new Map<string, Set<(...args: unknown[]) => void>>();
	readonly asked: Array<(answer: unknown) => void> = [];
	readonly marks: Array<{ circleId: string; seq: number }> = [];
	on(name: string, handler: (...args: unknown[]) => void) {
		if (!this.handlers.has(name)) this.handlers.set(name, new Set());
		this.handlers.get(name)!.add(handler);
		return this;
	}
	off(name: string, handler: (...args: unknown[]) => void) {
		this.handlers.get(name)?.delete(handler);
		return this;
	}
	emit(name: string, ...args: unknown[]) {
		if (name === 'unread:counts') this.asked.push(args[0] as (answer: unknown) => void);
		if (name === 'circle:read') this.marks.push(args[0] as { circleId: string; seq: number });
		return this;
	}
	/** The server sends this to the page. */
	send(name: string, payload: unknown) {
		for (const handler of this.handlers.get(name) ?? []) handler(payload);
	}
	/** The server answers the oldest count asked for. */
	answer(counts: UnreadCount[]) {
		this.asked.shift()!({ ok: true, counts });
	}
}

function event(circleId: string, seq: number, type: CircleEvent['type'] = 'checkin.posted', actorId: string | null = OTHER): CircleEvent {
	return { circleId, seq, type, actorId, payload: {}, createdAt: 0 } as CircleEvent;
}

function start(counts: UnreadCount[]) {
	const socket = new FakeSocket();
	const unread = new Unread(socket as unknown as Socket<ServerToClientEvents, ClientToServerEvents>, ME);
	socket.answer(counts);
	return { socket, unread };
}

const circle = (circleId: string, count: number, latestSeq: number, readSeq = latestSeq - count): UnreadCount => ({ circleId, count, latestSeq, readSeq });

describe('the counts in the browser', () => {
	it('start from the server’s and add each new event after it once, in any order', () => {
		const { socket, unread } = start([circle('a', 2, 10), circle('b', 0, 4)]);
		expect(unread.ready).toBe(true);
		expect(unread.total).toBe(2);
		socket.send('circle:event', event('a', 10)); // already in the count
		socket.send('circle:event', event('a', 12));
		socket.send('circle:event', event('a', 11));
		socket.send('circle:event', event('a', 12)); // again
		socket.send('circle:event', event('b', 5, 'checkin.posted', ME)); // my own
		socket.send('circle:event', event('b', 6, 'invite.created')); // housekeeping
		socket.send('circle:event', event('b', 7, 'member.joined'));
		expect(unread.countOf('a')).toBe(4);
		expect(unread.countOf('b')).toBe(1);
		expect(unread.total).toBe(5);
	});

	it('recount on every reconnect instead of trusting what was added, and hold what arrives meanwhile', () => {
		const { socket, unread } = start([circle('a', 1, 10)]);
		socket.send('circle:event', event('a', 11));
		expect(unread.countOf('a')).toBe(2);
		// Offline a while: events were missed, one was read on another device.
		socket.send('connect', undefined);
		socket.send('circle:event', event('a', 14)); // arrives before the answer, which does not include it
		socket.send('circle:event', event('a', 13)); // arrives before the answer, which includes it
		socket.answer([circle('a', 2, 13)]);
		expect(unread.countOf('a')).toBe(3);
	});

	it('ask again when who sees a check-in changed: narrowed (its stand-in, once per check-in) or widened (someone’s edit)', () => {
		const hidden = (circleId: string, seq: number, checkinId: string) =>
			({ circleId, seq, type: 'checkin.hidden', actorId: null, payload: { checkinId }, createdAt: 0 }) as CircleEvent;
		const edited = (circleId: string, seq: number, checkinId: string, actorId: string) =>
			({ circleId, seq, type: 'checkin.edited', actorId, payload: { checkin: { id: checkinId } }, createdAt: 0 }) as CircleEvent;
		const asksAfterAWhile = (socket: FakeSocket) => {
			vi.advanceTimersByTime(1000);
			return socket.asked.length;
		};
		const { socket, unread } = start([circle('a', 1, 10), circle('b', 0, 20)]);
		socket.send('circle:event', event('a', 11)); // a check-in for everyone
		expect(unread.countOf('a')).toBe(2);
		// Narrowed, it comes as its stand-in: what still counts is the server's to say.
		socket.send('circle:event', hidden('a', 12, 'x'));
		expect(unread.countOf('a')).toBe(2);
		expect(asksAfterAWhile(socket)).toBe(1);
		socket.answer([circle('a', 1, 12), circle('b', 0, 20)]);
		expect(unread.countOf('a')).toBe(1);
		// More stand-ins for it (responses to it) change nothing; nor one where nothing counts.
		socket.send('circle:event', hidden('a', 13, 'x'));
		socket.send('circle:event', hidden('b', 21, 'y'));
		expect(asksAfterAWhile(socket)).toBe(0);
		// Widened (someone else's edit): its posting may count again.
		socket.send('circle:event', edited('b', 22, 'y', OTHER));
		expect(asksAfterAWhile(socket)).toBe(1);
		socket.answer([circle('a', 1, 13), circle('b', 1, 22)]);
		expect(unread.countOf('b')).toBe(1);
		// My own edits change nothing of mine; narrowed again, its stand-in is news again.
		socket.send('circle:event', edited('a', 14, 'z', ME));
		expect(asksAfterAWhile(socket)).toBe(0);
		socket.send('circle:event', hidden('b', 23, 'y'));
		expect(asksAfterAWhile(socket)).toBe(1);
		socket.answer([circle('a', 1, 14), circle('b', 0, 23)]);
		expect(unread.total).toBe(1);
		// Already read: nothing after it counts, so nothing to ask.
		unread.markRead('a', 15);
		socket.send('circle:event', hidden('a', 15, 'w'));
		expect(asksAfterAWhile(socket)).toBe(0);
	});

	it('clear when read here or on another device; a read of only part recounts', () => {
		const { socket, unread } = start([circle('a', 3, 10), circle('b', 2, 20)]);
		unread.markRead('a', 10);
		expect(unread.countOf('a')).toBe(0);
		socket.send('circle:read', { circleId: 'b', seq: 20 });
		expect(unread.countOf('b')).toBe(0);
		expect(unread.total).toBe(0);
		socket.send('circle:event', event('a', 11));
		socket.send('circle:read', { circleId: 'a', seq: 10 }); // an older read: changes nothing
		expect(unread.countOf('a')).toBe(1);

		socket.send('circle:event', event('b', 21));
		socket.send('circle:event', event('b', 22));
		socket.send('circle:read', { circleId: 'b', seq: 21 });
		expect(socket.asked).toHaveLength(0);
		vi.runOnlyPendingTimers();
		expect(socket.asked).toHaveLength(1);
		socket.answer([circle('a', 1, 11), circle('b', 1, 22)]);
		expect(unread.countOf('b')).toBe(1);
	});

	it('keep a read made here over a count the server read before it', () => {
		const { socket, unread } = start([circle('a', 3, 10)]);
		socket.send('connect', undefined);
		unread.markRead('a', 10);
		socket.answer([circle('a', 3, 10)]); // read before the mark reached the server
		expect(unread.countOf('a')).toBe(0);
	});

	it('ask again for a circle they did not know (just joined), and forget one left', () => {
		const { socket, unread } = start([circle('a', 0, 3)]);
		socket.send('circle:event', event('new', 7, 'checkin.posted'));
		vi.runOnlyPendingTimers();
		socket.answer([circle('a', 0, 3), circle('new', 1, 7)]);
		expect(unread.countOf('new')).toBe(1);
		socket.send('circle:gone', { circleId: 'new', reason: 'removed' });
		expect(unread.countOf('new')).toBeUndefined();
		expect(unread.total).toBe(0);
	});

	it('show the total in front of the title, "99+" beyond the cap', () => {
		expect(titlePrefix(0)).toBe('');
		expect(titlePrefix(3)).toBe('(3) ');
		expect(titlePrefix(250)).toBe('(99+) ');
	});
});

describe('marks sent to the server', () => {
	it('go at most once per circle per interval, and the last one always goes', () => {
		const sent: Array<[string, number]> = [];
		const marks = new ReadMarks({ send: (circleId, seq) => sent.push([circleId, seq]) });
		marks.mark('a', 5);
		marks.mark('a', 6);
		marks.mark('a', 7);
		marks.mark('b', 1);
		marks.mark('a', 4); // behind what was sent
		expect(sent).toEqual([
			['a', 5],
			['b', 1]
		]);
		vi.advanceTimersByTime(READ_MARK_INTERVAL_MS - 1);
		expect(sent).toHaveLength(2);
		vi.advanceTimersByTime(1);
		expect(sent).toEqual([
			['a', 5],
			['b', 1],
			['a', 7]
		]);
		marks.mark('a', 8);
		marks.flush(); // the tab is hidden: what waits goes now
		expect(sent.at(-1)).toEqual(['a', 8]);
		vi.advanceTimersByTime(10 * READ_MARK_INTERVAL_MS);
		expect(sent).toHaveLength(4);
	});
});
