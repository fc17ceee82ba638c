// "3 new" in the browser: how many new events each of the signed-in person's circles holds for
// them, kept live over the tab's one socket (which is in all their circles' rooms).
//
// Nothing is counted twice, and nothing is lost over a reconnect: on every (re)connect the counts
// are read from the server again (`unread:counts`), each with the newest event it reflects. Only
// events newer than that are added here, each once (by its number), and only those the one rule
// ($lib/unread.ts) calls new. Events that arrive while a count is on its way wait for it. Reading
// a circle, here or on another device (`circle:read`), clears it.
//
// Who sees a check-in can change after it counted (issue 20): narrowed, its posting and replies no
// longer count for those left out (they get a `checkin.hidden` stand-in); widened by an edit, they
// count again. Which of its events those were only the server knows, so either asks it again.
import { getContext, setContext } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';
import type { Socket } from 'socket.io-client';
import { isCheckInEvent, type CircleEvent, type ClientToServerEvents, type ServerToClientEvents } from '$lib/realtime/events';
import { countsAsNew, UNREAD_CAP, type UnreadCount } from '$lib/unread';
import { ReadMarks } from './read-marks';

/** A circle the counts did not know of (just joined), or an account deleted: read again after this. */
const RECOUNT_SOON_MS = 500;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;

interface CircleState {
	/** Every event up to here is accounted for (counted, or not new, or read). */
	base: number;
	/** Events after `base` already accounted for (they came out of order). */
	after: Set<number>;
	/** The newest event known here. */
	newest: number;
	/** How far the person has read. */
	read: number;
}

type HearthSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export class Unread {
	/** New events per circle id (more than UNREAD_CAP shows as "99+"). */
	readonly counts = new SvelteMap<string, number>();
	/** True once the server's counts have arrived. */
	ready = $state(false);
	readonly total = $derived([...this.counts.values()].reduce((sum, count) => sum + count, 0));

	readonly #socket: HearthSocket;
	readonly #userId: string;
	// Bookkeeping, not state: only `counts` renders.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	readonly #circles = new Map<string, CircleState>();
	readonly #marks: ReadMarks;
	/** What arrived (events, reads elsewhere) while a count was on its way: applied over it. */
	#waiting: Array<() => void> | null = null;
	/** Check-ins of each circle that came as stand-ins (not shared with this person), by circle id. */
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	readonly #hidden = new Map<string, Set<string>>();
	/** How far this page has read each circle: a count read before the mark went through is not the truth. */
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	readonly #readHere = new Map<string, number>();
	#again = false;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#closed = false;
	readonly #detach: () => void;

	constructor(socket: HearthSocket, userId: string) {
		this.#socket = socket;
		this.#userId = userId;
		this.#marks = new ReadMarks({ send: (circleId, seq) => socket.emit('circle:read', { circleId, seq }, () => {}) });
		const onConnect = () => {
			// What came while away is not known here: a stand-in after it is news again.
			this.#hidden.clear();
			this.recount();
		};
		const onEvent = (event: CircleEvent) => this.#receive(event);
		const onRead = ({ circleId, seq }: { circleId: string; seq: number }) => {
			if (this.#waiting) this.#waiting.push(() => this.#readUpTo(circleId, seq));
			else this.#readUpTo(circleId, seq);
		};
		const onGone = ({ circleId }: { circleId: string }) => {
			this.#circles.delete(circleId);
			this.#hidden.delete(circleId);
			this.#readHere.delete(circleId);
			this.counts.delete(circleId);
			this.#marks.forget(circleId);
		};
		const onHidden = () => {
			if (document.visibilityState === 'hidden') this.#marks.flush();
		};
		socket.on('connect', onConnect);
		socket.on('circle:event', onEvent);
		socket.on('circle:read', onRead);
		socket.on('circle:gone', onGone);
		globalThis.document?.addEventListener('visibilitychange', onHidden);
		if (socket.connected) this.recount();
		this.#detach = () => {
			socket.off('connect', onConnect);
			socket.off('circle:event', onEvent);
			socket.off('circle:read', onRead);
			socket.off('circle:gone', onGone);
			globalThis.document?.removeEventListener('visibilitychange', onHidden);
		};
	}

	/** The count for a circle, or undefined before the server's counts have come. */
	countOf(circleId: string): number | undefined {
		return this.counts.get(circleId);
	}

	/** The person has seen the circle up to `seq` on this page: cleared here, and on the server (throttled). */
	markRead(circleId: string, seq: number): void {
		this.#readHere.set(circleId, Math.max(seq, this.#readHere.get(circleId) ?? 0));
		if (!this.#waiting) this.#readUpTo(circleId, seq);
		this.#marks.mark(circleId, seq);
	}

	/** Reads every count from the server again, and goes on from there. */
	recount(): void {
		if (this.#closed) return;
		clearTimeout(this.#timer);
		if (this.#waiting) {
			this.#again = true;
			return;
		}
		this.#waiting = [];
		this.#socket.emit('unread:counts', (answer) => {
			if (this.#closed) return;
			const waiting = this.#waiting ?? [];
			this.#waiting = null;
			if (!answer.ok) {
				// Asked too often, or the database is away: what arrives live still waits for the next count.
				const wait = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, answer.retryAfterMs ?? RETRY_MIN_MS));
				this.#timer = setTimeout(() => this.recount(), wait);
				return;
			}
			this.#start(answer.counts);
			for (const apply of waiting) apply();
			if (this.#again) {
				this.#again = false;
				this.recount();
			}
		});
	}

	close(): void {
		this.#closed = true;
		clearTimeout(this.#timer);
		this.#marks.flush();
		this.#marks.forget();
		this.#detach();
	}

	#start(counts: UnreadCount[]): void {
		this.#circles.clear();
		for (const { circleId, readSeq, latestSeq } of counts) {
			// eslint-disable-next-line svelte/prefer-svelte-reactivity
			this.#circles.set(circleId, { base: latestSeq, after: new Set(), newest: latestSeq, read: readSeq });
		}
		for (const circleId of [...this.counts.keys()]) if (!this.#circles.has(circleId)) this.counts.delete(circleId);
		for (const { circleId, count } of counts) this.counts.set(circleId, count);
		for (const [circleId, seq] of this.#readHere) this.#readUpTo(circleId, seq);
		this.ready = true;
	}

	#receive(event: CircleEvent): void {
		if (this.#waiting) {
			this.#waiting.push(() => this.#receive(event));
			return;
		}
		const circle = this.#circles.get(event.circleId);
		// A circle the counts did not include (joined since), or someone's account deleted (events
		// about them were emptied in the log): the server's count is the truth.
		if (!circle || event.type === 'member.account-deleted') return this.#recountSoon();
		if (event.seq <= circle.base || circle.after.has(event.seq)) return;
		circle.after.add(event.seq);
		while (circle.after.delete(circle.base + 1)) circle.base++;
		circle.newest = Math.max(circle.newest, event.seq);
		if (event.seq <= circle.read) return;
		if (this.#audienceMayHaveChanged(event)) return this.#recountSoon();
		if (!countsAsNew(event, this.#userId)) return;
		this.counts.set(event.circleId, Math.min(UNREAD_CAP + 1, (this.counts.get(event.circleId) ?? 0) + 1));
	}

	/**
	 * True when this event may change what already counts (see the top): the first stand-in for a
	 * check-in while something counts (it may be one that counted, now narrowed), or someone's edit
	 * (it may have widened one). Further stand-ins for the same check-in change nothing.
	 */
	#audienceMayHaveChanged(event: CircleEvent): boolean {
		let hidden = this.#hidden.get(event.circleId);
		if (event.type === 'checkin.hidden') {
			if (hidden?.has(event.payload.checkinId)) return false;
			// eslint-disable-next-line svelte/prefer-svelte-reactivity
			if (!hidden) this.#hidden.set(event.circleId, (hidden = new Set()));
			hidden.add(event.payload.checkinId);
			return (this.counts.get(event.circleId) ?? 0) > 0;
		}
		if (!isCheckInEvent(event)) return false;
		// Shared with this person again: a later stand-in for it is news again.
		hidden?.delete(event.payload.checkin.id);
		return event.type === 'checkin.edited' && event.actorId !== this.#userId;
	}

	#readUpTo(circleId: string, seq: number): void {
		const circle = this.#circles.get(circleId);
		if (!circle || seq <= circle.read) return;
		circle.read = seq;
		// Read up to the newest known: nothing is left. Up to somewhere before it: the server knows
		// which of the newer ones count.
		if (seq >= circle.newest) this.counts.set(circleId, 0);
		else this.#recountSoon();
	}

	#recountSoon(): void {
		if (this.#closed) return;
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => this.recount(), RECOUNT_SOON_MS);
	}
}

const CONTEXT_KEY = Symbol('unread');

/** Called by the root layout, which owns the counts; the getter always gives the current ones. */
export function setUnread(current: () => Unread | null): void {
	setContext(CONTEXT_KEY, current);
}

/** Call while a component initialises; the getter gives the counts (null when signed out or not yet connected). */
export function useUnread(): () => Unread | null {
	return getContext<(() => Unread | null) | undefined>(CONTEXT_KEY) ?? (() => null);
}
