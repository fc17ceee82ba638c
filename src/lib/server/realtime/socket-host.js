// @ts-check
// Creates the one socket.io server on an HTTP server. Plain JavaScript because it is used before
// SvelteKit's code is loaded: by server.js in production and by the Vite plugin in development.
// The app's own handshake checks and handlers are added later, from the init hook
// (src/lib/server/realtime), which finds the server here.
import { Server } from 'socket.io';

const HOST_KEY = Symbol.for('hearth.socket-host');

/**
 * @typedef {{ io: Server, ready: boolean }} SocketHost
 */

/** @returns {SocketHost | undefined} */
export function getSocketHost() {
	return /** @type {any} */ (globalThis)[HOST_KEY];
}

/**
 * @param {import('node:http').Server} httpServer
 * @returns {SocketHost}
 */
export function attachSocketServer(httpServer) {
	const io = new Server(httpServer, {
		serveClient: false,
		// Clients send small messages; anything bigger is refused rather than buffered.
		maxHttpBufferSize: 64 * 1024
		// No connectionStateRecovery: it would restore a socket's old rooms without asking whether
		// it still belongs in them. A reconnect goes through the handshake checks again instead.
	});
	/** @type {SocketHost} */
	const host = { io, ready: false };
	// Until the app has registered its own checks, nobody gets in (not even briefly unauthenticated).
	io.use((_socket, next) => {
		if (host.ready) return next();
		const error = /** @type {Error & { data?: unknown }} */ (new Error('Hearth is still starting.'));
		error.data = { reason: 'starting' };
		next(error);
	});
	/** @type {any} */ (globalThis)[HOST_KEY] = host;
	return host;
}
