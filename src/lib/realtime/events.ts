// Event types shared by the server (src/lib/server/realtime) and the browser client.

/** Why the server ended a socket's session. */
export type SessionEndReason = 'logged-out' | 'logged-out-everywhere' | 'session-ended' | 'password-changed';

/** Why a handshake was refused; sent as `err.data.reason` with a plain message. */
export type HandshakeRefusal = 'not-signed-in' | 'origin-not-allowed' | 'starting';

export interface ServerToClientEvents {
	/** Sent just before the server disconnects a socket whose session has ended. */
	'session:ended': (payload: { reason: SessionEndReason }) => void;
}

// Nothing yet: circle features add their client messages here, each re-checked on the server.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ClientToServerEvents {}

export interface SocketData {
	userId: string;
	sessionId: string;
}

export const userRoom = (userId: string) => `user:${userId}`;
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
