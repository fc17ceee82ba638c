// @ts-check
// adapter-node hands every request to SvelteKit as `new Request(url, { signal, ... })`, so that
// `request.signal` aborts when the client goes away. Node's own Request (undici) does not keep that
// signal: it makes an AbortController of its own, follows the given signal through a WeakRef, and
// registers the pair with a FinalizationRegistry to unhook it later. Minor GCs keep what a WeakRef
// points at, so every request's controller and listeners move to the old generation; full GCs come
// every 10-15 s under load and each ends with thousands of finalizer callbacks in one go. At
// 10,000 members that was most of the live-delivery stalls (see BENCHMARKS.md).
//
// This subclass keeps the caller's signal as the request's signal instead: same meaning (it aborts
// when the client disconnects), none of that bookkeeping. server.js installs it before loading the
// SvelteKit handler. It is only for requests built from a URL string, which is how the adapter
// builds them; Hearth makes no server-side fetch whose signal this would have to carry.

const NodeRequest = globalThis.Request;

export class RequestWithCallersSignal extends NodeRequest {
	/** @type {AbortSignal | undefined} */
	#signal;

	/**
	 * @param {RequestInfo | URL} input
	 * @param {RequestInit} [init]
	 */
	constructor(input, init) {
		if (typeof input === 'string' && init?.signal) {
			const { signal, ...rest } = init;
			super(input, rest);
			this.#signal = signal;
		} else {
			super(input, init);
		}
	}

	get signal() {
		return this.#signal ?? super.signal;
	}
}

/** Makes every `new Request(url, { signal })` from here on keep that signal (see above). */
export function keepCallersSignalOnRequests() {
	globalThis.Request = RequestWithCallersSignal;
}
