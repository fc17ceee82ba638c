// How much one socket, and one user across all their sockets, may ask of the server.
//
// Every message a socket sends is counted twice: against the socket's own allowance and against
// its user's (a person with several tabs and devices shares one). A message over either is refused
// with `throttled` and a time to wait, and not handled at all; a socket that keeps sending while
// refused is not a Hearth page, and is disconnected. Catch-up reads, the one expensive thing a
// message can ask for, also wait their turn: one at a time per socket, a couple at a time per user.
//
// What a Hearth page sends (src/lib/realtime/circle-sync.ts): one catch-up per (re)connect, a few
// in a row when it is far behind (CATCH_UP_PAGES), one per unfilled gap at most every GAP_GRACE_MS
// (4 a second), and only one at a time; after a throttled answer it waits as long as it is told.
// The allowances below leave room for that, several times over, and tests hold it to them.

/** An allowance: `burst` messages at once, refilled at `perSecond`. */
export interface RatePolicy {
	burst: number;
	perSecond: number;
}

export const SOCKET_RATE: RatePolicy = { burst: 20, perSecond: 5 };
/** Shared by all of a user's sockets: three busy tabs' worth. */
export const USER_RATE: RatePolicy = { burst: 60, perSecond: 15 };
/** A socket refused this many more times without waiting is disconnected. */
export const STRIKES_BEFORE_DISCONNECT = 20;
/** Catch-up reads at once: per socket, and per user across their sockets. */
export const SOCKET_CONCURRENT_READS = 1;
export const USER_CONCURRENT_READS = 2;
/** Catch-up requests that may wait for a socket's read; more are refused. */
export const SOCKET_WAITING_READS = 4;

/**
 * A token bucket that may go into debt: each message spends a token whether or not there was
 * one, so a sender that does not wait owes more and more (and is disconnected, see `debt`).
 */
export class Allowance {
	#tokens: number;
	#at: number;

	constructor(
		readonly policy: RatePolicy,
		now: number
	) {
		this.#tokens = policy.burst;
		this.#at = now;
	}

	#refill(now: number): void {
		if (now > this.#at) this.#tokens = Math.min(this.policy.burst, this.#tokens + ((now - this.#at) * this.policy.perSecond) / 1000);
		this.#at = Math.max(this.#at, now);
	}

	/** Spends one token: 0 when there was one, else how long until there will be one (ms). */
	spend(now: number): number {
		this.#refill(now);
		this.#tokens -= 1;
		return this.#tokens >= 0 ? 0 : this.waitFor(now);
	}

	/** Takes a token only if there is one: 0 when taken, else how long until there will be one (ms). */
	take(now: number): number {
		this.#refill(now);
		if (this.#tokens >= 1) {
			this.#tokens -= 1;
			return 0;
		}
		return this.waitFor(now);
	}

	/** How long until a token is there (ms), 0 when one is. */
	waitFor(now: number): number {
		this.#refill(now);
		return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) * 1000) / this.policy.perSecond);
	}

	/** Messages sent while refused, not yet waited off. */
	debt(now: number): number {
		this.#refill(now);
		return Math.max(0, -this.#tokens);
	}

	isFull(now: number): boolean {
		this.#refill(now);
		return this.#tokens >= this.policy.burst;
	}
}

/** At most `size` runs at once; the others wait in order. */
export class Gate {
	#free: number;
	readonly #waiting: Array<() => void> = [];

	constructor(readonly size: number) {
		this.#free = size;
	}

	/** Runs waiting for a place. */
	get waiting(): number {
		return this.#waiting.length;
	}

	get idle(): boolean {
		return this.#free === this.size && this.#waiting.length === 0;
	}

	async run<T>(work: () => Promise<T>): Promise<T> {
		if (this.#free > 0) this.#free -= 1;
		else await new Promise<void>((resolve) => this.#waiting.push(resolve));
		try {
			return await work();
		} finally {
			const next = this.#waiting.shift();
			if (next) next();
			else this.#free += 1;
		}
	}
}

interface UserState {
	sockets: number;
	allowance: Allowance;
	reads: Gate;
}

/** Every connected user's shared allowance and read gate, kept while they may still matter. */
export class UserLimits {
	readonly #users = new Map<string, UserState>();

	constructor(
		readonly rate: RatePolicy = USER_RATE,
		readonly concurrentReads = USER_CONCURRENT_READS
	) {}

	/** A socket of this user connected: their shared state (made or kept). */
	connect(userId: string, now: number): UserState {
		let state = this.#users.get(userId);
		if (!state) {
			state = { sockets: 0, allowance: new Allowance(this.rate, now), reads: new Gate(this.concurrentReads) };
			this.#users.set(userId, state);
		}
		state.sockets += 1;
		return state;
	}

	/**
	 * A socket went away. A user's state is forgotten once they have no socket, no read under way
	 * and a full allowance again (so reconnecting never hands out a fresh one early).
	 */
	disconnect(userId: string, now: number): void {
		const state = this.#users.get(userId);
		if (state) state.sockets -= 1;
		for (const [id, other] of this.#users) {
			if (other.sockets <= 0 && other.reads.idle && other.allowance.isFull(now)) this.#users.delete(id);
		}
	}

	get size(): number {
		return this.#users.size;
	}
}
