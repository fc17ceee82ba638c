import { SvelteSet } from 'svelte/reactivity';
import type { CircleEvent, CircleGoneReason, CircleSyncResponse } from './events';
import type { LiveConnection } from './live-connection.svelte';

interface CircleLiveOptions {
	circleId: string;
	/** The newest event the loaded page already reflects. */
	lastEventId: number;
	/**
	 * Called with new events, in order, each once. `complete` is false when the client was away
	 * too long to replay everything: the page then reloads its data instead.
	 */
	onEvents: (events: CircleEvent[], complete: boolean) => void;
	/** Called when the user is no longer in the circle. */
	onGone: (reason: CircleGoneReason) => void;
}

/**
 * One circle's live view in the browser: applies each event once, in order, and on every
 * (re)connect asks the server for what it missed since the last id it applied.
 */
export class CircleLive {
	online = new SvelteSet<string>();
	#lastEventId: number;
	#options: CircleLiveOptions;
	#connection: LiveConnection;
	#detach: () => void;

	constructor(connection: LiveConnection, options: CircleLiveOptions) {
		this.#connection = connection;
		this.#options = options;
		this.#lastEventId = options.lastEventId;
		const socket = connection.socket;

		const onEvent = (event: CircleEvent) => {
			if (event.circleId !== options.circleId || event.id <= this.#lastEventId) return;
			this.#lastEventId = event.id;
			this.#deliver([event], true);
		};
		const onPresence = (change: { circleId: string; userId: string; online: boolean }) => {
			if (change.circleId !== options.circleId) return;
			if (change.online) this.online.add(change.userId);
			else this.online.delete(change.userId);
		};
		const onGone = (gone: { circleId: string; reason: CircleGoneReason }) => {
			if (gone.circleId === options.circleId) options.onGone(gone.reason);
		};
		const onConnect = () => this.sync();

		socket.on('circle:event', onEvent);
		socket.on('presence:changed', onPresence);
		socket.on('circle:gone', onGone);
		socket.on('connect', onConnect);
		if (socket.connected) this.sync();

		this.#detach = () => {
			socket.off('circle:event', onEvent);
			socket.off('presence:changed', onPresence);
			socket.off('circle:gone', onGone);
			socket.off('connect', onConnect);
		};
	}

	/** Asks for everything after the last applied event; membership is re-checked by the server. */
	sync(): void {
		const { circleId, onGone } = this.#options;
		this.#connection.socket.emit('circle:sync', { circleId, afterId: this.#lastEventId }, (response: CircleSyncResponse) => {
			if (!response.ok) return onGone('removed');
			this.online.clear();
			for (const userId of response.online) this.online.add(userId);
			const fresh = response.events.filter((event) => event.id > this.#lastEventId);
			if (fresh.length > 0) this.#lastEventId = fresh[fresh.length - 1]!.id;
			// Too far behind to replay: the page reloads its data all the same.
			if (fresh.length > 0 || !response.complete) this.#deliver(fresh, response.complete);
		});
	}

	#listeners = new Set<(events: CircleEvent[], complete: boolean) => void>();

	#deliver(events: CircleEvent[], complete: boolean): void {
		this.#options.onEvents(events, complete);
		for (const listener of this.#listeners) listener(events, complete);
	}

	/** Lets a page apply events itself (the feed upserts check-ins); returns the unsubscribe. */
	subscribe(listener: (events: CircleEvent[], complete: boolean) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	close(): void {
		this.#detach();
		this.#listeners.clear();
	}
}
