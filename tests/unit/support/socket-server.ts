import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '$lib/realtime/events';
import { SESSION_COOKIE } from '$lib/server/auth/cookies';
import { createSession, type SessionUser } from '$lib/server/auth/sessions';
import type { Database } from '$lib/server/db';
import { attachSocketServer, type SocketHost } from '$lib/server/realtime/socket-host.js';

export type TestClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A real HTTP server on a free loopback port with the app's socket.io attachment (the app's own
 * checks are added by the test with startRealtime), and a way to open real clients to it.
 */
export async function startSocketServer() {
	const httpServer = createServer();
	const host: SocketHost = attachSocketServer(httpServer);
	await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
	const origin = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
	const clients: TestClient[] = [];
	return {
		host,
		origin,
		/** A client that does not reconnect by itself, so each test decides what happens. */
		client(headers: Record<string, string>): TestClient {
			const socket: TestClient = connect(origin, { transports: ['websocket'], extraHeaders: headers, reconnection: false, forceNew: true });
			clients.push(socket);
			return socket;
		},
		/** A client signed in as `user` with a fresh session of `db`, once it has connected. */
		async signedIn(db: Database, user: SessionUser): Promise<TestClient> {
			const { token } = await createSession(db, user.id);
			const socket = this.client({ origin, cookie: `${SESSION_COOKIE}=${token}` });
			await new Promise<void>((resolve, reject) => {
				socket.once('connect', resolve);
				socket.once('connect_error', reject);
			});
			return socket;
		},
		async close() {
			for (const socket of clients) socket.disconnect();
			await new Promise<void>((resolve) => host.io.close(() => resolve()));
		}
	};
}
