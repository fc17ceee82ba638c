// Encrypting a push (RFC 8291: a fresh ECDH key pair, a shared secret, HKDF and AES-GCM for every
// push) is about half a millisecond of CPU, all of it synchronous in node:crypto. On the event loop
// a burst of pushes held up the requests behind it (`npm run bench -- --push`), so the encryption
// runs on a worker thread: the event loop only hands over the subscription and the words, and gets
// the headers and the body back.
//
// The worker is web-push's own generateRequestDetails, run as plain CommonJS with `eval` (as the
// SQLite checkpoint worker is), so the build needs no separate worker file. If the worker cannot
// start or dies, pushes are encrypted on the event loop instead (said once): slower, never lost.
//
// A push may wait a few milliseconds; a request should not. On Linux the worker lowers its own
// thread's priority (nice 10, by its thread id from /proc/thread-self), so when every core is busy
// the event loop and the sockets come first. Elsewhere it runs at the process's priority.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import webPush from 'web-push';

export interface PushRequest {
	endpoint: string;
	method: string;
	headers: Record<string, string | number>;
	body: Buffer | null;
}

export interface EncryptInput {
	endpoint: string;
	p256dh: string;
	auth: string;
	payload: string;
	options: { TTL: number; contentEncoding: 'aes128gcm'; urgency: 'normal'; topic?: string };
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const webPush = require(workerData.webPush);
try {
	const thread = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
	require('node:os').setPriority(thread, 10);
} catch {}
parentPort.on('message', ({ id, endpoint, p256dh, auth, payload, options }) => {
	try {
		const details = webPush.generateRequestDetails({ endpoint, keys: { p256dh, auth } }, payload, options);
		const body = details.body ? new Uint8Array(details.body) : null;
		parentPort.postMessage({ id, request: { endpoint: details.endpoint, method: details.method, headers: details.headers, body } }, body ? [body.buffer] : []);
	} catch (error) {
		parentPort.postMessage({ id, error: (error && error.message) || String(error) });
	}
});
`;

function encryptHere({ endpoint, p256dh, auth, payload, options }: EncryptInput): PushRequest {
	const details = webPush.generateRequestDetails({ endpoint, keys: { p256dh, auth } }, payload, options);
	return { endpoint: details.endpoint, method: details.method, headers: details.headers as Record<string, string | number>, body: details.body ?? null };
}

interface Waiting {
	resolve: (request: PushRequest) => void;
	reject: (error: Error) => void;
	input: EncryptInput;
}

export class PushEncryption {
	#worker: Worker | null = null;
	readonly #waiting = new Map<number, Waiting>();
	#nextId = 1;
	#failedSaid = false;
	readonly #log: (line: string) => void;

	constructor(log: (line: string) => void) {
		this.#log = log;
		try {
			const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { webPush: createRequire(import.meta.url).resolve('web-push') } });
			// Never what keeps the process alive: the sender's requests do that while they last.
			worker.unref();
			worker.on('message', (message: { id: number; request?: PushRequest & { body: Uint8Array | null }; error?: string }) => {
				const waiting = this.#waiting.get(message.id);
				if (!waiting) return;
				this.#waiting.delete(message.id);
				if (message.error !== undefined || !message.request) return waiting.reject(new Error(message.error ?? 'no answer from the push worker'));
				const { body } = message.request;
				waiting.resolve({ ...message.request, body: body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : null });
			});
			worker.on('error', (error) => this.#lost(`failed: ${error.message}`));
			worker.on('exit', (code) => this.#lost(`stopped (exit ${code})`));
			this.#worker = worker;
		} catch (error) {
			this.#lost(`could not start: ${(error as Error).message}`);
		}
	}

	/** The push's request, encrypted for the subscription's keys (headers without Authorization). */
	encrypt(input: EncryptInput): Promise<PushRequest> {
		if (!this.#worker) return Promise.resolve().then(() => encryptHere(input));
		const id = this.#nextId++;
		return new Promise((resolve, reject) => {
			this.#waiting.set(id, { resolve, reject, input });
			this.#worker!.postMessage({ id, ...input });
		});
	}

	/** Stops the worker (the service stopped); anything still waiting is encrypted here. */
	async stop(): Promise<void> {
		const worker = this.#worker;
		this.#worker = null;
		this.#retryHere();
		await worker?.terminate();
	}

	#lost(why: string): void {
		if (!this.#worker && this.#waiting.size === 0) return;
		this.#worker = null;
		if (!this.#failedSaid) this.#log(`Push: the encryption worker ${why}; pushes are encrypted on the main thread from now on.`);
		this.#failedSaid = true;
		this.#retryHere();
	}

	/** What the worker had not answered yet is done here, so no push is lost with it. */
	#retryHere(): void {
		for (const [id, { resolve, reject, input }] of this.#waiting) {
			this.#waiting.delete(id);
			try {
				resolve(encryptHere(input));
			} catch (error) {
				reject(error as Error);
			}
		}
	}
}
