// @ts-check
// A throwaway redis-server: a free port of 127.0.0.1, a temporary folder, nothing written to disk
// (--save '' --appendonly no: the live channel needs nothing kept), never a system service. Plain
// JavaScript so that the tests (support/redis.ts, the e2e specs) and the benchmark
// (bench/services.js) start it with the same code, as postgres-cluster.js does for PostgreSQL.
// A process that ends without its clean-up (a timed-out spec, a crash) still kills it and removes
// its folder.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

export { freePort };

/** The redis-server command: REDIS_SERVER, or redis-server on PATH. */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

/**
 * `redis-server --version`'s line, or null when it is not installed.
 * @param {string} [command]
 * @returns {string | null}
 */
export function redisServerVersion(command = REDIS_SERVER) {
	const probe = spawnSync(command, ['--version'], { encoding: 'utf8' });
	return !probe.error && probe.status === 0 ? probe.stdout.trim() : null;
}

/**
 * Sends PING over a fresh connection; true when the answer is +PONG.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function ping(port) {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		let answer = '';
		/** @param {boolean} ok */
		const done = (ok) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(1000, () => done(false));
		socket.once('error', () => done(false));
		socket.once('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			answer += chunk.toString();
			if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
		});
	});
}

/**
 * @typedef {object} RedisServer
 * @property {number} port
 * @property {string} url redis://127.0.0.1:<port>
 * @property {() => number | undefined} pid the running server's pid (undefined while stopped)
 * @property {() => Promise<void>} stop kills the server (SIGKILL) and keeps its folder; start() starts it again on the same port, empty
 * @property {() => Promise<void>} start starts it again after stop(), on the same port; resolves once it answers PONG
 * @property {() => Promise<void>} remove stops it and removes its folder
 * @property {() => string} output what it wrote to stdout and stderr (the last 50-100 kB)
 */

/**
 * Starts a redis-server and waits until it answers PONG (within timeoutMs), on a free port or on
 * `port` (e.g. one a Hearth server was told to use before Redis was there).
 * @param {{ port?: number, timeoutMs?: number, prefix?: string, command?: string }} [options]
 * @returns {Promise<RedisServer>}
 */
export async function startRedisServer({ port: wanted, timeoutMs = 10_000, prefix = 'hearth-redis-', command = REDIS_SERVER } = {}) {
	const dir = mkdtempSync(path.join(tmpdir(), prefix));
	const port = wanted ?? (await freePort());
	/** @type {import('node:child_process').ChildProcess | null} */
	let child = null;
	/** @type {Promise<void>} */
	let exited = Promise.resolve();
	let log = '';

	const running = () => child !== null && child.exitCode === null && child.signalCode === null;
	const start = async () => {
		const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
		const spawned = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
		child = spawned;
		/** @param {Buffer} chunk */
		const keep = (chunk) => {
			log += chunk.toString();
			if (log.length > 100_000) log = log.slice(-50_000);
		};
		spawned.stdout?.on('data', keep);
		spawned.stderr?.on('data', keep);
		let gone = false;
		exited = new Promise((resolve) =>
			spawned.once('exit', () => {
				gone = true;
				resolve();
			})
		);
		spawned.once('error', (error) => {
			log += `\n${error.message}`;
		});
		const deadline = Date.now() + timeoutMs;
		while (!(await ping(port))) {
			if (gone) throw new Error(`redis-server on port ${port} exited before answering PONG:\n${log}`);
			if (Date.now() > deadline) {
				spawned.kill('SIGKILL');
				throw new Error(`redis-server on port ${port} did not answer PONG within ${timeoutMs} ms:\n${log}`);
			}
			await new Promise((resolve) => setTimeout(resolve, 25));
		}
	};
	const stop = async () => {
		if (running()) child?.kill('SIGKILL');
		await exited;
		child = null;
	};
	const killAtExit = () => {
		if (running()) child?.kill('SIGKILL');
		rmSync(dir, { recursive: true, force: true });
	};
	process.on('exit', killAtExit);

	try {
		await start();
	} catch (error) {
		process.off('exit', killAtExit);
		await stop();
		rmSync(dir, { recursive: true, force: true });
		throw error;
	}
	return {
		port,
		url: `redis://127.0.0.1:${port}`,
		pid: () => (running() ? child?.pid : undefined),
		stop,
		start,
		async remove() {
			process.off('exit', killAtExit);
			await stop();
			rmSync(dir, { recursive: true, force: true });
		},
		output: () => log
	};
}
