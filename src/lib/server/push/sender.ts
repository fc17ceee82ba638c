// Delivers pushes to push services, off every request's path and within fixed bounds:
// - at most MAX_CONCURRENT_SENDS requests open at once (per server);
// - at most MAX_WAITING_SENDS more waiting; beyond that a push is dropped (and that is logged once
//   until the queue has room again): a slow or dead push service can never make memory grow;
// - each request gives up after SEND_TIMEOUT_MS;
// - the request is Web Push as web-push builds it (aes128gcm, VAPID, TTL, Topic, Urgency),
//   encrypted and sent on a worker thread (delivery.ts), never to an internal address (endpoints.ts).
// A 404 or 410 means the subscription is gone: `onGone` deletes its row. Any other failure is
// logged once per push service and kind until one succeeds again, and never thrown anywhere.
import webPush from 'web-push';
import type { PushMessage } from '$lib/push';
import type { VapidKeys } from './vapid';
import { PushDelivery } from './delivery';

export const MAX_CONCURRENT_SENDS = 16;
export const MAX_WAITING_SENDS = 2000;
export const SEND_TIMEOUT_MS = 10_000;
/** How long a push service keeps a push for a phone that is off (then it is dropped): a day. */
export const PUSH_TTL_SECONDS = 24 * 60 * 60;
/** How long a signed VAPID header is valid (RFC 8292: at most 24 hours), and how early it is renewed. */
const VAPID_VALID_MS = 12 * 60 * 60 * 1000;
const VAPID_RENEW_MS = 60 * 60 * 1000;

export interface PushTarget {
	endpoint: string;
	p256dh: string;
	auth: string;
}

export interface SenderOptions {
	keys: VapidKeys;
	/** Endpoints on 127.0.0.1 are let through (HEARTH_PUSH_LOCAL_ENDPOINTS, tests only). */
	allowLocal: boolean;
	/** A push service said this endpoint is gone. */
	onGone: (endpoint: string) => Promise<void>;
	concurrency?: number;
	maxWaiting?: number;
	timeoutMs?: number;
	log?: (line: string) => void;
}

interface Job {
	target: PushTarget;
	message: PushMessage;
	topic: string | undefined;
}

export class PushSender {
	readonly #options: Required<Omit<SenderOptions, 'keys' | 'allowLocal' | 'onGone'>> & SenderOptions;
	readonly #waiting: Job[] = [];
	#running = 0;
	#startScheduled = false;
	#idle: Array<() => void> = [];
	#droppedSaid = false;
	/** Failures already logged, per push service: said once until that service answers well again. */
	readonly #said = new Map<string, string>();
	/** Signed VAPID headers per push service's origin (a handful: one per browser vendor). */
	readonly #vapid = new Map<string, { header: string; renewAt: number }>();
	readonly #delivery: PushDelivery;
	/** How many pushes each outcome had (tests and /healthz-like curiosity). */
	readonly counts = { sent: 0, gone: 0, failed: 0, dropped: 0 };

	constructor(options: SenderOptions) {
		this.#options = { concurrency: MAX_CONCURRENT_SENDS, maxWaiting: MAX_WAITING_SENDS, timeoutMs: SEND_TIMEOUT_MS, log: console.error, ...options };
		this.#delivery = new PushDelivery({ allowLocal: options.allowLocal, timeoutMs: this.#options.timeoutMs, log: this.#options.log });
	}

	/** Queues a push; returns at once. `topic` collapses pushes waiting at the push service (a circle's id). */
	send(target: PushTarget, message: PushMessage, topic?: string): void {
		if (this.#waiting.length >= this.#options.maxWaiting) {
			this.counts.dropped++;
			if (!this.#droppedSaid) this.#options.log(`Push: ${this.#waiting.length} pushes are waiting already; new ones are dropped until there is room.`);
			this.#droppedSaid = true;
			return;
		}
		this.#waiting.push({ target, message, topic });
		this.#pump();
	}

	/** Stops the delivery worker (the service stopped). */
	close(): Promise<void> {
		return this.#delivery.stop();
	}

	/** Resolves once nothing is waiting or being sent (tests, shutdown). */
	idle(): Promise<void> {
		if (this.#running === 0 && this.#waiting.length === 0) return Promise.resolve();
		return new Promise((resolve) => this.#idle.push(resolve));
	}

	/**
	 * Starts the next push, one per turn of the event loop: sixteen started in one go held up the
	 * requests waiting behind them (POST p99 in `npm run bench -- --push`), when each was still
	 * encrypted here; handing one to the worker is cheap, but a burst of them still is not.
	 */
	#pump(): void {
		if (this.#startScheduled || this.#running >= this.#options.concurrency || this.#waiting.length === 0) return;
		this.#startScheduled = true;
		setImmediate(() => {
			this.#startScheduled = false;
			// A finishing push pumps again, so one that cannot start now is not stranded.
			if (this.#running >= this.#options.concurrency || this.#waiting.length === 0) return;
			const job = this.#waiting.shift()!;
			this.#running++;
			void this.#deliver(job).finally(() => {
				this.#running--;
				if (this.#waiting.length < this.#options.maxWaiting / 2) this.#droppedSaid = false;
				this.#pump();
				if (this.#running === 0 && this.#waiting.length === 0) for (const resolve of this.#idle.splice(0)) resolve();
			});
			this.#pump();
		});
	}

	async #deliver({ target, message, topic }: Job): Promise<void> {
		const service = serviceOf(target.endpoint);
		try {
			const status = await this.#request(target, message, topic);
			if (status === 404 || status === 410) {
				this.counts.gone++;
				await this.#options.onGone(target.endpoint);
			} else if (status >= 200 && status < 300) {
				this.counts.sent++;
				this.#said.delete(service);
			} else {
				this.#fail(service, `the push service answered ${status}`);
			}
		} catch (error) {
			this.#fail(service, (error as Error).message || String(error));
		}
	}

	#fail(service: string, reason: string): void {
		this.counts.failed++;
		if (this.#said.get(service) === reason) return;
		this.#said.set(service, reason);
		this.#options.log(`Push to ${service} failed: ${reason} (said once until it works again).`);
	}

	/**
	 * The VAPID Authorization for one push service, signed once and kept until VAPID_RENEW_MS before
	 * it expires: signing the JWT (ES256) is about 1 ms, two thirds of a push's CPU, and the same
	 * header serves every push to that service meanwhile (RFC 8292 allows up to 24 hours).
	 */
	#vapidAuthorization(audience: string): string {
		const at = Date.now();
		const kept = this.#vapid.get(audience);
		if (kept && kept.renewAt > at) return kept.header;
		const { keys } = this.#options;
		const expiresAt = at + VAPID_VALID_MS;
		const header = webPush.getVapidHeaders(audience, keys.subject, keys.publicKey, keys.privateKey, 'aes128gcm', Math.floor(expiresAt / 1000)).Authorization;
		this.#vapid.set(audience, { header, renewAt: expiresAt - VAPID_RENEW_MS });
		return header;
	}

	#request(target: PushTarget, message: PushMessage, topic: string | undefined): Promise<number> {
		return this.#delivery.deliver({
			endpoint: target.endpoint,
			p256dh: target.p256dh,
			auth: target.auth,
			payload: JSON.stringify(message),
			options: { TTL: PUSH_TTL_SECONDS, contentEncoding: 'aes128gcm', urgency: 'normal', ...(topic ? { topic } : {}) },
			authorization: this.#vapidAuthorization(new URL(target.endpoint).origin)
		});
	}
}

/** The push service's origin, for the log (never the endpoint's path: it is the subscription's secret). */
function serviceOf(endpoint: string): string {
	try {
		return new URL(endpoint).origin;
	} catch {
		return 'a push service';
	}
}
