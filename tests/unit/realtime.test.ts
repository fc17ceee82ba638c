import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { SESSION_COOKIE } from '$lib/server/auth/cookies';
import { createSession } from '$lib/server/auth/sessions';
import { newId } from '$lib/server/ids';
import { userRoom } from '$lib/realtime/events';
import { isAllowedOrigin, readCookie, startRealtime } from '$lib/server/realtime';
import { disconnectSessions } from '$lib/server/realtime/publish';
import { createTestDatabase, type TestDatabase } from './support/database';
import { startSocketServer } from './support/socket-server';

// A real HTTP server with the app's socket.io attachment and handshake checks, and real clients.
let testDb: TestDatabase;
let server: Awaited<ReturnType<typeof startSocketServer>>;
let origin: string;

beforeAll(async () => {
	testDb = await createTestDatabase();
	server = await startSocketServer();
	origin = server.origin;
});

afterAll(async () => {
	await server.close();
	await testDb.dispose();
});

async function newSessionCookie(): Promise<{ cookie: string; userId: string; sessionId: string }> {
	const userId = newId();
	const now = Date.now();
	await testDb.db
		.insertInto('users')
		.values({ id: userId, email: `${userId}@example.org`, display_name: 'Ana', password_hash: 'x', created_at: now, updated_at: now })
		.execute();
	const { token, session } = await createSession(testDb.db, userId);
	return { cookie: `${SESSION_COOKIE}=${token}`, userId, sessionId: session.id };
}

function client(headers: Record<string, string>): Socket {
	return server.client(headers);
}

/** Resolves with 'connected', or with the refusal's reason and message. */
function outcome(socket: Socket): Promise<{ connected: true } | { connected: false; reason: unknown; message: string }> {
	return new Promise((resolve) => {
		socket.once('connect', () => resolve({ connected: true }));
		socket.once('connect_error', (error) =>
			resolve({ connected: false, reason: (error as Error & { data?: { reason?: string } }).data?.reason, message: error.message })
		);
	});
}

describe('the socket handshake', () => {
	it('refuses everyone until the app has registered its checks', async () => {
		const { cookie } = await newSessionCookie();
		expect(await outcome(client({ cookie, origin }))).toMatchObject({ connected: false, reason: 'starting' });
		startRealtime(testDb.db, { committed: testDb.committed, generation: testDb.generation });
	});

	it('refuses a connection without a session cookie, saying why', async () => {
		const result = await outcome(client({ origin }));
		expect(result).toMatchObject({ connected: false, reason: 'not-signed-in', message: expect.stringMatching(/not signed in/) });
	});

	it('refuses a cookie that is not a live session', async () => {
		const result = await outcome(client({ origin, cookie: `${SESSION_COOKIE}=made-up-token` }));
		expect(result).toMatchObject({ connected: false, reason: 'not-signed-in' });
	});

	it('refuses a valid session from another origin, or with no Origin at all', async () => {
		const { cookie } = await newSessionCookie();
		expect(await outcome(client({ cookie, origin: 'https://evil.example' }))).toMatchObject({
			connected: false,
			reason: 'origin-not-allowed',
			message: expect.stringMatching(/Origin/)
		});
		expect(await outcome(client({ cookie }))).toMatchObject({ connected: false, reason: 'origin-not-allowed' });
	});

	it('accepts a valid session from the same origin and puts the socket in the user’s room', async () => {
		const { cookie, userId } = await newSessionCookie();
		expect(await outcome(client({ cookie, origin }))).toEqual({ connected: true });
		const inRoom = await server.host.io.in(userRoom(userId)).fetchSockets();
		expect(inRoom).toHaveLength(1);
	});
});

describe('ending a session', () => {
	it('tells that session’s sockets why, disconnects them, and leaves the user’s other sessions alone', async () => {
		const phone = await newSessionCookie();
		// A second session (another device) of the same user.
		const { token } = await createSession(testDb.db, phone.userId);
		const laptopCookie = `${SESSION_COOKIE}=${token}`;

		const phoneSocket = client({ cookie: phone.cookie, origin });
		const laptopSocket = client({ cookie: laptopCookie, origin });
		await Promise.all([outcome(phoneSocket), outcome(laptopSocket)]);

		const told = new Promise((resolve) => phoneSocket.once('session:ended', resolve));
		const dropped = new Promise((resolve) => phoneSocket.once('disconnect', resolve));
		disconnectSessions([phone.sessionId], 'logged-out');
		expect(await told).toEqual({ reason: 'logged-out' });
		expect(await dropped).toBe('io server disconnect');
		expect(laptopSocket.connected).toBe(true);
		expect(await server.host.io.in(userRoom(phone.userId)).fetchSockets()).toHaveLength(1);
	});
});

describe('handshake helpers', () => {
	it('reads one cookie among several', () => {
		expect(readCookie('a=1; hearth_session=abc; b=2', 'hearth_session')).toBe('abc');
		expect(readCookie('a=1', 'hearth_session')).toBeNull();
		expect(readCookie(undefined, 'hearth_session')).toBeNull();
	});

	it('compares the Origin with ORIGIN when it is set, else with the Host header', () => {
		expect(isAllowedOrigin('http://localhost:3000', { host: 'localhost:3000' }, {})).toBe(true);
		expect(isAllowedOrigin('http://localhost:3001', { host: 'localhost:3000' }, {})).toBe(false);
		expect(isAllowedOrigin('not a url', { host: 'localhost:3000' }, {})).toBe(false);
		expect(isAllowedOrigin('https://hearth.example', { host: '10.0.0.5:3000' }, { ORIGIN: 'https://hearth.example' })).toBe(true);
		expect(isAllowedOrigin('http://hearth.example', { host: 'hearth.example' }, { ORIGIN: 'https://hearth.example' })).toBe(false);
		expect(isAllowedOrigin('https://a.example', { 'x-forwarded-host': 'a.example', host: 'internal' }, { HOST_HEADER: 'x-forwarded-host' })).toBe(true);
	});
});
