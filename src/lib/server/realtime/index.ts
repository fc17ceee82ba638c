import type { Server, Socket } from 'socket.io';
import type { Database } from '$lib/server/db';
import { SESSION_COOKIE } from '$lib/server/auth/cookies';
import { validateSessionToken } from '$lib/server/auth/sessions';
import {
	sessionRoom,
	userRoom,
	type ClientToServerEvents,
	type HandshakeRefusal,
	type ServerToClientEvents,
	type SessionEndReason,
	type SocketData
} from '$lib/realtime/events';
import { getSocketHost } from './socket-host.js';

export type HearthServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type HearthSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const REFUSAL_MESSAGES: Record<HandshakeRefusal, string> = {
	'not-signed-in': 'You are not signed in (no valid session cookie).',
	'origin-not-allowed': 'This connection did not come from a Hearth page (Origin not allowed).',
	starting: 'Hearth is still starting.'
};

function refuse(reason: HandshakeRefusal): Error {
	return Object.assign(new Error(REFUSAL_MESSAGES[reason]), { data: { reason } });
}

export function readCookie(header: string | undefined, name: string): string | null {
	if (!header) return null;
	for (const part of header.split(';')) {
		const index = part.indexOf('=');
		if (index === -1) continue;
		if (part.slice(0, index).trim() === name) {
			try {
				return decodeURIComponent(part.slice(index + 1).trim());
			} catch {
				return null;
			}
		}
	}
	return null;
}

/**
 * Same-origin check for the handshake. With ORIGIN set (as adapter-node uses it) the Origin
 * header must equal it; otherwise its host must equal the Host the request was sent to.
 */
export function isAllowedOrigin(
	origin: string | undefined,
	headers: Record<string, string | string[] | undefined>,
	env: Record<string, string | undefined> = process.env
): boolean {
	if (!origin) return false;
	let parsed: URL;
	try {
		parsed = new URL(origin);
	} catch {
		return false;
	}
	if (env.ORIGIN) return parsed.origin === new URL(env.ORIGIN).origin;
	const hostHeader = env.HOST_HEADER ? headers[env.HOST_HEADER.toLowerCase()] : headers.host;
	const host = Array.isArray(hostHeader) ? hostHeader[0] : hostHeader;
	return Boolean(host) && parsed.host === host;
}

let server: HearthServer | null = null;

/** Adds the handshake checks and room joins to the socket.io server that server.js or Vite made. */
export function startRealtime(db: Database): HearthServer | null {
	const host = getSocketHost();
	if (!host) return null;
	const io = host.io as HearthServer;
	if (host.ready) return (server = io);

	io.use(async (socket, next) => {
		if (!isAllowedOrigin(socket.handshake.headers.origin, socket.handshake.headers)) {
			return next(refuse('origin-not-allowed'));
		}
		const token = readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
		const validated = token ? await validateSessionToken(db, token, { touch: false }).catch(() => null) : null;
		if (!validated) return next(refuse('not-signed-in'));
		socket.data.userId = validated.user.id;
		socket.data.sessionId = validated.session.id;
		next();
	});

	io.on('connection', (socket: HearthSocket) => {
		socket.join([userRoom(socket.data.userId), sessionRoom(socket.data.sessionId)]);
	});

	host.ready = true;
	server = io;
	return io;
}

/** Tells the sockets of these sessions why, then disconnects them (they will not reconnect). */
export function disconnectSessions(sessionIds: string[], reason: SessionEndReason): void {
	if (!server || sessionIds.length === 0) return;
	const rooms = sessionIds.map(sessionRoom);
	server.to(rooms).emit('session:ended', { reason });
	server.in(rooms).disconnectSockets(true);
}
