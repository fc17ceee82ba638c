// A throwaway Redis for tests: `redis-server` on a free loopback port, in a temporary folder, with
// nothing written to disk (--save '' --appendonly no), stopped at the end. No system service.
// Where redis-server is not installed: under CI (env CI) that is a failure; on a developer's
// machine the tests that need it are skipped with a plain message (see redisUnavailable).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

/** Why Redis tests cannot run here (redis-server missing), or null when they can. */
export function redisUnavailable(): string | null {
	const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
	if (!probe.error && probe.status === 0) return null;
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

/** A port nobody listens on right now (on 127.0.0.1). */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = net.createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as net.AddressInfo;
			probe.close(() => resolve(port));
		});
	});
}

/** Sends PING over a fresh connection; true when the answer is +PONG. */
function ping(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		let answer = '';
		const done = (ok: boolean) => {
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
 * Starts a Redis of the test's own and waits until it answers PONG (within timeoutMs), on a free
 * port or on `options.port` (e.g. one a server was already told to use before Redis was there).
 */
export async function startRedis(options: { port?: number; timeoutMs?: number } = {}): Promise<TestRedis> {
	const { timeoutMs = 10_000 } = options;
	const dir = mkdtempSync(path.join(tmpdir(), 'hearth-redis-'));
	const port = options.port ?? (await freePort());
	let child: ChildProcess | null = null;
	let exited: Promise<void> = Promise.resolve();
	let log = '';

	const start = async () => {
		const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
		const spawned = spawn(REDIS_SERVER, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
		child = spawned;
		const keep = (chunk: Buffer) => {
			log += chunk.toString();
			if (log.length > 100_000) log = log.slice(-50_000);
		};
		spawned.stdout!.on('data', keep);
		spawned.stderr!.on('data', keep);
		let gone = false;
		exited = new Promise((resolve) =>
			spawned.once('exit', () => {
				gone = true;
				resolve();
			})
		);
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
		if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		await exited;
		child = null;
	};

	// A test run that ends without its afterAll (a timeout tearing the worker down, Ctrl-C) still
	// stops its Redis, as support/postgres.ts does for its cluster: no redis-server is left behind.
	const killAtExit = () => {
		if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		rmSync(dir, { recursive: true, force: true });
	};
	process.on('exit', killAtExit);

	await start();
	return {
		port,
		url: `redis://127.0.0.1:${port}`,
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
