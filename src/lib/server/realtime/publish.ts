// Emit helpers for domain modules. Each is a no-op when no socket server runs (CLI scripts,
// unit tests of the domain), and is called only after the change has committed.
import type { Server } from 'socket.io';
import { audienceOf, maySeeCheckIn } from '$lib/checkins';
import {
	checkInHidden,
	circleRoom,
	isCheckInEvent,
	sessionRoom,
	userRoom,
	type CircleEvent,
	type CircleGoneReason,
	type ClientToServerEvents,
	type ServerToClientEvents,
	type SessionEndReason,
	type SocketData
} from '$lib/realtime/events';
import { getSocketHost } from './socket-host.js';

export type HearthServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

function liveServer(): HearthServer | null {
	const host = getSocketHost();
	return host?.ready ? (host.io as HearthServer) : null;
}

/** Told of every batch of committed events, on the server that committed them (push/index.ts). */
export type CommittedEventsListener = (events: CircleEvent[]) => void;

const committedListeners = new Set<CommittedEventsListener>();

/**
 * Adds a listener for committed events (with or without a socket server); returns its removal.
 * A listener must return at once and never throw: it runs on the request's path.
 */
export function onCommittedEvents(listener: CommittedEventsListener): () => void {
	committedListeners.add(listener);
	return () => committedListeners.delete(listener);
}

/**
 * Sends committed events to everyone in their circle's room, in order, and tells the listeners. A
 * check-in not shared with the whole circle goes whole only to its audience (each one's own room,
 * so on every server); the rest of the room gets its content-free stand-in with the same number,
 * which also takes it off the pages of those an edit left out (checkins/audience.ts).
 */
export function publishCircleEvents(events: CircleEvent[]): void {
	if (events.length === 0) return;
	const io = liveServer();
	if (io) {
		for (const event of events) {
			if (!isCheckInEvent(event) || audienceOf(event.payload.checkin).kind === 'circle') {
				io.to(circleRoom(event.circleId)).emit('circle:event', event);
				continue;
			}
			const { checkin } = event.payload;
			const audience = [checkin.author.id, ...audienceOf(checkin).members].filter((userId) => maySeeCheckIn(checkin, userId)).map(userRoom);
			io.to(circleRoom(event.circleId)).except(audience).emit('circle:event', checkInHidden(event));
			io.to(audience).emit('circle:event', event);
		}
	}
	for (const listener of committedListeners) {
		try {
			listener(events);
		} catch (error) {
			console.error('A listener for committed events failed', error);
		}
	}
}

/**
 * The user has read the circle up to `seq`: every device of theirs, on every server (their own
 * room goes through Redis with several), clears its count for it.
 */
export function publishCircleRead(userId: string, circleId: string, seq: number): void {
	const io = liveServer();
	if (!io) return;
	io.to(userRoom(userId)).emit('circle:read', { circleId, seq });
}

/** Puts every open socket of a user who just joined into the circle's room, and says they're here. */
export function addUserToCircleRoom(userId: string, circleId: string): void {
	const io = liveServer();
	if (!io) return;
	io.in(userRoom(userId)).socketsJoin(circleRoom(circleId));
	void io
		.in(userRoom(userId))
		.timeout(PRESENCE_WAIT_MS)
		.fetchSockets()
		.then((sockets) => {
			if (sockets.length > 0) io.to(circleRoom(circleId)).emit('presence:changed', { circleId, userId, online: true });
		})
		.catch(() => {}); // Redis away or another server slow: their next catch-up has the presence
}

/**
 * Takes a user's sockets out of a circle's room at once (so they receive nothing more from it)
 * and tells only them why. Call before publishing the event that says they left.
 */
export function removeUserFromCircleRoom(userId: string, circleId: string, reason: CircleGoneReason): void {
	const io = liveServer();
	if (!io) return;
	io.in(userRoom(userId)).socketsLeave(circleRoom(circleId));
	io.to(userRoom(userId)).emit('circle:gone', { circleId, reason });
	io.to(circleRoom(circleId)).emit('presence:changed', { circleId, userId, online: false });
}

/** A deleted circle: everyone in it is told and leaves its room. */
export function closeCircleRoom(circleId: string): void {
	const io = liveServer();
	if (!io) return;
	io.to(circleRoom(circleId)).emit('circle:gone', { circleId, reason: 'deleted' });
	io.in(circleRoom(circleId)).socketsLeave(circleRoom(circleId));
}

/** How long a presence list waits for the other servers' answers before it makes do without them. */
export const PRESENCE_WAIT_MS = 1000;

/**
 * Ids of the circle's members with a socket open on this server, read synchronously: a catch-up
 * reply sent right after it cannot be overtaken by a presence change that it does not include.
 */
export function onlineUserIdsNow(io: HearthServer, circleId: string): string[] {
	const socketIds = io.of('/').adapter.rooms.get(circleRoom(circleId)) ?? new Set<string>();
	const userIds = new Set<string>();
	for (const socketId of socketIds) {
		const userId = io.of('/').sockets.get(socketId)?.data.userId;
		if (userId) userIds.add(userId);
	}
	return [...userIds];
}

/**
 * With several servers (REDIS_URL): ids of the circle's members with a socket open on another
 * server, asked over Redis (fetchSockets). Empty with one server, and when Redis is away or another
 * server does not answer within PRESENCE_WAIT_MS: presence is then this server's view, never an error.
 * Callers add onlineUserIdsNow afterwards, so that this server's own part is as fresh as can be.
 */
export async function onlineUserIdsElsewhere(io: HearthServer, circleId: string): Promise<string[]> {
	if (!getSocketHost()?.redis) return [];
	// fetchSockets reads this server's part synchronously, then waits for the others.
	const here = new Set(io.of('/').sockets.keys());
	try {
		const sockets = await io.in(circleRoom(circleId)).timeout(PRESENCE_WAIT_MS).fetchSockets();
		return sockets.filter((socket) => !here.has(socket.id)).map((socket) => socket.data.userId);
	} catch {
		return [];
	}
}

/** Ids of the circle's members with at least one open socket, on any server. */
export async function onlineUserIds(circleId: string): Promise<string[]> {
	const io = liveServer();
	if (!io) return [];
	const elsewhere = await onlineUserIdsElsewhere(io, circleId);
	return [...new Set([...elsewhere, ...onlineUserIdsNow(io, circleId)])];
}

/**
 * This device replaced its session (a password change): its sockets carry on under the new one,
 * rather than being told their session ended while the response with the new cookie is on its way.
 */
export function handOverSessionSockets(oldSessionId: string, newSessionId: string): void {
	const io = liveServer();
	if (!io) return;
	io.in(sessionRoom(oldSessionId)).socketsJoin(sessionRoom(newSessionId));
	io.in(sessionRoom(oldSessionId)).socketsLeave(sessionRoom(oldSessionId));
}

/** Tells the sockets of these sessions why, then disconnects them (they will not reconnect). */
export function disconnectSessions(sessionIds: string[], reason: SessionEndReason): void {
	const io = liveServer();
	if (!io || sessionIds.length === 0) return;
	const rooms = sessionIds.map(sessionRoom);
	io.to(rooms).emit('session:ended', { reason });
	io.in(rooms).disconnectSockets(true);
}
