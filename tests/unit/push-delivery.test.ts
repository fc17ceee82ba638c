// The push delivery worker (push/delivery.ts), against a push service of our own on 127.0.0.1:
// what arrives is real Web Push (aes128gcm, the VAPID Authorization it was given, TTL, Topic) that
// decrypts with the subscription's keys; the push service's status comes back; pushes the worker
// has in hand when it stops still arrive, once each, and the ones after are sent from the main
// thread by the same code; a name that resolves to an internal address is never connected to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushDelivery, type DeliveryInput } from '$lib/server/push/delivery';
import { browserKeys, decryptPush, startPushSink, type BrowserKeys } from './support/push-sink';

let sink: Awaited<ReturnType<typeof startPushSink>>;
beforeAll(async () => {
	sink = await startPushSink();
});
afterAll(() => sink.close());

const AUTHORIZATION = 'vapid t=header.payload.signature, k=BPublicKey';

function inputFor(keys: BrowserKeys, words: string, endpoint = sink.endpoint()): DeliveryInput {
	return {
		endpoint,
		p256dh: keys.json.p256dh,
		auth: keys.json.auth,
		payload: JSON.stringify({ title: 'Hearth', body: words }),
		options: { TTL: 60, contentEncoding: 'aes128gcm', urgency: 'normal', topic: 'circle1' },
		authorization: AUTHORIZATION
	};
}

const wordsOf = (endpoint: string, keys: BrowserKeys) => sink.to(endpoint).map((push) => JSON.parse(decryptPush(push, keys)).body as string);

describe('push delivery', () => {
	it('on its worker: real Web Push for the subscription’s keys, each push with its own key, and the answer’s status', async () => {
		const logged: string[] = [];
		const delivery = new PushDelivery({ allowLocal: true, timeoutMs: 5000, log: (line) => logged.push(line) });
		const keys = browserKeys();
		const endpoint = sink.endpoint();
		const gone = sink.endpoint();
		sink.answer(gone, 410);
		expect(await Promise.all([delivery.deliver(inputFor(keys, 'one', endpoint)), delivery.deliver(inputFor(keys, 'two', endpoint))])).toEqual([201, 201]);
		expect(await delivery.deliver(inputFor(keys, 'three', gone))).toBe(410);
		const [first, second] = sink.to(endpoint);
		expect(first!.method).toBe('POST');
		expect(first!.headers['content-encoding']).toBe('aes128gcm');
		expect(first!.headers['ttl']).toBe('60');
		expect(first!.headers['topic']).toBe('circle1');
		expect(first!.headers['authorization']).toBe(AUTHORIZATION);
		expect(wordsOf(endpoint, keys).sort()).toEqual(['one', 'two']);
		expect(first!.body.equals(second!.body)).toBe(false);
		await delivery.stop();
		expect(logged).toEqual([]);
	});

	it('pushes the worker has when it stops arrive once each, and so does every push after', async () => {
		const delivery = new PushDelivery({ allowLocal: true, timeoutMs: 5000, log: () => {} });
		const keys = browserKeys();
		const endpoint = sink.endpoint();
		const inHand = Array.from({ length: 20 }, (_, i) => delivery.deliver(inputFor(keys, `push ${i}`, endpoint)));
		await delivery.stop();
		expect(await delivery.deliver(inputFor(keys, 'after', endpoint))).toBe(201);
		expect(await Promise.all(inHand)).toEqual(Array(20).fill(201));
		expect(wordsOf(endpoint, keys).sort()).toEqual([...Array.from({ length: 20 }, (_, i) => `push ${i}`), 'after'].sort());
	});

	it('a subscription web-push refuses (keys that are not a P-256 point) fails that push alone', async () => {
		const delivery = new PushDelivery({ allowLocal: true, timeoutMs: 5000, log: () => {} });
		const keys = browserKeys();
		const endpoint = sink.endpoint();
		await expect(delivery.deliver({ ...inputFor(keys, 'x', endpoint), p256dh: 'bm90IGEga2V5' })).rejects.toThrow();
		expect(await delivery.deliver(inputFor(keys, 'still fine', endpoint))).toBe(201);
		expect(wordsOf(endpoint, keys)).toEqual(['still fine']);
		await delivery.stop();
	});

	it('a name that resolves to an internal address is never connected to, from the worker or from here', async () => {
		const delivery = new PushDelivery({ allowLocal: true, timeoutMs: 5000, log: () => {} });
		const keys = browserKeys();
		// "localhost" is this machine by name: the test flag lets only the literal 127.0.0.1 through.
		const endpoint = sink.endpoint().replace('127.0.0.1', 'localhost').replace('http:', 'https:');
		const before = sink.received.length;
		await expect(delivery.deliver(inputFor(keys, 'x', endpoint))).rejects.toThrow(/internal addresses/);
		await delivery.stop();
		await expect(delivery.deliver(inputFor(keys, 'x', endpoint))).rejects.toThrow(/internal addresses/);
		expect(sink.received.length).toBe(before);
	});
});
