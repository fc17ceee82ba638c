// A push service of our own for tests: an HTTP server on 127.0.0.1 that keeps every request it is
// sent and answers 201 (or what a test tells it to answer for an endpoint), and browser-side keys
// (a P-256 pair and an auth secret, as a browser makes them) to decrypt what it was sent.
import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decrypt } from 'http_ece';

export interface ReceivedPush {
	path: string;
	method: string;
	headers: IncomingHttpHeaders;
	body: Buffer;
}

export interface BrowserKeys {
	ecdh: ECDH;
	auth: Buffer;
	/** As PushSubscription.toJSON() has them. */
	json: { p256dh: string; auth: string };
}

export function browserKeys(): BrowserKeys {
	const ecdh = createECDH('prime256v1');
	ecdh.generateKeys();
	const auth = randomBytes(16);
	return { ecdh, auth, json: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
}

/** The push's plaintext, decrypted with the subscription's own keys (RFC 8291, aes128gcm). */
export function decryptPush(push: ReceivedPush, keys: BrowserKeys): string {
	return decrypt(push.body, { version: 'aes128gcm', privateKey: keys.ecdh, authSecret: keys.auth }).toString('utf8');
}

export async function startPushSink() {
	const received: ReceivedPush[] = [];
	const answers = new Map<string, number>();
	const server = createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const path = request.url ?? '/';
			received.push({ path, method: request.method ?? '', headers: request.headers, body: Buffer.concat(chunks) });
			response.writeHead(answers.get(path) ?? 201).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		origin,
		received,
		/** A fresh endpoint on this sink. */
		endpoint: () => `${origin}/push/${randomBytes(8).toString('hex')}`,
		/** What the pushes to this endpoint were sent. */
		to: (endpoint: string) => received.filter((push) => push.path === new URL(endpoint).pathname),
		answer(endpoint: string, status: number) {
			answers.set(new URL(endpoint).pathname, status);
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}
