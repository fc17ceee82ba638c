import type { Socket, io as ioFunction } from 'socket.io-client';
import { getContext, setContext } from 'svelte';
import type { ClientToServerEvents, HandshakeRefusal, ServerToClientEvents } from './events';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'signed-out' | 'unavailable';

export const LIVE_STATUS_LABELS: Record<LiveStatus, string> = {
	connecting: 'Connecting…',
	live: 'Live',
	reconnecting: 'Reconnecting…',
	'signed-out': 'Signed out',
	unavailable: 'Live updates unavailable'
};

const RETRY_AFTER_REFUSAL_MS = 3000;

/**
 * The browser's one socket to the server. socket.io reconnects by itself after a network drop;
 * a refused handshake is retried here when retrying can help (the server was starting).
 */
export class LiveConnection {
	status = $state<LiveStatus>('connecting');
	readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
	#retryTimer: ReturnType<typeof setTimeout> | undefined;

	constructor(io: typeof ioFunction, onSessionEnded: () => void) {
		// WebSocket only: its handshake always carries the Origin header the server checks.
		this.socket = io({ transports: ['websocket'], withCredentials: true });
		this.socket.on('connect', () => {
			this.status = 'live';
		});
		this.socket.on('disconnect', () => {
			if (this.status === 'signed-out') return;
			this.status = this.socket.active ? 'reconnecting' : 'unavailable';
		});
		this.socket.on('connect_error', (error) => {
			const reason = (error as Error & { data?: { reason?: HandshakeRefusal } }).data?.reason;
			if (reason === 'not-signed-in') {
				this.status = 'signed-out';
				onSessionEnded();
				return;
			}
			if (this.socket.active) {
				this.status = 'reconnecting';
				return;
			}
			if (reason === 'origin-not-allowed') {
				this.status = 'unavailable';
				return;
			}
			this.status = 'reconnecting';
			this.#retryTimer = setTimeout(() => this.socket.connect(), RETRY_AFTER_REFUSAL_MS);
		});
		this.socket.on('session:ended', () => {
			this.status = 'signed-out';
			onSessionEnded();
		});
		// A phone that loses its network may keep a dead socket open for a while: trust the
		// browser's word, drop it at once, and come back (and catch up) as soon as it is online.
		window.addEventListener('offline', this.#goOffline);
		window.addEventListener('online', this.#comeBack);
	}

	#goOffline = () => {
		if (this.status === 'signed-out') return;
		this.socket.disconnect();
		this.status = 'reconnecting';
	};

	#comeBack = () => {
		if (this.status === 'signed-out' || this.socket.connected) return;
		this.socket.connect();
	};

	/** Starts again after a sign-in on this device replaced the session. */
	reconnect(): void {
		clearTimeout(this.#retryTimer);
		this.status = 'connecting';
		this.socket.disconnect().connect();
	}

	close(): void {
		clearTimeout(this.#retryTimer);
		window.removeEventListener('offline', this.#goOffline);
		window.removeEventListener('online', this.#comeBack);
		this.socket.disconnect();
	}
}

/**
 * The connection, once socket.io's client has loaded. It is not part of the page's own scripts (it
 * is about 13 KB gzipped, a seventh of a first visit's): the page is readable and usable without
 * it, and what happens before it connects is caught up from the page's position (circle-sync.ts).
 */
export async function openLiveConnection(onSessionEnded: () => void): Promise<LiveConnection> {
	const { io } = await import('socket.io-client');
	return new LiveConnection(io, onSessionEnded);
}

const CONTEXT_KEY = Symbol('live-connection');

/** Called by the root layout, which owns the connection; the getter always returns the current one. */
export function setLiveConnection(current: () => LiveConnection | null): void {
	setContext(CONTEXT_KEY, current);
}

/**
 * Call while a component initialises; the returned getter gives the page's live connection (null
 * when signed out or before it starts) and, read inside an $effect, re-runs it when that changes.
 */
export function useLiveConnection(): () => LiveConnection | null {
	return getContext<(() => LiveConnection | null) | undefined>(CONTEXT_KEY) ?? (() => null);
}
