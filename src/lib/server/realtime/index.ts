import type { Socket } from 'socket.io';
import * as v from 'valibot';
import type { Database } from '$lib/server/db';
import { isDatabaseUnavailable } from '$lib/server/db/unavailable';
import { UNAVAILABLE_CATCH_UP_MESSAGE, UNAVAILABLE_LIVE_MESSAGE } from '$lib/unavailable';
import { SESSION_COOKIE } from '$lib/server/auth/cookies';
import { validateSessionToken } from '$lib/server/auth/sessions';
import { isCircleMember, listMemberCircleIds } from '$lib/server/circles/circles';
import { requireMember } from '$lib/server/circles/access';
import { countUnread } from '$lib/server/unread/counts';
import { markCircleRead } from '$lib/server/unread/positions';
import { listCircleEventsAfter } from '$lib/server/circles/events';
import { eventsForMember } from '$lib/server/checkins/audience';
import { parseMessage } from '$lib/server/forms';
import { isRefusal, notFound, refusalReply, throttled } from '$lib/server/refusal';
import {
	circleRoom,
	sessionRoom,
	userRoom,
	type CircleReadRequest,
	type CircleSyncRequest,
	type ClientToServerEvents,
	type HandshakeRefusal,
	type ServerToClientEvents,
	type SocketData
} from '$lib/realtime/events';
import { PRESENCE_WAIT_MS, onlineUserIdsElsewhere, onlineUserIdsNow, type HearthServer } from './publish';
import { Allowance, Gate, SOCKET_CONCURRENT_READS, SOCKET_RATE, SOCKET_WAITING_READS, STRIKES_BEFORE_DISCONNECT, UserLimits } from './limits';
import { getSocketHost } from './socket-host.js';

type HearthSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const REFUSAL_MESSAGES: Record<HandshakeRefusal, string> = {
	'not-signed-in': 'You are not signed in (no valid session cookie).',
	'origin-not-allowed': 'This connection did not come from a Hearth page (Origin not allowed).',
	starting: 'Hearth is still starting.',
	unavailable: UNAVAILABLE_LIVE_MESSAGE
};

/** What a catch-up is told when it could not be read (the database is away): ask again after this. */
export const UNREADABLE_RETRY_MS = 2000;

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

/** `circle:sync`: "I have applied everything of this circle up to afterSeq". */
const syncRequestSchema = v.object({
	circleId: v.pipe(v.string(), v.maxLength(64)),
	afterSeq: v.pipe(v.number(), v.safeInteger(), v.minValue(0))
}) satisfies v.GenericSchema<unknown, CircleSyncRequest>;

/** `circle:read`: "I have seen this circle up to seq". A seq past the newest is clamped, not refused. */
const readRequestSchema = v.object({
	circleId: v.pipe(v.string(), v.maxLength(64)),
	seq: v.pipe(v.number(), v.safeInteger(), v.minValue(0))
}) satisfies v.GenericSchema<unknown, CircleReadRequest>;

/** What a throttled sender is told; a Hearth page waits `retryAfterMs` and asks again by itself. */
export const THROTTLED_MESSAGE = 'Too many requests in a short time. Please wait a moment; this page will try again by itself.';

function throttledReply(retryAfterMs: number) {
	return refusalReply(throttled(THROTTLED_MESSAGE, Math.ceil(retryAfterMs)));
}

/** Where catch-up reads from: only committed events leave the server (see circles/events.ts). */
export interface EventLog {
	committed: Database;
	generation: string;
}

export interface RealtimeOptions {
	/** The clock the message allowances run on (tests move it by hand). */
	now?: () => number;
}

/**
 * Adds the handshake checks, rooms and message handlers to the socket.io server server.js or Vite
 * made. `log` is where catch-up replies are read (the committed reader) and the log's generation.
 */
export function startRealtime(db: Database, log: EventLog, options: RealtimeOptions = {}): HearthServer | null {
	const host = getSocketHost();
	if (!host) return null;
	const io = host.io as HearthServer;
	if (host.ready) return io;
	const now = options.now ?? Date.now;
	const users = new UserLimits();

	io.use(async (socket, next) => {
		if (!isAllowedOrigin(socket.handshake.headers.origin, socket.handshake.headers)) {
			return next(refuse('origin-not-allowed'));
		}
		const token = readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
		if (!token) return next(refuse('not-signed-in'));
		let validated: Awaited<ReturnType<typeof validateSessionToken>>;
		try {
			validated = await validateSessionToken(db, token, { touch: false });
		} catch (caught) {
			if (!isDatabaseUnavailable(caught)) console.error('Checking a socket’s session failed', caught);
			// The session could not be checked (the database is away): not "signed out", which would
			// send the page to log in. The page tries again in a moment (live-connection.svelte.ts).
			return next(refuse('unavailable'));
		}
		if (!validated) return next(refuse('not-signed-in'));
		socket.data.userId = validated.user.id;
		socket.data.sessionId = validated.session.id;
		next();
	});

	io.on('connection', (socket: HearthSocket) => {
		const { userId } = socket.data;

		// Every message counts against the socket's allowance and its user's (limits.ts). One over
		// either is answered `throttled` with the time to wait, and not handled; a socket that
		// keeps sending without waiting is disconnected. (Middleware runs before any handler.)
		const user = users.connect(userId, now());
		const allowance = new Allowance(SOCKET_RATE, now());
		const reads = new Gate(SOCKET_CONCURRENT_READS);
		socket.use((packet, next) => {
			if (socket.disconnected) return;
			const at = now();
			if ((allowance.spend(at) || user.allowance.take(at)) === 0) return next();
			if (allowance.debt(at) > STRIKES_BEFORE_DISCONNECT) {
				socket.disconnect(true);
				return;
			}
			// Long enough for both allowances: asking again then is answered.
			const ack = packet[packet.length - 1];
			if (typeof ack === 'function') ack(throttledReply(Math.max(allowance.waitFor(at), user.allowance.waitFor(at))));
		});
		socket.on('disconnect', () => users.disconnect(userId, now()));

		// Membership is checked again on every message, never only at connect time.
		// (Handlers are registered before any await, so an early message is not lost.)
		socket.on('circle:sync', (request, reply) => {
			if (typeof reply !== 'function') return;
			// One catch-up read at a time per socket (a few may wait), a couple per user.
			if (reads.waiting >= SOCKET_WAITING_READS) return reply(throttledReply(1000 / SOCKET_RATE.perSecond));
			void reads.run(async () => {
				if (socket.disconnected) return; // gone while waiting: nobody to read for
				await user.reads.run(async () => {
					if (socket.disconnected) return;
					try {
						// A tampered request is refused as an outsider is: the same answer, never an error.
						const checked = parseMessage(syncRequestSchema, request);
						if (!checked) throw notFound();
						if (!(await isCircleMember(db, userId, checked.circleId))) {
							socket.leave(circleRoom(checked.circleId));
							throw notFound();
						}
						// The socket may already be in the room (it joins its circles at connect) and live
						// events may overtake this reply: the client holds them and merges by number.
						socket.join(circleRoom(checked.circleId));
						const { events: logged, complete } = await listCircleEventsAfter(log.committed, checked.circleId, checked.afterSeq);
						// A check-in this member may not see comes as a content-free stand-in with its number (audience.ts).
						const events = await eventsForMember(log.committed, userId, logged);
						// Members on other servers (REDIS_URL) first; this server's own part is read last, at once.
						const elsewhere = host.redis ? await onlineUserIdsElsewhere(io, checked.circleId) : [];
						const online = [...new Set([...elsewhere, ...onlineUserIdsNow(io, checked.circleId)])];
						reply({ ok: true, generation: log.generation, events, complete, online });
					} catch (caught) {
						if (isRefusal(caught)) return reply(refusalReply(caught));
						// Not "not found" (the page would take it as being removed): the log could not be read
						// now (the database is away), so it asks again after the wait, as after a throttle,
						// and holds what arrives live meanwhile (circle-sync.ts). Nothing is skipped.
						if (!isDatabaseUnavailable(caught)) console.error('circle:sync failed', caught);
						reply(refusalReply(throttled(UNAVAILABLE_CATCH_UP_MESSAGE, UNREADABLE_RETRY_MS)));
					}
				});
			});
		});

		// The page marks what it has applied (throttled in the browser: src/lib/unread/read-marks.ts).
		socket.on('circle:read', (request, reply) => {
			if (typeof reply !== 'function') return;
			void (async () => {
				try {
					const checked = parseMessage(readRequestSchema, request);
					if (!checked) throw notFound();
					const access = await requireMember(db, { id: userId }, checked.circleId);
					await markCircleRead(db, access, checked.seq, { committed: log.committed, now: now() });
					reply({ ok: true });
				} catch (caught) {
					if (isRefusal(caught)) return reply(refusalReply(caught));
					if (!isDatabaseUnavailable(caught)) console.error('circle:read failed', caught);
					reply(refusalReply(throttled(UNAVAILABLE_CATCH_UP_MESSAGE, UNREADABLE_RETRY_MS)));
				}
			})();
		});

		// Counts for all of the user's circles, read once the socket is in their rooms: whatever
		// commits after the read arrives live, and the browser adds only what is newer than the
		// count's own latestSeq, so nothing counts twice (src/lib/unread/unread.svelte.ts).
		socket.on('unread:counts', (reply) => {
			if (typeof reply !== 'function') return;
			if (reads.waiting >= SOCKET_WAITING_READS) return reply(throttledReply(1000 / SOCKET_RATE.perSecond));
			void reads.run(async () => {
				if (socket.disconnected) return;
				await user.reads.run(async () => {
					if (socket.disconnected) return;
					try {
						await roomsJoined;
						reply({ ok: true, counts: await countUnread(log.committed, userId) });
					} catch (caught) {
						if (!isDatabaseUnavailable(caught)) console.error('unread:counts failed', caught);
						reply(refusalReply(throttled(UNAVAILABLE_CATCH_UP_MESSAGE, UNREADABLE_RETRY_MS)));
					}
				});
			});
		});

		socket.on('disconnecting', () => {
			const rooms = [...socket.rooms].filter((room) => room.startsWith('circle:'));
			// Another socket of this user, on any server, keeps them present.
			void io
				.in(userRoom(userId))
				.timeout(PRESENCE_WAIT_MS)
				.fetchSockets()
				.catch(() => [] as { id: string }[]) // Redis away: as far as this server can tell, gone
				.then((sockets) => {
					if (sockets.some((other) => other.id !== socket.id)) return;
					for (const room of rooms) {
						io.to(room).emit('presence:changed', { circleId: room.slice('circle:'.length), userId, online: false });
					}
				});
		});

		socket.join([userRoom(userId), sessionRoom(socket.data.sessionId)]);
		const roomsJoined = listMemberCircleIds(db, userId)
			.then((circleIds) => {
				if (socket.disconnected) return;
				socket.join(circleIds.map(circleRoom));
				for (const circleId of circleIds) {
					socket.to(circleRoom(circleId)).emit('presence:changed', { circleId, userId, online: true });
				}
			})
			.catch((error) => console.error('Joining circle rooms failed', error));
	});

	host.ready = true;
	return io;
}
