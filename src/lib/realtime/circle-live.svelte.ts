import { SvelteSet } from 'svelte/reactivity';
import type { CircleEvent, CircleGoneReason, LogPosition } from './events';
import type { LiveConnection } from './live-connection.svelte';
import { CircleSync } from './circle-sync';

interface CircleLiveOptions {
	circleId: string;
	/** Where the loaded page's data stands in the circle's log. */
	position: LogPosition;
	/** New events, in order, each once. */
	onEvents: (events: CircleEvent[]) => void;
	/** Too far behind, or another history: reload the data, then call `rebase` with its position. */
	onReload: () => void;
	/** Called when the user is no longer in the circle. */
	onGone: (reason: CircleGoneReason) => void;
}

/**
 * One circle's live view in the browser: the socket's events and catch-up replies go through
 * CircleSync (circle-sync.ts), which applies each event once, in order, with no gaps.
 */
export class CircleLive {
	online = new SvelteSet<string>();
	readonly circleId: string;
	readonly #sync: CircleSync;
	readonly #detach: () => void;
	// Subscribers, not state: nothing renders from this set.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	readonly #listeners = new Set<(events: CircleEvent[]) => void>();

	constructor(connection: LiveConnection, options: CircleLiveOptions) {
		const socket = connection.socket;
		const { circleId } = options;
		this.circleId = circleId;
		this.#sync = new CircleSync({
			position: options.position,
			deliver: (events) => {
				options.onEvents(events);
				for (const listener of this.#listeners) listener(events);
			},
			requestCatchUp: (afterSeq, replied) => socket.emit('circle:sync', { circleId, afterSeq }, replied),
			reload: () => options.onReload(),
			notFound: () => options.onGone('removed'),
			online: (userIds) => {
				this.online.clear();
				for (const userId of userIds) this.online.add(userId);
			}
		});

		const onEvent = (event: CircleEvent) => {
			if (event.circleId === circleId) this.#sync.receive(event);
		};
		const onPresence = (change: { circleId: string; userId: string; online: boolean }) => {
			if (change.circleId !== circleId) return;
			if (change.online) this.online.add(change.userId);
			else this.online.delete(change.userId);
		};
		const onGone = (gone: { circleId: string; reason: CircleGoneReason }) => {
			if (gone.circleId === circleId) options.onGone(gone.reason);
		};
		const onConnect = () => this.#sync.connected();
		const onDisconnect = () => this.#sync.disconnected();

		socket.on('circle:event', onEvent);
		socket.on('presence:changed', onPresence);
		socket.on('circle:gone', onGone);
		socket.on('connect', onConnect);
		socket.on('disconnect', onDisconnect);
		if (socket.connected) this.#sync.connected();

		this.#detach = () => {
			socket.off('circle:event', onEvent);
			socket.off('presence:changed', onPresence);
			socket.off('circle:gone', onGone);
			socket.off('connect', onConnect);
			socket.off('disconnect', onDisconnect);
		};
	}

	/** The last event of the circle applied here: what the page has shown (it marks read up to it). */
	get applied(): number {
		return this.#sync.applied;
	}

	/** New data arrived (a reload, a navigation): where it stands in the log. */
	rebase(position: LogPosition): void {
		this.#sync.rebase(position);
	}

	/** The events applied after `seq` (null when no longer kept): for replaying over newer data. */
	eventsAfter(seq: number): CircleEvent[] | null {
		return this.#sync.eventsAfter(seq);
	}

	/** Lets a page apply events itself (the feed upserts check-ins); returns the unsubscribe. */
	subscribe(listener: (events: CircleEvent[]) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	close(): void {
		this.#detach();
		this.#sync.close();
		this.#listeners.clear();
	}
}
