import { SvelteSet } from 'svelte/reactivity';
import type { CircleEvent, CircleGoneReason, CircleSyncResponse } from './events';
import type { LiveConnection } from './live-connection.svelte';

interface CircleLiveOptions {
	circleId: string;
	/** The newest event the loaded page already reflects. */
	lastEventId: number;
	/** Called after new events were applied (the page reloads its data). */
	onEvents: (events: CircleEvent[]) => void;
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
			options.onEvents([event]);
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
		const { circleId, onEvents, onGone } = this.#options;
		this.#connection.socket.emit('circle:sync', { circleId, afterId: this.#lastEventId }, (response: CircleSyncResponse) => {
			if (!response.ok) return onGone('removed');
			this.online.clear();
			for (const userId of response.online) this.online.add(userId);
			const fresh = response.events.filter((event) => event.id > this.#lastEventId);
			if (fresh.length > 0) this.#lastEventId = fresh[fresh.length - 1]!.id;
			// Too far behind to replay: the page reloads its data all the same.
			if (fresh.length > 0 || !response.complete) onEvents(fresh);
		});
	}

	close(): void {
		this.#detach();
	}
}
