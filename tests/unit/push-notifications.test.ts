// What the service worker shows for a push and where a click goes (src/lib/service-worker/notifications.ts).
import { describe, expect, it } from 'vitest';
import { FALLBACK_MESSAGE, ownPath, readPushMessage } from '$lib/service-worker/notifications';

describe('a push in the service worker', () => {
	it('shows what the server sent, with its tag and a path of Hearth’s own', () => {
		const sent = { title: 'Hearth', body: 'Something new in The Garcias', url: '/circles/abc', tag: 'hearth-circle-abc' };
		expect(readPushMessage(sent)).toEqual(sent);
	});

	it('shows the plain fallback for data it cannot read, and never opens another site', () => {
		for (const data of [null, 'text', { title: 'Hearth' }, { title: 'x'.repeat(500), body: 'b', tag: 't', url: '/' }])
			expect(readPushMessage(data)).toEqual(FALLBACK_MESSAGE);
		for (const url of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', 42, null])
			expect(readPushMessage({ title: 'Hearth', body: 'b', tag: 't', url }).url).toBe('/circles');
		expect(ownPath('/circles/abc/agreements/def?x=1')).toBe('/circles/abc/agreements/def?x=1');
	});
});
