// How far the reader has seen, sent to the server without a write for every event: per circle, at
// most one mark every READ_MARK_INTERVAL_MS, and the last one is always sent (after the wait).
// Plain code over an injected clock, so the throttle is tested without a browser.

/** At most one mark per circle this often, from one socket (tab). */
export const READ_MARK_INTERVAL_MS = 3000;

export interface ReadMarksOptions {
	/** Sends "read up to seq" for the circle (the socket's circle:read). */
	send(circleId: string, seq: number): void;
	now?: () => number;
	setTimer?: (run: () => void, ms: number) => unknown;
	clearTimer?: (timer: unknown) => void;
}

interface CircleMarks {
	/** The largest seq sent (0: none yet). */
	sent: number;
	sentAt: number;
	/** Waiting to be sent when the interval has passed (0: none). */
	waiting: number;
	timer: unknown;
}

export class ReadMarks {
	readonly #circles = new Map<string, CircleMarks>();
	readonly #send: ReadMarksOptions['send'];
	readonly #now: () => number;
	readonly #setTimer: (run: () => void, ms: number) => unknown;
	readonly #clearTimer: (timer: unknown) => void;

	constructor(options: ReadMarksOptions) {
		this.#send = options.send;
		this.#now = options.now ?? Date.now;
		this.#setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
		this.#clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
	}

	/** The reader has seen the circle up to `seq`: sent now, or once the interval has passed. */
	mark(circleId: string, seq: number): void {
		let marks = this.#circles.get(circleId);
		if (!marks) this.#circles.set(circleId, (marks = { sent: 0, sentAt: -Infinity, waiting: 0, timer: null }));
		if (seq <= Math.max(marks.sent, marks.waiting)) return;
		const wait = marks.sentAt + READ_MARK_INTERVAL_MS - this.#now();
		if (wait <= 0 && marks.timer === null) return this.#sendNow(circleId, marks, seq);
		marks.waiting = seq;
		marks.timer ??= this.#setTimer(() => {
			marks.timer = null;
			this.#sendNow(circleId, marks, marks.waiting);
		}, wait);
	}

	/** Sends what is waiting at once (the page is being hidden or left). */
	flush(): void {
		for (const [circleId, marks] of this.#circles) {
			if (marks.timer === null) continue;
			this.#clearTimer(marks.timer);
			marks.timer = null;
			this.#sendNow(circleId, marks, marks.waiting);
		}
	}

	/** Sends nothing more (signed out, or the circle is gone). */
	forget(circleId?: string): void {
		for (const [id, marks] of this.#circles) {
			if (circleId !== undefined && id !== circleId) continue;
			if (marks.timer !== null) this.#clearTimer(marks.timer);
			this.#circles.delete(id);
		}
	}

	#sendNow(circleId: string, marks: CircleMarks, seq: number): void {
		marks.waiting = 0;
		if (seq <= marks.sent) return;
		marks.sent = seq;
		marks.sentAt = this.#now();
		this.#send(circleId, seq);
	}
}
