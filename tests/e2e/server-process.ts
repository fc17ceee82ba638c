// Servers of a spec's own (not the one playwright.config.ts starts), for tests that kill, stop and
// restart the server: `node --v8-pool-size=1 server.js` (what `npm start` runs) from the repository
// root, on a port and database file the spec chooses, serving the current build/.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../unit/support/free-port.js';

/** The repository root (where server.js and build/ are). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export { freePort };

/** A throwaway folder under the OS's temp dir with a database path in it; `remove()` deletes it. */
export function tempDatabase(prefix = 'hearth-sync-'): { dir: string; dbPath: string; remove(): void } {
	const dir = mkdtempSync(path.join(tmpdir(), prefix));
	return { dir, dbPath: path.join(dir, 'hearth.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Exit {
	code: number | null;
	signal: NodeJS.Signals | null;
}

export interface ServerProcess {
	readonly port: number;
	/** 127.0.0.1, not localhost: the handshake's Origin check compares with the Host header, which this matches. */
	readonly baseURL: string;
	/** The SQLite file it uses ('' when it uses PostgreSQL: `databaseUrl`). */
	readonly dbPath: string;
	readonly pid: number;
	/** Settles when the process has exited. */
	readonly exited: Promise<Exit>;
	/** True once the process has exited. */
	readonly hasExited: boolean;
	/** What the server wrote to stdout and stderr so far (for failure messages). */
	output(): string;
	/** kill -9, and wait for the process to be gone. */
	kill9(): Promise<Exit>;
	/** SIGTERM (a deploy or restart); resolves with how it exited and how long that took. */
	terminate(): Promise<Exit & { ms: number }>;
}

const running = new Set<ServerProcess>();

export interface StartOptions {
	port: number;
	/** An SQLite file (DATABASE_PATH)… */
	dbPath?: string;
	/** …or a PostgreSQL database (DATABASE_URL): exactly one of the two. */
	databaseUrl?: string;
	/** Where server.js and build/ are; the repository root by default. */
	cwd?: string;
	/** How long to wait for GET /healthz to answer 200. */
	timeoutMs?: number;
	env?: Record<string, string>;
}

/** Starts `node --v8-pool-size=1 server.js` and waits until GET /healthz answers 200. */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
	const { port, dbPath = '', databaseUrl, cwd = REPO_ROOT, timeoutMs = 30_000 } = options;
	if (!dbPath === !databaseUrl) throw new Error('startServer needs either dbPath (SQLite) or databaseUrl (PostgreSQL), not both.');
	const env: Record<string, string | undefined> = { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1' };
	delete env.DATABASE_PATH;
	delete env.DATABASE_URL;
	if (databaseUrl) env.DATABASE_URL = databaseUrl;
	else env.DATABASE_PATH = dbPath;
	const child: ChildProcess = spawn(process.execPath, ['--v8-pool-size=1', 'server.js'], {
		cwd,
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let log = '';
	const keep = (chunk: Buffer) => {
		log += chunk.toString();
		if (log.length > 200_000) log = log.slice(-100_000);
	};
	child.stdout!.on('data', keep);
	child.stderr!.on('data', keep);
	let hasExited = false;
	const exited = new Promise<Exit>((resolve) =>
		child.once('exit', (code, signal) => {
			hasExited = true;
			resolve({ code, signal });
		})
	);
	const server: ServerProcess = {
		port,
		baseURL: `http://127.0.0.1:${port}`,
		dbPath,
		pid: child.pid!,
		exited,
		get hasExited() {
			return hasExited;
		},
		output: () => log,
		async kill9() {
			if (!hasExited) child.kill('SIGKILL');
			return exited;
		},
		async terminate() {
			const started = Date.now();
			if (!hasExited) child.kill('SIGTERM');
			const exit = await exited;
			return { ...exit, ms: Date.now() - started };
		}
	};
	running.add(server);
	void exited.then(() => running.delete(server));

	const deadline = Date.now() + timeoutMs;
	while (!(await healthy(server.baseURL))) {
		if (hasExited) throw new Error(`server on port ${port} exited before it was healthy (${JSON.stringify(await exited)}):\n${log}`);
		if (Date.now() > deadline) {
			await server.kill9();
			throw new Error(`server on port ${port} not healthy after ${timeoutMs} ms:\n${log}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	return server;
}

/** GET /healthz answers 200 with { ok: true }. */
export function healthy(baseURL: string): Promise<boolean> {
	return new Promise((resolve) => {
		const request = http.get(`${baseURL}/healthz`, { agent: false, timeout: 2000 }, (response) => {
			let body = '';
			response.on('data', (chunk) => (body += chunk));
			response.on('end', () => resolve(response.statusCode === 200 && body.includes('"ok":true')));
			response.on('error', () => resolve(false));
		});
		request.on('timeout', () => request.destroy());
		request.on('error', () => resolve(false));
	});
}

/** Kills (-9) every server this module started that is still running: for a spec's `finally`. */
export async function killAllServers(): Promise<void> {
	await Promise.all([...running].map((server) => server.kill9()));
}
