// The live channel while the database is away (issue 17 point 6): a socket whose session cannot be
// checked is asked to try again ('unavailable'), never told it is signed out (the page would then
// reload itself to the log-in form), and a catch-up that cannot be read is answered "ask again
// after a wait", never "not found" (the page would take it as being removed from the circle).
// A real socket.io server with the app's handlers and real clients; the database "goes away" by
// throwing what node-postgres throws for a refused connection, and comes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CircleSyncResponse } from '$lib/realtime/events';
import type { Database } from '$lib/server/db';
import { UNAVAILABLE_CATCH_UP_MESSAGE, UNAVAILABLE_LIVE_MESSAGE } from '$lib/unavailable';
import { startRealtime, UNREADABLE_RETRY_MS } from '$lib/server/realtime';
import { SESSION_COOKIE } from '$lib/server/auth/cookies';
import { createSession } from '$lib/server/auth/sessions';
import { circleOf } from './support/circles';
import { createTestDatabase, type TestDatabase } from './support/database';
import { startSocketServer, type TestClient } from './support/socket-server';

let testDb: TestDatabase;
let server: Awaited<ReturnType<typeof startSocketServer>>;
/** While true, every use of the database throws as a refused connection does. */
let away = false;

/** `db`, except that while `away` it cannot be reached. */
function reachableOnlyWhenUp(db: Database): Database {
	return new Proxy(db, {
		get(target, property) {
			if (away) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
			const value = Reflect.get(target, property, target);
			return typeof value === 'function' ? value.bind(target) : value;
		}
	});
}

beforeAll(async () => {
	testDb = await createTestDatabase();
	server = await startSocketServer();
	startRealtime(reachableOnlyWhenUp(testDb.db), { committed: reachableOnlyWhenUp(testDb.committed), generation: testDb.generation });
});

afterAll(async () => {
	away = false;
	await server.close();
	await testDb.dispose();
});

function outcome(socket: TestClient): Promise<{ connected: true } | { connected: false; reason: unknown; message: string }> {
	return new Promise((resolve) => {
		socket.once('connect', () => resolve({ connected: true }));
		socket.once('connect_error', (error) =>
			resolve({ connected: false, reason: (error as Error & { data?: { reason?: string } }).data?.reason, message: error.message })
		);
	});
}

function sync(socket: TestClient, circleId: string, afterSeq = 0): Promise<CircleSyncResponse> {
	return new Promise((resolve) => socket.emit('circle:sync', { circleId, afterSeq }, resolve));
}

describe('with the database away', () => {
	it('a socket with a valid session is asked to try again, not told it is signed out; once the database is back it connects', async () => {
		const { owner } = await circleOf(testDb.db, []);
		const { token } = await createSession(testDb.db, owner.id);
		const headers = { origin: server.origin, cookie: `${SESSION_COOKIE}=${token}` };

		away = true;
		try {
			expect(await outcome(server.client(headers))).toEqual({ connected: false, reason: 'unavailable', message: UNAVAILABLE_LIVE_MESSAGE });
		} finally {
			away = false;
		}
		expect(await outcome(server.client(headers))).toEqual({ connected: true });
	});

	it('a catch-up is answered "ask again after a wait", not "not found"; once the database is back it is answered', async () => {
		const { circleId, owner } = await circleOf(testDb.db, []);
		const socket = await server.signedIn(testDb.db, owner);
		expect(await sync(socket, circleId)).toMatchObject({ ok: true });

		away = true;
		let answer: CircleSyncResponse;
		try {
			answer = await sync(socket, circleId);
		} finally {
			away = false;
		}
		expect(answer).toEqual({ ok: false, reason: 'throttled', message: UNAVAILABLE_CATCH_UP_MESSAGE, retryAfterMs: UNREADABLE_RETRY_MS });
		expect(socket.connected).toBe(true);
		expect(await sync(socket, circleId)).toMatchObject({ ok: true, events: expect.any(Array) });
	});
});
