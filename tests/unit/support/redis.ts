// A throwaway Redis for tests: `redis-server` on a free loopback port, in a temporary folder, with
// nothing written to disk (--save '' --appendonly no), stopped at the end, killed when the process
// exits without its clean-up. No system service. Started by support/redis-server.js, the same code
// the benchmark uses. Where redis-server is not installed: under CI (env CI) that is a failure; on
// a developer's machine the tests that need it are skipped with a plain message (redisUnavailable).
import { freePort, REDIS_SERVER, redisServerVersion, startRedisServer } from './redis-server.js';

export { freePort };

/** Why Redis tests cannot run here (redis-server missing), or null when they can. */
export function redisUnavailable(): string | null {
	if (redisServerVersion()) return null;
	const message = `redis-server was not found (${REDIS_SERVER}): the tests of several servers sharing Redis were left out. Install Debian's redis-server (.ci/run does) to run them.`;
	if (process.env.CI) throw new Error(`Under CI these tests must run: ${message}`);
	return message;
}

export interface TestRedis {
	readonly port: number;
	/** redis://127.0.0.1:<port> */
	readonly url: string;
	/** Stops the server (it may be started again on the same port with start()). */
	stop(): Promise<void>;
	/** Starts it again after stop(), on the same port, empty. */
	start(): Promise<void>;
	/** Stops it and removes its folder. */
	remove(): Promise<void>;
	output(): string;
}

/**
 * Starts a Redis of the test's own and waits until it answers PONG (within timeoutMs), on a free
 * port or on `options.port` (e.g. one a server was already told to use before Redis was there).
 */
export function startRedis(options: { port?: number; timeoutMs?: number } = {}): Promise<TestRedis> {
	return startRedisServer(options);
}
