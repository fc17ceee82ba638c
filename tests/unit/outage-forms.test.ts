// Posting while PostgreSQL is stopped (issue 17 point 6), through the server hook (hooks.server.ts
// `handle`, the whole sequence) and the real route actions, on a throwaway cluster of this file's
// own that is stopped and started again:
// - a form posted without JavaScript gets the 503 whose error carries the words the person wrote
//   (for the error page to show back), only the words (never a password or an email address), only
//   in that answer (no-store), and an enhanced form's 503 does not carry them (it keeps them itself);
// - logging out while PostgreSQL is away logs this device out, says plainly that the session is not
//   ended on Hearth's side yet, and ends it by itself on the device's next request once it is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHttpError, isRedirect, type Handle, type HandleServerError, type RequestEvent } from '@sveltejs/kit';
import * as v from 'valibot';
import { UNAVAILABLE_MESSAGE, UNAVAILABLE_STATUS, type SentWords } from '$lib/unavailable';
import { postgresAvailable, startTestPostgres, type TestPostgres } from './support/postgres';
import { hookEvent, throughHandle } from './support/hook-request';

const bin = postgresAvailable();
let cluster: TestPostgres | undefined;
const named = { DATABASE_PATH: process.env.DATABASE_PATH, DATABASE_URL: process.env.DATABASE_URL };

type Action = (event: RequestEvent) => Promise<unknown>;
let handle: Handle;
let handleError: HandleServerError;
let db: typeof import('$lib/server/db');
let sessions: typeof import('$lib/server/auth/sessions');
let SESSION_COOKIE: string;
let PENDING_LOGOUT_COOKIE: string;
let postCheckIn: Action;
let signUp: Action;
let logOut: Action;
let logoutPage: (event: RequestEvent) => unknown;

beforeAll(async () => {
	if (!bin) return;
	cluster = await startTestPostgres(bin);
	delete process.env.DATABASE_PATH;
	process.env.DATABASE_URL = await cluster.createDatabase();
	db = await import('$lib/server/db');
	await db.openAppDatabase();
	({ handle, handleError } = await import('../../src/hooks.server'));
	sessions = await import('$lib/server/auth/sessions');
	({ SESSION_COOKIE } = await import('$lib/server/auth/cookies'));
	({ PENDING_LOGOUT_COOKIE } = await import('$lib/server/auth/pending-logout'));
	postCheckIn = (await import('../../src/routes/circles/[circleId]/+page.server')).actions.post as unknown as Action;
	signUp = (await import('../../src/routes/signup/+page.server')).actions.default as unknown as Action;
	const logout = await import('../../src/routes/logout/+page.server');
	logOut = logout.actions.default as unknown as Action;
	logoutPage = logout.load as unknown as (event: RequestEvent) => unknown;
}, 60_000);

afterAll(async () => {
	await db?.closeAppDatabase();
	for (const [name, value] of Object.entries(named)) {
		if (value === undefined) delete process.env[name];
		else process.env[name] = value;
	}
	cluster?.stop();
});

/** PostgreSQL stopped for the length of `run`, then started again (the app's pool finds it by itself). */
async function whileStopped<T>(run: () => Promise<T>): Promise<T> {
	await cluster!.stopServer('fast');
	try {
		return await run();
	} finally {
		await cluster!.startServer();
	}
}

interface Answer {
	status: number;
	headers: Headers;
	/** The JSON the fake route answered: an error's body, or what the action returned. */
	body: Record<string, unknown> | null;
	location: string | null;
}

interface Sent {
	method?: 'GET' | 'POST';
	form?: Record<string, string>;
	/** Sent as an enhanced form does (x-sveltekit-action), not as a page without JavaScript. */
	enhanced?: boolean;
	params?: Record<string, string>;
}

/** A browser's cookies, kept between requests. */
class Jar extends Map<string, string> {}

/**
 * One request through the hook, with `route` behind it as SvelteKit runs an action or a load:
 * a redirect is a 303, an error(…) its status and body, anything else thrown goes to handleError
 * (a 500, which the hook turns into the 503 when the database is away).
 */
async function send(
	pathname: string,
	route: (event: RequestEvent) => unknown,
	jar: Jar,
	{ method = 'POST', form, enhanced = false, params = {} }: Sent = {}
): Promise<Answer> {
	const url = new URL(`http://hearth.test${pathname}`);
	const headers: Record<string, string> = { origin: url.origin, 'user-agent': 'vitest' };
	if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
	if (enhanced) headers['x-sveltekit-action'] = 'true';
	const event = hookEvent(new Request(url, { method, headers, body: form ? new URLSearchParams(form) : undefined }), jar, { params, setHeaders: () => {} });
	const resolve = async (seen: RequestEvent) => {
		try {
			return Response.json((await route(seen)) ?? null);
		} catch (thrown) {
			if (isRedirect(thrown)) return new Response(null, { status: thrown.status, headers: { location: thrown.location } });
			if (isHttpError(thrown)) return Response.json(thrown.body, { status: thrown.status });
			return Response.json(await handleError({ error: thrown, event: seen, status: 500, message: 'Internal Error' }), { status: 500 });
		}
	};
	const response = await throughHandle(handle, event, resolve);
	const text = await response.text();
	return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null, location: response.headers.get('location') };
}

/** A member with a circle and a signed-in browser. */
async function member(): Promise<{ jar: Jar; circleId: string; token: string }> {
	const { circleOf } = await import('./support/circles');
	const { owner, circleId } = await circleOf(db.getDb(), []);
	const { token } = await sessions.createSession(db.getDb(), owner.id);
	return { jar: new Jar([[SESSION_COOKIE, token]]), circleId, token };
}

describe.skipIf(!bin)('a form posted while PostgreSQL is stopped', () => {
	it('without JavaScript: the 503 carries the words written, for the page to show back, and is kept by no cache', async () => {
		const { jar, circleId } = await member();
		const words = 'Rough night, but I called my sponsor.\nStill here.';
		const answer = await whileStopped(() =>
			send(`/circles/${circleId}?/post`, postCheckIn, jar, { form: { mood: '2', need: 'listen', body: words }, params: { circleId } })
		);
		expect(answer.status).toBe(UNAVAILABLE_STATUS);
		expect(answer.body).toEqual({ message: UNAVAILABLE_MESSAGE, unavailable: true, sent: [{ label: 'Your words', text: words }] });
		expect(answer.headers.get('cache-control')).toBe('no-store');
		expect(answer.headers.get('retry-after')).toBeTruthy();
		// The browser is neither signed out nor signed in: its cookie stays.
		expect(jar.has(SESSION_COOKIE)).toBe(true);
	});

	it('with JavaScript: the 503 says nothing was saved and carries no words (the form keeps them in place)', async () => {
		const { jar, circleId } = await member();
		const answer = await whileStopped(() =>
			send(`/circles/${circleId}?/post`, postCheckIn, jar, { form: { mood: '2', body: 'Kept in the form' }, enhanced: true, params: { circleId } })
		);
		expect(answer.status).toBe(UNAVAILABLE_STATUS);
		expect(answer.body).toEqual({ message: UNAVAILABLE_MESSAGE, unavailable: true });
	});

	it('shows back only a person’s words: never a password or an email address', async () => {
		const answer = await whileStopped(() =>
			send('/signup', signUp, new Jar(), { form: { displayName: 'Maria', email: 'maria@example.org', password: 'a secret passphrase' } })
		);
		expect(answer.status).toBe(UNAVAILABLE_STATUS);
		expect(answer.body?.sent).toEqual([{ label: 'Your name', text: 'Maria' }] satisfies SentWords[]);
		expect(JSON.stringify(answer.body)).not.toMatch(/secret passphrase|maria@example/);
	});

	it('when the database goes away during the action itself, its words come back all the same', async () => {
		const { formAction } = await import('$lib/server/http/respond');
		const request = new Request('http://hearth.test/x', { method: 'POST', body: new URLSearchParams({ body: 'Mine' }) });
		const lost = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
		const sent = [{ label: 'Your words', text: 'Mine' }];
		const thrown = await formAction({ request, locals: { user: null, session: null, sent } }, 'post', v.object({ body: v.string() }), () =>
			Promise.reject(lost)
		).then(
			() => null,
			(error: unknown) => error
		);
		expect(isHttpError(thrown) && thrown.status).toBe(UNAVAILABLE_STATUS);
		expect(isHttpError(thrown) && thrown.body).toEqual({ message: UNAVAILABLE_MESSAGE, unavailable: true, sent });
	});
});

describe.skipIf(!bin)('logging out while PostgreSQL is stopped', () => {
	it('logs this device out, says the session is not ended on Hearth’s side yet, and ends it by itself once PostgreSQL is back', async () => {
		const { jar, token } = await member();
		const { logoutPending, page } = await whileStopped(async () => {
			const loggedOut = await send('/logout', logOut, jar);
			// Off to the page that says so, not to the log-in form as if all were done.
			expect(loggedOut).toMatchObject({ status: 303, location: '/logout' });
			expect(jar.has(SESSION_COOKIE), 'this device is logged out').toBe(false);
			expect(jar.get(PENDING_LOGOUT_COOKIE)).toMatch(/^[0-9a-f]{64}$/);
			// The page it goes to, still while PostgreSQL is away.
			const page = await send('/logout', logoutPage, jar, { method: 'GET' });
			return { logoutPending: jar.get(PENDING_LOGOUT_COOKIE), page };
		});
		expect(page).toMatchObject({ status: 200, body: { logoutPending: true } });
		// The session still works for whoever holds its token: it has not been ended yet.
		expect(await sessions.validateSessionToken(db.getDb(), token, { touch: false })).not.toBeNull();
		expect(logoutPending).toBeTruthy();

		// PostgreSQL is back: the device's next request, whatever it is, ends the session.
		const next = await send('/logout', logoutPage, jar, { method: 'GET' });
		expect(next).toMatchObject({ status: 303, location: '/login' });
		expect(jar.has(PENDING_LOGOUT_COOKIE)).toBe(false);
		expect(await sessions.validateSessionToken(db.getDb(), token, { touch: false })).toBeNull();
	});

	it('with PostgreSQL up, ends the session at once and leaves nothing pending', async () => {
		const { jar, token } = await member();
		expect(await send('/logout', logOut, jar)).toMatchObject({ status: 303, location: '/login' });
		expect([...jar.keys()]).toEqual([]);
		expect(await sessions.validateSessionToken(db.getDb(), token, { touch: false })).toBeNull();
	});
});
