// socket-host.js with REDIS_URL: two socket.io servers in this process (two HTTP servers, the app's
// attachment each, no app handlers) on one real Redis, with real clients. The whole app on two
// servers is tests/e2e/sync-redis.spec.ts; this checks the wiring itself, and a Redis that is not
// there yet when a server starts. Skipped, with a message, where redis-server is not installed
// (a failure under CI).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { attachSocketServer, getSocketHost, type SocketHost } from '$lib/server/realtime/socket-host.js';
import { onlineUserIdsElsewhere, type HearthServer } from '$lib/server/realtime/publish';
import { freePort, redisUnavailable, startRedis, type TestRedis } from './support/redis';

const unavailable = redisUnavailable();
if (unavailable) console.warn(unavailable);

const redises: TestRedis[] = [];
const hosts: SocketHost[] = [];
const clients: Socket[] = [];

/** A server on a free port whose sockets all join `room`. */
async function serverOn(redisUrl: string): Promise<{ host: SocketHost; origin: string }> {
	const httpServer = createServer();
	const host = attachSocketServer(httpServer, { REDIS_URL: redisUrl });
	hosts.push(host);
	host.io.on('connection', (socket) => socket.join('room'));
	host.ready = true; // no app checks here: let every socket in
	await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
	return { host, origin: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}` };
}

async function clientOf(origin: string): Promise<Socket> {
	const socket = connect(origin, { transports: ['websocket'], reconnection: false, forceNew: true });
	clients.push(socket);
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', resolve);
		socket.once('connect_error', reject);
	});
	return socket;
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	// A condition that throws (a client still connecting) counts as not yet.
	while (
		!(await Promise.resolve()
			.then(condition)
			.catch(() => false))
	) {
		if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

afterAll(async () => {
	for (const socket of clients) socket.disconnect();
	for (const host of hosts) {
		await host.io.close();
		await host.redis?.close();
	}
	for (const redis of redises) await redis.remove();
});

describe.skipIf(unavailable !== null)('socket.io rooms over Redis (REDIS_URL)', () => {
	it('an emit, socketsLeave, fetchSockets and disconnectSockets on one server reach the sockets on the other', async () => {
		const redis = await startRedis();
		redises.push(redis);
		const one = await serverOn(redis.url);
		const two = await serverOn(redis.url);
		const socket = await clientOf(two.origin);
		// Server one sees the socket on server two once both are subscribed.
		await until('fetchSockets across servers', async () => (await one.host.io.in('room').fetchSockets()).some((s) => s.id === socket.id));

		const heard = new Promise((resolve) => socket.once('hello', resolve));
		one.host.io.to('room').emit('hello', 'from server one');
		expect(await heard).toBe('from server one');

		one.host.io.in('room').socketsLeave('room');
		await until('socketsLeave on server two', () => !two.host.io.of('/').adapter.rooms.get('room')?.has(socket.id!));

		const gone = new Promise((resolve) => socket.once('disconnect', resolve));
		one.host.io.in(socket.id!).disconnectSockets(true);
		expect(await gone).toBe('io server disconnect');
	});

	it('starts without Redis (no crash, its own sockets still get its emits) and joins in when Redis comes', async () => {
		const port = await freePort();
		const alone = await serverOn(`redis://127.0.0.1:${port}`);
		expect(alone.host.redis?.connected()).toBe(false);
		const socket = await clientOf(alone.origin);
		const heard = new Promise((resolve) => socket.once('hello', resolve));
		alone.host.io.to('room').emit('hello', 'local');
		expect(await heard).toBe('local');
		// Presence from the other servers: none to be had, so this server's view (an empty list), not an error.
		expect(getSocketHost()).toBe(alone.host);
		expect(await onlineUserIdsElsewhere(alone.host.io as HearthServer, 'any')).toEqual([]);

		const redis = await startRedis({ port });
		redises.push(redis);
		await until('connected once Redis is there', () => alone.host.redis!.connected(), 10_000);
		const other = await serverOn(redis.url);
		await until('fetchSockets across servers', async () => (await other.host.io.in('room').fetchSockets()).some((s) => s.id === socket.id));
	});

	it('is killed, and its folder removed, when the process that started it exits without its clean-up', async () => {
		// A process that starts one and exits at once, as a timed-out test run would: no remove().
		const prefix = `hearth-redis-exit-${randomBytes(4).toString('hex')}-`;
		const module = new URL('./support/redis-server.js', import.meta.url).href;
		const script = `const { startRedisServer } = await import(${JSON.stringify(module)}); const redis = await startRedisServer({ prefix: ${JSON.stringify(prefix)} }); console.log(redis.pid()); process.exit(0);`;
		const pid = Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim());
		expect(pid).toBeGreaterThan(0);
		const alive = () => {
			try {
				process.kill(pid, 0);
				return true;
			} catch {
				return false;
			}
		};
		await until('the redis-server it started is gone', () => !alive());
		expect(readdirSync(tmpdir()).filter((name) => name.startsWith(prefix))).toEqual([]);
	});
});
