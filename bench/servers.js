// Starting and stopping the servers under test, and reading their memory and CPU from /proc.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../tests/unit/support/free-port.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * The Node options of `npm start` (package.json), so the benchmark runs Hearth as it is deployed.
 * The bare server gets the same options: both are measured under the same runtime.
 */
export function startOptions() {
	const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const match = /^node((?: --[\w-]+(?:=\S+)?)*) server\.js$/.exec(scripts.start);
	if (!match) throw new Error(`package.json's start script is not \`node [--options] server.js\`: ${scripts.start}`);
	return match[1].trim().split(' ').filter(Boolean);
}

export { freePort };

/** Resident memory of a process in bytes (VmRSS). */
export function rssBytes(pid) {
	const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return match ? Number(match[1]) * 1024 : NaN;
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid) {
	// Fields after the command name (which is in parentheses and may hold spaces).
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

async function waitForHealth(origin, child, logFile, timeoutMs = 30_000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) break;
		try {
			const response = await fetch(`${origin}/healthz`);
			if (response.ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`server did not become healthy (exit code ${child.exitCode}); see ${logFile}`);
}

/**
 * Starts a server process and waits until GET /healthz answers 200.
 * `profileDir`: run it under `node --cpu-prof`; the profiles go to `<profileDir>/<name>/` when it stops.
 */
async function startProcess({ name, script, env, logDir, profileDir, sqlTrace }) {
	const port = await freePort();
	const origin = `http://127.0.0.1:${port}`;
	const args = startOptions();
	// For experiments only (e.g. BENCH_EXTRA_NODE_OPTIONS=--trace-gc): added to both servers.
	if (process.env.BENCH_EXTRA_NODE_OPTIONS) args.push(...process.env.BENCH_EXTRA_NODE_OPTIONS.trim().split(/\s+/));
	// One folder per server and Node's own file names: each thread (the checkpoint worker too)
	// writes its own profile, and a fixed name would let the last thread overwrite the others.
	if (profileDir) args.push('--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`);
	if (sqlTrace) {
		args.push('--import', './bench/sql-trace.js');
		env = { ...env, SQL_TRACE_OUT: sqlTrace };
	}
	args.push(script);
	const logFile = path.join(logDir, `${name}.log`);
	const log = createWriteStream(logFile);
	// Plain http on 127.0.0.1: no ORIGIN and no proxy headers from the caller's environment.
	// Nor which database or Redis to use: only what the benchmark names.
	const childEnv = { ...process.env };
	for (const key of ['ORIGIN', 'PROTOCOL_HEADER', 'HOST_HEADER', 'ADDRESS_HEADER', 'NODE_OPTIONS', ...DATABASE_ENV]) delete childEnv[key];
	Object.assign(childEnv, env, { PORT: String(port), HOST: '127.0.0.1' });
	const child = spawn(process.execPath, args, {
		cwd: ROOT,
		env: childEnv,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child.stdout.pipe(log);
	child.stderr.pipe(log);
	await waitForHealth(origin, child, logFile);
	return {
		name,
		pid: child.pid,
		port,
		origin,
		logFile,
		rss: () => rssBytes(child.pid),
		cpu: () => cpuSeconds(child.pid),
		/** SIGTERM, then SIGKILL if it has not exited within 10 s. */
		stop: () =>
			new Promise((resolve) => {
				if (child.exitCode !== null) return resolve();
				const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
				child.once('exit', () => {
					clearTimeout(kill);
					resolve();
				});
				child.kill('SIGTERM');
			})
	};
}

/**
 * The errors a server logged (hooks.server.ts handleError: `[error <id>] POST /circles/… (500 …) <error>`),
 * counted by what they say with ids and numbers taken out, most frequent first: why posts failed.
 */
export function loggedErrors(logFile) {
	const counts = new Map();
	for (const line of readFileSync(logFile, 'utf8').split('\n')) {
		const match = /^\[error [^\]]+\] (\S+) \S+ \((\d+)[^)]*\) (.*)$/.exec(line);
		if (!match) continue;
		const kind = `${match[1]} ${match[2]}: ${match[3]
			.replace(/[0-9a-z]{24}/g, '…')
			.replace(/\d+/g, 'N')
			.slice(0, 160)}`;
		counts.set(kind, (counts.get(kind) ?? 0) + 1);
	}
	return [...counts].sort((a, b) => b[1] - a[1]).map(([kind, count]) => ({ count, kind }));
}

/** The variables that tell Hearth where its data and its live channel are (README). */
const DATABASE_ENV = ['DATABASE_PATH', 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'REDIS_URL'];

/**
 * The production build, exactly as deployed: `npm start`'s `node [options] server.js` (never builds
 * anything). On an SQLite file (`dbFile`), or on PostgreSQL (`databaseUrl`, with `poolSize`
 * connections) with the live channel over Redis (`redisUrl`), as one of several servers.
 */
export async function startHearth({ name = 'hearth', dbFile, databaseUrl, poolSize, redisUrl, logDir, profileDir, sqlTrace, extraEnv = {} }) {
	const env = { ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_PATH: dbFile }), ...extraEnv };
	if (databaseUrl && poolSize) env.DATABASE_POOL_SIZE = String(poolSize);
	if (redisUrl) env.REDIS_URL = redisUrl;
	const server = await startProcess({ name, script: 'server.js', env, logDir, profileDir, sqlTrace });
	return { ...server, dbFile };
}

/** The bare server (bench/bare-server.js): the lower bound for the same work. */
export function startBare({ dbFile, membersFile, logDir, profileDir }) {
	return startProcess({
		name: 'bare',
		script: 'bench/bare-server.js',
		env: { BARE_DATABASE_PATH: dbFile, BARE_MEMBERS_FILE: membersFile },
		logDir,
		profileDir
	});
}
