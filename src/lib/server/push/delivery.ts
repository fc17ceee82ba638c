// Sending a push, on a worker thread.
//
// Encrypting a push (RFC 8291: a fresh ECDH key pair, a shared secret, HKDF and AES-GCM for every
// push) is about half a millisecond of synchronous CPU, and its HTTP request and answer cost the
// event loop again. In a busy fan-out both held up the requests behind them (`npm run bench --
// --push`), so both run on a worker thread: the event loop hands over the subscription, the words
// and the signed VAPID header, and gets the push service's answer (its status) back.
//
// The delivery is written once, as plain CommonJS (DELIVERY_SOURCE), so the build needs no
// separate worker file (as the SQLite checkpoint worker). The worker runs it with `eval`; if the
// worker cannot start or dies, the event loop runs the same code from then on (said once): slower,
// never lost. A push the dead worker had in hand is sent again from here; at worst a phone hears
// of the same news twice, under the same Topic, which its push service collapses.
//
// Where a push may go (endpoints.ts): node's http(s).request never follows a redirect, and the
// name is resolved through a lookup that refuses internal addresses, so the address checked is the
// address connected to. The answer is read up to MAX_ANSWER_BYTES and dropped.
//
// A push may wait a few milliseconds; a request should not. On Linux the worker lowers its own
// thread's priority (nice 10, by its thread id from /proc/thread-self), so when every core is busy
// the event loop and the sockets come first. Elsewhere it runs at the process's priority.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { INTERNAL_ADDRESSES } from './endpoints';

const MAX_ANSWER_BYTES = 4096;

export interface DeliveryInput {
	endpoint: string;
	p256dh: string;
	auth: string;
	payload: string;
	options: { TTL: number; contentEncoding: 'aes128gcm'; urgency: 'normal'; topic?: string };
	/** The signed VAPID Authorization for the endpoint's push service (sender.ts keeps it). */
	authorization: string;
}

export interface DeliveryOptions {
	/** Endpoints on 127.0.0.1 are let through (HEARTH_PUSH_LOCAL_ENDPOINTS, tests only). */
	allowLocal: boolean;
	timeoutMs: number;
	log: (line: string) => void;
}

// The body of `(require, config) => deliver`, where deliver(input) resolves to the push service's
// HTTP status and rejects when no answer came (refused, unreachable, timed out, bad keys).
const DELIVERY_SOURCE = `
const http = require('node:http');
const https = require('node:https');
const dns = require('node:dns');
const webPush = require(config.webPush);

function publicOnlyLookup(hostname, options, callback) {
	dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
		if (error) return callback(error, []);
		const allowed = addresses.filter((entry) => !config.internal.check(entry.address, entry.family === 6 ? 'ipv6' : 'ipv4'));
		if (allowed.length === 0) {
			const refused = new Error(hostname + ' resolves only to internal addresses; no push is sent there.');
			refused.code = 'EPUSHINTERNAL';
			return callback(refused, []);
		}
		if (options.all) return callback(null, allowed);
		callback(null, allowed[0].address, allowed[0].family);
	});
}

return function deliver({ endpoint, p256dh, auth, payload, options, authorization }) {
	return new Promise((resolve, reject) => {
		const details = webPush.generateRequestDetails({ endpoint, keys: { p256dh, auth } }, payload, options);
		const url = new URL(details.endpoint);
		const local = config.allowLocal && url.hostname === '127.0.0.1';
		const transport = url.protocol === 'http:' && local ? http : https;
		const request = transport.request(
			url,
			{
				method: details.method,
				headers: { ...details.headers, Authorization: authorization },
				timeout: config.timeoutMs,
				signal: AbortSignal.timeout(config.timeoutMs),
				...(local ? {} : { lookup: publicOnlyLookup })
			},
			(response) => {
				let read = 0;
				response.on('data', (chunk) => {
					read += chunk.length;
					if (read > config.maxAnswerBytes) response.destroy();
				});
				response.on('close', () => resolve(response.statusCode || 0));
				response.on('error', () => resolve(response.statusCode || 0));
			}
		);
		request.on('timeout', () => request.destroy(new Error('no answer within ' + config.timeoutMs + ' ms')));
		request.on('error', reject);
		request.end(details.body || undefined);
	});
};
`;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
try {
	const thread = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
	require('node:os').setPriority(thread, 10);
} catch {}
const deliver = (function (require, config) {${DELIVERY_SOURCE}})(require, workerData);
parentPort.on('message', ({ id, input }) => {
	Promise.resolve()
		.then(() => deliver(input))
		.then(
			(status) => parentPort.postMessage({ id, status }),
			(error) => parentPort.postMessage({ id, error: (error && error.message) || String(error) })
		);
});
`;

interface DeliveryConfig {
	webPush: string;
	allowLocal: boolean;
	timeoutMs: number;
	maxAnswerBytes: number;
	internal: typeof INTERNAL_ADDRESSES;
}

type Deliver = (input: DeliveryInput) => Promise<number>;

interface Waiting {
	resolve: (status: number) => void;
	reject: (error: Error) => void;
	input: DeliveryInput;
}

export class PushDelivery {
	#worker: Worker | null = null;
	#here: Deliver | null = null;
	readonly #waiting = new Map<number, Waiting>();
	/** The worker's answers not yet come, as promises (what stop waits for). */
	readonly #inHand = new Set<Promise<number>>();
	#nextId = 1;
	#failedSaid = false;
	#stopped: Promise<void> | null = null;
	readonly #config: DeliveryConfig;
	readonly #log: (line: string) => void;

	constructor({ allowLocal, timeoutMs, log }: DeliveryOptions) {
		this.#log = log;
		this.#config = {
			webPush: createRequire(import.meta.url).resolve('web-push'),
			allowLocal,
			timeoutMs,
			maxAnswerBytes: MAX_ANSWER_BYTES,
			internal: INTERNAL_ADDRESSES
		};
		try {
			const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: this.#config });
			// Never what keeps the process alive: the sender's queue says when it is idle.
			worker.unref();
			worker.on('message', ({ id, status, error }: { id: number; status?: number; error?: string }) => {
				const waiting = this.#waiting.get(id);
				if (!waiting) return;
				this.#waiting.delete(id);
				if (status === undefined) waiting.reject(new Error(error ?? 'no answer from the push worker'));
				else waiting.resolve(status);
			});
			worker.on('error', (error) => this.#lost(`failed: ${error.message}`));
			worker.on('exit', (code) => this.#lost(`stopped (exit ${code})`));
			this.#worker = worker;
		} catch (error) {
			this.#lost(`could not start: ${(error as Error).message}`);
		}
	}

	/** Sends the push, encrypted for the subscription's keys: the push service's HTTP status. */
	deliver(input: DeliveryInput): Promise<number> {
		const worker = this.#worker;
		if (!worker) return this.#deliverHere(input);
		const id = this.#nextId++;
		const answered = new Promise<number>((resolve, reject) => {
			this.#waiting.set(id, { resolve, reject, input });
			worker.postMessage({ id, input });
		});
		this.#inHand.add(answered);
		const settled = () => this.#inHand.delete(answered);
		answered.then(settled, settled);
		return answered;
	}

	/**
	 * Stops the worker (the service stopped) once the pushes it has in hand are answered, so none
	 * is sent twice; a push after that is sent from here.
	 */
	stop(): Promise<void> {
		this.#stopped ??= (async () => {
			const worker = this.#worker;
			this.#worker = null;
			await Promise.allSettled([...this.#inHand]);
			await worker?.terminate();
		})();
		return this.#stopped;
	}

	#deliverHere(input: DeliveryInput): Promise<number> {
		this.#here ??= new Function('require', 'config', DELIVERY_SOURCE)(createRequire(import.meta.url), this.#config) as Deliver;
		return this.#here(input);
	}

	#lost(why: string): void {
		if (!this.#worker && this.#waiting.size === 0) return;
		this.#worker = null;
		if (!this.#failedSaid) this.#log(`Push: the push worker ${why}; pushes are sent from the main thread from now on.`);
		this.#failedSaid = true;
		// What the worker had in hand and not answered is sent from here, so no push is lost with it.
		for (const [id, { resolve, reject, input }] of this.#waiting) {
			this.#waiting.delete(id);
			this.#deliverHere(input).then(resolve, reject);
		}
	}
}
