// The push routes and the account page's push forms, called as SvelteKit calls them. Bad input
// (issue 18, "Bad input") is a clear 4xx and stores nothing: a body that is not JSON or not sent as
// JSON, an endpoint that is not https: (127.0.0.1 too, unless the test flag is set), oversized or
// misshapen keys, a level or a quiet-hours value that is not one of the choices.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser, Session } from '$lib/server/auth/sessions';
import type { PushService } from '$lib/server/push';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';
import { browserKeys } from './support/push-sink';

type Handler = (event: unknown) => Promise<Response>;
type Action = (event: unknown) => Promise<unknown>;

let app: AppTestDatabase;
let routes: { POST: Handler; DELETE: Handler };
let keyRoute: { GET: Handler };
let actions: Record<string, Action>;
let dbModule: typeof import('$lib/server/db');
let push: PushService;
let maria: SessionUser;
let session: Session;
let circleId: string;

beforeAll(async () => {
	app = await useAppDatabase();
	dbModule = await import('$lib/server/db');
	const { startPush } = await import('$lib/server/push');
	push = await startPush(dbModule.getDb(), { env: {} });
	routes = (await import('../../src/routes/push/subscription/+server')) as unknown as typeof routes;
	keyRoute = (await import('../../src/routes/push/+server')) as unknown as typeof keyRoute;
	actions = (await import('../../src/routes/account/+page.server')).actions as unknown as Record<string, Action>;
	const { circleOf } = await import('./support/circles');
	const { createSession } = await import('$lib/server/auth/sessions');
	const circle = await circleOf(dbModule.getDb(), ['Sam']);
	circleId = circle.circleId;
	maria = circle.owner;
	({ session } = await createSession(dbModule.getDb(), maria.id));
});

afterAll(async () => {
	push?.stop();
	await app?.dispose();
});

function event(method: string, body: BodyInit, contentType = 'application/json', signedIn = true) {
	const url = new URL('http://hearth.test/push/subscription');
	return {
		locals: signedIn ? { user: maria, session } : { user: null, session: null },
		params: {},
		url,
		request: new Request(url, { method, body, headers: { 'content-type': contentType } }),
		cookies: { get: () => undefined, getAll: () => [], set() {}, delete() {}, serialize: () => '' },
		getClientAddress: () => '127.0.0.1',
		setHeaders() {},
		route: { id: '/push/subscription' }
	};
}

const count = async (table: 'push_subscriptions' | 'push_preferences' | 'push_settings') =>
	Number(
		(
			await dbModule
				.getDb()
				.selectFrom(table)
				.select((eb) => eb.fn.countAll().as('n'))
				.executeTakeFirstOrThrow()
		).n
	);

const keys = browserKeys().json;
const good = { endpoint: 'https://fcm.googleapis.com/fcm/send/abc:def', expirationTime: null, keys };

async function answer(handler: Handler, ...args: Parameters<typeof event>): Promise<{ status: number; body: { message?: string; ok?: boolean } }> {
	try {
		const response = await handler(event(...args));
		return { status: response.status, body: await response.json() };
	} catch (caught) {
		// kit's error(): what SvelteKit would answer with
		const { status, body } = caught as { status: number; body: { message: string } };
		if (typeof status !== 'number') throw caught;
		return { status, body };
	}
}

describe('POST /push/subscription', () => {
	const BAD: Array<[string, BodyInit, string?]> = [
		['not JSON', '{"subscription": '],
		['JSON that is not an object', '"hello"'],
		['sent as a form (a cross-site form post)', new URLSearchParams({ subscription: JSON.stringify(good) }), 'application/x-www-form-urlencoded'],
		['no subscription', '{}'],
		['an endpoint that is not https:', JSON.stringify({ subscription: { ...good, endpoint: 'http://push.example/abc' } })],
		['an endpoint on 127.0.0.1 (without the test flag)', JSON.stringify({ subscription: { ...good, endpoint: 'http://127.0.0.1:8080/push' } })],
		['an endpoint on a private address', JSON.stringify({ subscription: { ...good, endpoint: 'https://192.168.1.1/push' } })],
		['an endpoint that is not a URL', JSON.stringify({ subscription: { ...good, endpoint: 'fcm' } })],
		['an oversized endpoint', JSON.stringify({ subscription: { ...good, endpoint: `https://push.example/${'a'.repeat(3000)}` } })],
		['an oversized key', JSON.stringify({ subscription: { ...good, keys: { ...keys, p256dh: 'A'.repeat(3000) } } })],
		['a p256dh that is not a P-256 point', JSON.stringify({ subscription: { ...good, keys: { ...keys, p256dh: Buffer.alloc(65, 7).toString('base64url') } } })],
		['an auth secret of the wrong length', JSON.stringify({ subscription: { ...good, keys: { ...keys, auth: Buffer.alloc(15).toString('base64url') } } })],
		['keys that are not base64url', JSON.stringify({ subscription: { ...good, keys: { p256dh: '!!!', auth: '***' } } })],
		['keys missing', JSON.stringify({ subscription: { endpoint: good.endpoint } })],
		['a body larger than any subscription', JSON.stringify({ subscription: good, padding: 'x'.repeat(5000) })]
	];
	for (const [what, body, type] of BAD) {
		it(`refuses ${what} with a 4xx and a message, and stores nothing`, async () => {
			const before = await count('push_subscriptions');
			const { status, body: said } = await answer(routes.POST, 'POST', body, type);
			expect(status).toBeGreaterThanOrEqual(400);
			expect(status).toBeLessThan(500);
			expect(said.message).toMatch(/\w/);
			expect(await count('push_subscriptions')).toBe(before);
		});
	}

	it('is not found for someone signed out', async () => {
		expect((await answer(routes.POST, 'POST', JSON.stringify({ subscription: good }), 'application/json', false)).status).toBe(404);
	});

	it('keeps a well-formed subscription for this session, and DELETE forgets it', async () => {
		expect(await answer(routes.POST, 'POST', JSON.stringify({ subscription: good }))).toEqual({ status: 201, body: { ok: true } });
		const rows = await dbModule.getDb().selectFrom('push_subscriptions').select(['endpoint', 'session_id', 'user_id']).execute();
		expect(rows).toEqual([{ endpoint: good.endpoint, session_id: session.id, user_id: maria.id }]);
		expect((await answer(routes.DELETE, 'DELETE', 'nope')).status).toBe(400);
		expect((await answer(routes.DELETE, 'DELETE', JSON.stringify({ endpoint: good.endpoint }))).status).toBe(200);
		expect(await count('push_subscriptions')).toBe(0);
	});

	it('GET /push gives the VAPID public key', async () => {
		const response = await keyRoute.GET({});
		expect(await response.json()).toEqual({ publicKey: push.publicKey });
	});
});

describe('the account page’s push forms', () => {
	function formEvent(fields: Record<string, string>) {
		const url = new URL('http://hearth.test/account');
		return {
			...event('POST', new URLSearchParams(fields), 'application/x-www-form-urlencoded'),
			url,
			route: { id: '/account' }
		};
	}

	it('refuses a level that is not one of the choices, or a circle that is not the member’s, and stores nothing', async () => {
		expect(await actions.pushCircle!(formEvent({ circleId, level: 'loud' }))).toMatchObject({
			status: 400,
			data: { action: 'pushCircle', errors: { level: expect.any(String) } }
		});
		expect(await actions.pushCircle!(formEvent({ circleId: 'someoneelses', level: 'nothing' }))).toMatchObject({ status: 404 });
		expect(await count('push_preferences')).toBe(0);
		expect(await actions.pushCircle!(formEvent({ circleId, level: 'needs-me', hideName: 'on' }))).toMatchObject({ action: 'pushCircle', circleId });
		expect(await dbModule.getDb().selectFrom('push_preferences').select(['level', 'hide_name']).execute()).toEqual([{ level: 'needs-me', hide_name: 1 }]);
	});

	it('refuses quiet hours that are not times, only one of the two, or the same twice, next to the field, and stores nothing', async () => {
		const zone = { timeZone: 'Europe/Berlin', reminderAt: '' };
		for (const [fields, field] of [
			[{ quietStart: '25:00', quietEnd: '07:00' }, 'quietStart'],
			[{ quietStart: 'late', quietEnd: '07:00' }, 'quietStart'],
			[{ quietStart: '22:00', quietEnd: '' }, 'quietEnd'],
			[{ quietStart: '22:00', quietEnd: '22:00' }, 'quietEnd'],
			[{ quietStart: '22:00', quietEnd: '07:00', timeZone: 'Mars/Olympus' }, 'timeZone'],
			[{ quietStart: '', quietEnd: '', reminder: 'on', reminderAt: '' }, 'reminderAt']
		] as const) {
			const answer = await actions.pushTimes!(formEvent({ ...zone, ...fields }));
			expect(answer, JSON.stringify(fields)).toMatchObject({ status: 400, data: { action: 'pushTimes', errors: { [field]: expect.any(String) } } });
		}
		expect(await count('push_settings')).toBe(0);
		expect(await actions.pushTimes!(formEvent({ ...zone, quietStart: '22:00', quietEnd: '07:00' }))).toMatchObject({ action: 'pushTimes' });
		expect(await dbModule.getDb().selectFrom('push_settings').select(['time_zone', 'quiet_start', 'quiet_end', 'reminder_at']).execute()).toEqual([
			{ time_zone: 'Europe/Berlin', quiet_start: 22 * 60, quiet_end: 7 * 60, reminder_at: null }
		]);
	});
});
