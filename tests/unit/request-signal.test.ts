// The Request that server.js installs for adapter-node: it must behave as Node's Request does for
// everything SvelteKit reads, and its signal must be the caller's (aborted when the client leaves).
import { describe, expect, it } from 'vitest';
import { RequestWithCallersSignal } from '../../src/lib/server/request-signal.js';

function formPost(signal?: AbortSignal) {
	return new RequestWithCallersSignal('http://hearth.test/circles/abc?/post', {
		method: 'POST',
		headers: [
			['content-type', 'application/x-www-form-urlencoded'],
			['cookie', 'hearth_session=token']
		],
		body: 'mood=4&body=%3Cscript%3Ehello',
		// @ts-expect-error Node needs it for a streamed body; the DOM types do not know it
		duplex: 'half',
		signal
	});
}

describe('RequestWithCallersSignal', () => {
	it('keeps the signal it was given, so it aborts when the caller aborts', () => {
		const controller = new AbortController();
		const request = formPost(controller.signal);
		expect(request.signal).toBe(controller.signal);
		expect(request.signal.aborted).toBe(false);
		controller.abort();
		expect(request.signal.aborted).toBe(true);
	});

	it('reads like any Request: method, url, headers and the form body', async () => {
		const request = formPost(new AbortController().signal);
		expect(request).toBeInstanceOf(Request);
		expect(request.method).toBe('POST');
		expect(new URL(request.url).search).toBe('?/post');
		expect(request.headers.get('cookie')).toBe('hearth_session=token');
		const form = await request.formData();
		expect(form.get('mood')).toBe('4');
		expect(form.get('body')).toBe('<script>hello');
	});

	it('without a signal, or from another Request, is a plain Request with its own signal', () => {
		const plain = formPost();
		expect(plain.signal).toBeInstanceOf(AbortSignal);
		expect(plain.signal.aborted).toBe(false);

		const controller = new AbortController();
		const copy = new RequestWithCallersSignal(new Request('http://hearth.test/help', { signal: controller.signal }));
		expect(copy.url).toBe('http://hearth.test/help');
		controller.abort();
		expect(copy.signal.aborted).toBe(true);
	});
});
