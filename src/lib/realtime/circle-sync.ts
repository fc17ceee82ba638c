// The browser's side of the sync protocol for one circle, without Svelte or a socket (so it can be
// tested over any order of arrivals, and used by the soak test's clients as it is by the page).
//
// Events are numbered 1, 2, 3, … within the circle with no gaps. This applies them strictly in
// order, each once: an event that arrives early (a live event overtaking a catch-up reply, or one
// published out of order) is held until the ones before it are there, and a gap that does not
// fill by itself is asked for. A live event never moves the position past one not yet applied.
import type { CircleEvent, CircleSyncResponse, LogPosition } from './events';

/** A gap this old is asked for: events published out of order usually fill it much sooner. */
export const GAP_GRACE_MS = 250;
/** Applied events kept so a view can replay what came after the data it loaded. */
export const REPLAY_BUFFER = 2000;
/**
 * Catch-up replies carry at most 500 events. A client a little further behind asks again from
 * where the reply ended; one more than this many replies behind reloads its data instead.
 */
export const CATCH_UP_PAGES = 4;
/**
 * A catch-up the server refused as too many (`throttled`) is asked again after the wait it names,
 * kept within these bounds; until then nothing else is asked, and live events are held as usual.
 */
export const THROTTLED_RETRY_MIN_MS = GAP_GRACE_MS;
export const THROTTLED_RETRY_MAX_MS = 30_000;
/** Held events beyond this (a long reset on a busy circle) are dropped: catch-up brings them again. */
const HELD_LIMIT = 5000;

export interface CircleSyncOptions {
	/** Where the page's data stands: it reflects every event up to `seq`. */
	position: LogPosition;
	/** New events, in order, each once. */
	deliver(events: CircleEvent[]): void;
	/** Ask the server for the events after `afterSeq`; the reply goes to `replied`. */
	requestCatchUp(afterSeq: number, replied: (response: CircleSyncResponse) => void): void;
	/**
	 * Too far behind to replay, or another history (a restored backup): reload the data, then
	 * call `rebase` with its position. Events are held meanwhile.
	 */
	reload(reason: 'too-far-behind' | 'new-history'): void;
	/** The server says the user is not in this circle. */
	notFound(): void;
	/** Presence as the catch-up reply found it. */
	online?(userIds: string[]): void;
	setTimer?: (run: () => void, ms: number) => unknown;
	clearTimer?: (timer: unknown) => void;
}

export class CircleSync {
	#generation: string;
	/** Every event up to here is applied; nothing after it is. */
	#applied: number;
	#held = new Map<number, CircleEvent>();
	#recent: CircleEvent[] = [];
	#connected = false;
	/** The catch-up request in flight (its number), or 0. */
	#inFlight = 0;
	#requests = 0;
	#reloading = false;
	/** Incomplete replies in a row (see CATCH_UP_PAGES). */
	#pagesInRow = 0;
	#gapTimer: unknown = null;
	/** Set while waiting to ask again after a throttled answer. */
	#retryTimer: unknown = null;
	#closed = false;
	readonly #options: CircleSyncOptions;
	readonly #setTimer: (run: () => void, ms: number) => unknown;
	readonly #clearTimer: (timer: unknown) => void;

	constructor(options: CircleSyncOptions) {
		this.#options = options;
		this.#generation = options.position.generation;
		this.#applied = options.position.seq;
		this.#setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
		this.#clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
	}

	/** The last event applied. */
	get applied(): number {
		return this.#applied;
	}

	get generation(): string {
		return this.#generation;
	}

	/** True while nothing is held, asked for (or waiting to be) or reloading: the view is as current as the log it has seen. */
	get settled(): boolean {
		return this.#held.size === 0 && this.#inFlight === 0 && this.#retryTimer === null && !this.#reloading;
	}

	/** The socket is (again) connected: ask for everything after the last applied event. */
	connected(): void {
		this.#connected = true;
		this.#inFlight = 0; // a reply to a request on the old connection may never come
		this.#stopRetryTimer();
		this.#catchUp();
	}

	disconnected(): void {
		this.#connected = false;
		this.#inFlight = 0;
		this.#stopGapTimer();
		this.#stopRetryTimer();
	}

	/** A live event from the circle's room. */
	receive(event: CircleEvent): void {
		if (this.#closed) return;
		this.#hold(event);
		this.#drain();
		if (this.#held.size > 0 && !this.#reloading) this.#startGapTimer();
	}

	/**
	 * New data arrived with its position. After a reload this is where the log continues; otherwise
	 * it only matters when it belongs to another history.
	 */
	rebase(position: LogPosition): void {
		if (this.#closed) return;
		const sameHistory = position.generation === this.#generation;
		if (!this.#reloading && sameHistory) return;
		this.#reloading = false;
		if (!sameHistory) {
			this.#generation = position.generation;
			this.#applied = position.seq;
			this.#recent = [];
		} else if (position.seq > this.#applied) {
			// Too far behind: the new data stands in for what was never replayed.
			this.#applied = position.seq;
			this.#recent = [];
		}
		for (const seq of this.#held.keys()) if (seq <= this.#applied) this.#held.delete(seq);
		this.#drain();
		this.#catchUp();
	}

	/**
	 * The events applied after `seq`, for a view replaying them over data that reflects `seq`;
	 * null when they are no longer all kept (the view then reloads its data).
	 */
	eventsAfter(seq: number): CircleEvent[] | null {
		if (seq >= this.#applied) return [];
		const first = this.#recent[0];
		if (!first || first.seq > seq + 1) return null;
		return this.#recent.filter((event) => event.seq > seq);
	}

	close(): void {
		this.#closed = true;
		this.#stopGapTimer();
		this.#stopRetryTimer();
		this.#held.clear();
	}

	#hold(event: CircleEvent): void {
		if (event.seq <= this.#applied || this.#held.has(event.seq)) return; // already applied or held
		if (this.#held.size >= HELD_LIMIT) return;
		this.#held.set(event.seq, event);
	}

	/** Applies the held events that continue the log, in order. */
	#drain(): void {
		if (this.#reloading) return;
		const ready: CircleEvent[] = [];
		for (let next = this.#held.get(this.#applied + 1); next; next = this.#held.get(this.#applied + 1)) {
			this.#held.delete(next.seq);
			this.#applied = next.seq;
			ready.push(next);
		}
		if (ready.length === 0) return;
		this.#recent.push(...ready);
		if (this.#recent.length > REPLAY_BUFFER) this.#recent.splice(0, this.#recent.length - REPLAY_BUFFER);
		if (this.#held.size === 0) this.#stopGapTimer();
		this.#options.deliver(ready);
	}

	#catchUp(): void {
		if (!this.#connected || this.#inFlight !== 0 || this.#retryTimer !== null || this.#reloading || this.#closed) return;
		this.#stopGapTimer();
		const request = ++this.#requests;
		this.#inFlight = request;
		const afterSeq = this.#applied;
		const generation = this.#generation;
		this.#options.requestCatchUp(afterSeq, (response) => this.#replied(request, generation, response));
	}

	#replied(request: number, generation: string, response: CircleSyncResponse): void {
		if (this.#closed) return;
		const current = request === this.#inFlight;
		if (current) this.#inFlight = 0;
		if (!response.ok && response.reason === 'throttled') {
			// Asked too often (another tab of the same person, a burst of gaps): nothing was read,
			// nothing is lost. Held events stay held; the same request goes again after the wait.
			if (current) this.#retryAfter(response.retryAfterMs);
			return;
		}
		if (!response.ok) return this.#options.notFound();
		if (current) this.#options.online?.(response.online);
		if (response.generation !== this.#generation || response.generation !== generation) {
			return this.#reload('new-history');
		}
		// An older request's reply is still true (committed events, in order): merge it all the same.
		for (const event of response.events) this.#hold(event);
		this.#drain();
		if (current && !response.complete) {
			if (++this.#pagesInRow >= CATCH_UP_PAGES) return this.#reload('too-far-behind');
			return this.#catchUp();
		}
		if (current) this.#pagesInRow = 0;
		// Something after a gap is still held: what is missing is asked for again.
		if (this.#held.size > 0) this.#startGapTimer();
	}

	#reload(reason: 'too-far-behind' | 'new-history'): void {
		if (this.#reloading) return;
		this.#reloading = true;
		this.#pagesInRow = 0;
		// What is held came under the old numbers; events from now on belong to the new history.
		if (reason === 'new-history') this.#held.clear();
		this.#stopGapTimer();
		this.#options.reload(reason);
	}

	#retryAfter(retryAfterMs: number | undefined): void {
		this.#stopRetryTimer();
		const wait = Math.min(THROTTLED_RETRY_MAX_MS, Math.max(THROTTLED_RETRY_MIN_MS, retryAfterMs ?? 1000));
		this.#retryTimer = this.#setTimer(() => {
			this.#retryTimer = null;
			this.#catchUp();
		}, wait);
	}

	#stopRetryTimer(): void {
		if (this.#retryTimer === null) return;
		this.#clearTimer(this.#retryTimer);
		this.#retryTimer = null;
	}

	#startGapTimer(): void {
		if (this.#gapTimer !== null) return;
		this.#gapTimer = this.#setTimer(() => {
			this.#gapTimer = null;
			if (this.#held.size > 0) this.#catchUp();
		}, GAP_GRACE_MS);
	}

	#stopGapTimer(): void {
		if (this.#gapTimer === null) return;
		this.#clearTimer(this.#gapTimer);
		this.#gapTimer = null;
	}
}
