// No cache keeps a signed-in person's answers: the server hook (hooks.server.ts `handle`, the
// whole sequence, as SvelteKit calls it) marks every answer to a request with a session cookie, or
// that sets one, `Cache-Control: no-store`; build files named by their content keep their long cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handle, RequestEvent } from '@sveltejs/kit';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';
import { hookEvent, throughHandle } from './support/hook-request';

let handle: Handle;
let dbModule: typeof import('$lib/server/db');
let token: string;
let SESSION_COOKIE: string;
let app: AppTestDatabase;

beforeAll(async () => {
	app = await useAppDatabase();
	({ handle } = await import('../../src/hooks.server'));
	dbModule = await import('$lib/server/db');
	({ SESSION_COOKIE } = await import('$lib/server/auth/cookies'));
	const { addUser } = await import('./support/people');
	const { createSession } = await import('$lib/server/auth/sessions');
	const user = await addUser(dbModule.getDb(), 'Ana');
	({ token } = await createSession(dbModule.getDb(), user.id));
});

afterAll(async () => {
	await app?.dispose();
});

interface Sent {
	/** The session cookie the request came with. */
	cookie?: string;
	method?: string;
	/** What the route answers (the fake `resolve`): its headers. */
	headers?: Record<string, string>;
	/** The session cookie the route sets (a log-in). */
	setsCookie?: boolean;
}

/** Runs a request through the server hook; the route behind it is `resolve`, answering 200. */
async function answer(pathname: string, { cookie, method = 'GET', headers = {}, setsCookie = false }: Sent = {}) {
	const url = new URL(`http://hearth.test${pathname}`);
	const jar = new Map(cookie === undefined ? [] : [[SESSION_COOKIE, cookie]]);
	const event = hookEvent(new Request(url, { method }), jar);
	let seenUser: unknown;
	const resolve = async (seen: RequestEvent) => {
		seenUser = seen.locals.user;
		const response = new Response('<p>Hi</p>', { headers });
		if (setsCookie) response.headers.append('set-cookie', `${SESSION_COOKIE}=new-token; Path=/; HttpOnly; SameSite=Lax`);
		return response;
	};
	const response = await throughHandle(handle, event, resolve);
	return { response, cacheControl: response.headers.get('cache-control'), seenUser };
}

describe('Cache-Control on signed-in answers', () => {
	it('is no-store on a signed-in page, its data, a form action’s answer and an endpoint’s', async () => {
		const page = await answer('/circles', { cookie: token, headers: { 'content-type': 'text/html' } });
		expect(page.seenUser, 'the route saw the signed-in user').toMatchObject({ displayName: 'Ana' });
		expect(page.cacheControl).toBe('no-store');
		expect((await answer('/circles/__data.json', { cookie: token })).cacheControl).toBe('no-store');
		expect((await answer('/circles/abc/milestones?/cheer', { cookie: token, method: 'POST' })).cacheControl).toBe('no-store');
		// Whatever the route said about caching, a signed-in answer is not kept.
		const endpoint = await answer('/circles/abc/checkins', { cookie: token, headers: { 'cache-control': 'public, max-age=600' } });
		expect(endpoint.cacheControl).toBe('no-store');
	});

	it('is no-store when the cookie is no longer a session (it is deleted in that same answer)', async () => {
		const ended = await answer('/circles', { cookie: 'ended-or-made-up' });
		expect(ended.seenUser).toBeNull();
		expect(ended.cacheControl).toBe('no-store');
	});

	it('is no-store on the answer that signs someone in (it sets the session cookie)', async () => {
		expect((await answer('/login', { method: 'POST', setsCookie: true })).cacheControl).toBe('no-store');
	});

	it('leaves a signed-out visitor’s pages as they were', async () => {
		expect((await answer('/login')).cacheControl).toBeNull();
		expect((await answer('/help', { headers: { 'cache-control': 'public, max-age=60' } })).cacheControl).toBe('public, max-age=60');
	});

	it('keeps the long cache of build files named by their content, even for a signed-in person', async () => {
		const immutable = 'public,max-age=31536000,immutable';
		const asset = await answer('/_app/immutable/entry/start.Bx1.js', { cookie: token, headers: { 'cache-control': immutable } });
		expect(asset.cacheControl).toBe(immutable);
	});
});
