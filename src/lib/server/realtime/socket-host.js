// @ts-check
// Creates the one socket.io server on an HTTP server. Plain JavaScript because it is used before
// SvelteKit's code is loaded: by server.js in production and by the Vite plugin in development.
// The app's own handshake checks and handlers are added later, from the init hook
// (src/lib/server/realtime), which finds the server here.
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';

const HOST_KEY = Symbol.for('hearth.socket-host');

/**
 * `connected`: both Redis connections are up, so emits reach the other servers.
 * @typedef {{ url: string, connected: () => boolean, close: () => Promise<void> }} RedisLink
 * @typedef {{ io: Server, ready: boolean, redis: RedisLink | null }} SocketHost
 */

/** Redis unreachable: try again soon, never give up (the server runs on meanwhile). */
const retryRedisIn = (/** @type {number} */ retries) => Math.min(50 * 2 ** retries, 1000);

/**
 * With REDIS_URL set, the socket.io server's rooms span every Hearth server on that Redis: emits,
 * socketsJoin/Leave, disconnectSockets and fetchSockets go over Redis sharded pub/sub (README,
 * "Several servers: the live channel"). The connections are opened here and not awaited: a Redis
 * that is down at start, or goes away later, is retried for ever and never stops this server.
 * @param {string} url
 * @returns {{ adapter: ReturnType<typeof createShardedAdapter>, link: RedisLink }}
 */
function redisAdapter(url) {
	// Publishing while Redis is away fails at once (the emit still reaches this server's own
	// sockets) instead of queueing without bound. The subscriber keeps its queue: node-redis renews
	// its subscriptions on every reconnect.
	const pubClient = createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy: retryRedisIn } });
	const subClient = pubClient.duplicate({ disableOfflineQueue: false });
	/** @param {string} name @param {typeof pubClient} client */
	const watch = (name, client) => {
		let lastReport = '';
		// Without an error listener a lost connection would crash the process. One line per change.
		client.on('error', (/** @type {Error} */ error) => {
			const report = `Redis ${name}: ${error.message || error.name}`;
			if (report !== lastReport) console.error(`${report} (live updates reach only this server's sockets until it is back)`);
			lastReport = report;
		});
		client.on('ready', () => {
			if (lastReport) console.log(`Redis ${name} connected again.`);
			lastReport = '';
		});
		// Settles once the first connection is made (retried until then).
		const connected = client.connect();
		connected.catch((/** @type {Error} */ error) => console.error(`Redis ${name} gave up:`, error.message));
		return connected;
	};
	watch('publisher', pubClient);
	const subscriberReady = watch('subscriber', subClient);
	// node-redis 5.12: a subscription asked for while the very first connection is still being
	// tried is made on the Redis server, but its messages never reach the listener. So the adapter's
	// subscriptions wait for that first connection; on later reconnects node-redis renews them itself.
	const subscriber = {
		sSubscribe: (
			/** @type {string} */ channel,
			/** @type {Parameters<typeof subClient.sSubscribe>[1]} */ listener,
			/** @type {Parameters<typeof subClient.sSubscribe>[2]} */ bufferMode
		) =>
			subscriberReady
				.then(() => subClient.sSubscribe(channel, listener, bufferMode))
				.catch((/** @type {Error} */ error) => console.error(`Redis subscriber: could not subscribe to ${channel}:`, error.message)),
		sUnsubscribe: (/** @type {string} */ channel) => subscriberReady.then(() => subClient.sUnsubscribe(channel)).catch(() => {})
	};
	// "static": every server listens on one channel per namespace, so everything one server sends
	// reaches the others in the order it was sent (a removal's socketsLeave before the event that
	// says so), and no room's subscription can lag behind a socket that just joined it.
	const adapter = createShardedAdapter(pubClient, subscriber, { subscriptionMode: 'static' });
	return {
		adapter,
		link: {
			url,
			connected: () => pubClient.isReady && subClient.isReady,
			async close() {
				await Promise.allSettled([pubClient.close(), subClient.close()]);
			}
		}
	};
}

/** @returns {SocketHost | undefined} */
export function getSocketHost() {
	return /** @type {any} */ (globalThis)[HOST_KEY];
}

/**
 * @param {import('node:http').Server} httpServer
 * @param {Record<string, string | undefined>} [env]
 * @returns {SocketHost}
 */
export function attachSocketServer(httpServer, env = process.env) {
	const redis = env.REDIS_URL ? redisAdapter(env.REDIS_URL) : null;
	const io = new Server(httpServer, {
		serveClient: false,
		...(redis ? { adapter: redis.adapter } : {}),
		// Clients send small messages; anything bigger is refused rather than buffered.
		maxHttpBufferSize: 64 * 1024
		// No connectionStateRecovery: it would restore a socket's old rooms without asking whether
		// it still belongs in them. A reconnect goes through the handshake checks again instead.
	});
	/** @type {SocketHost} */
	const host = { io, ready: false, redis: redis?.link ?? null };
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
