// The push encryption worker (push/encryption.ts): what it hands back is real aes128gcm for the
// subscription's keys, and a push waiting on it when it stops is encrypted on the main thread
// instead, so stopping (or losing) the worker never loses a push.
import { describe, expect, it } from 'vitest';
import { PushEncryption, type EncryptInput } from '$lib/server/push/encryption';
import { browserKeys, decryptPush, type BrowserKeys } from './support/push-sink';

function inputFor(keys: BrowserKeys, words: string): EncryptInput {
	return {
		endpoint: 'https://push.example.net/send/abc',
		p256dh: keys.json.p256dh,
		auth: keys.json.auth,
		payload: JSON.stringify({ title: 'Hearth', body: words }),
		options: { TTL: 60, contentEncoding: 'aes128gcm', urgency: 'normal', topic: 'circle1' }
	};
}

function opened(request: Awaited<ReturnType<PushEncryption['encrypt']>>, keys: BrowserKeys): string {
	return JSON.parse(decryptPush({ path: '/', method: request.method, headers: {}, body: request.body! }, keys)).body;
}

describe('push encryption', () => {
	it('on its worker: real Web Push for the subscription’s keys, each push with its own key', async () => {
		const logged: string[] = [];
		const encryption = new PushEncryption((line) => logged.push(line));
		const keys = browserKeys();
		const [first, second] = await Promise.all([encryption.encrypt(inputFor(keys, 'one')), encryption.encrypt(inputFor(keys, 'two'))]);
		expect(first.method).toBe('POST');
		expect(first.headers['Content-Encoding']).toBe('aes128gcm');
		expect(first.headers['TTL']).toBe(60);
		expect(first.headers['Topic']).toBe('circle1');
		expect(first.headers['Authorization']).toBeUndefined();
		expect(opened(first, keys)).toBe('one');
		expect(opened(second, keys)).toBe('two');
		expect(first.body!.equals(second.body!)).toBe(false);
		await encryption.stop();
		expect(logged).toEqual([]);
	});

	it('a push waiting when the worker stops is encrypted here, and so is every push after', async () => {
		const encryption = new PushEncryption(() => {});
		const keys = browserKeys();
		const waiting = Array.from({ length: 20 }, (_, i) => encryption.encrypt(inputFor(keys, `push ${i}`)));
		await encryption.stop();
		const after = await encryption.encrypt(inputFor(keys, 'after'));
		expect((await Promise.all(waiting)).map((request) => opened(request, keys))).toEqual(Array.from({ length: 20 }, (_, i) => `push ${i}`));
		expect(opened(after, keys)).toBe('after');
	});

	it('a subscription web-push refuses (keys that are not a P-256 point) fails that push alone', async () => {
		const encryption = new PushEncryption(() => {});
		const keys = browserKeys();
		await expect(encryption.encrypt({ ...inputFor(keys, 'x'), p256dh: 'bm90IGEga2V5' })).rejects.toThrow();
		expect(opened(await encryption.encrypt(inputFor(keys, 'still fine')), keys)).toBe('still fine');
		await encryption.stop();
	});
});
