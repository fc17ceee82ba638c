// @ts-check
// A throwaway PostgreSQL cluster: initdb in a temporary folder, pg_ctl start on a free port of
// 127.0.0.1, never a system service; stop() ends it and removes the folder. Plain JavaScript so
// that the tests (support/postgres.ts: fsync off, for speed) and the benchmark (bench/services.js:
// fsync and synchronous_commit on, for the durable write figure) start it with the same code.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

/**
 * The folder holding initdb and pg_ctl, or null when PostgreSQL is not installed.
 * @param {string} [searchPath]
 * @param {string} [root]
 * @returns {string | null}
 */
export function findPostgresBin(searchPath = process.env.PATH ?? '', root = '/usr/lib/postgresql') {
	for (const dir of searchPath.split(path.delimiter)) {
		if (dir && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir;
	}
	if (!existsSync(root)) return null;
	// The newest version first (directories are named by major version: 15, 16, 17).
	const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
	for (const version of versions) {
		const dir = path.join(root, version, 'bin');
		if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir;
	}
	return null;
}

/**
 * PostgreSQL refuses to run as root: as root, the cluster belongs to `nobody`.
 * @param {string} command
 * @param {string[]} args
 * @returns {[string, string[]]}
 */
function asClusterOwner(command, args) {
	if (process.getuid?.() !== 0) return [command, args];
	return ['runuser', ['-u', 'nobody', '--', command, ...args]];
}

/**
 * @param {string} command
 * @param {string[]} args
 */
function run(command, args) {
	const [file, argv] = asClusterOwner(command, args);
	execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir() });
}

/**
 * `run`, without blocking the process meanwhile (a fault test's clients go on sending while it runs).
 * @param {string} command
 * @param {string[]} args
 * @returns {Promise<void>}
 */
function runAsync(command, args) {
	const [file, argv] = asClusterOwner(command, args);
	return new Promise((resolve, reject) =>
		execFile(file, argv, { cwd: tmpdir() }, (error, _stdout, stderr) =>
			error ? reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`)) : resolve()
		)
	);
}

/**
 * @typedef {object} PostgresCluster
 * @property {number} port
 * @property {string} dir the temporary folder (data/ and the server's log inside it)
 * @property {string} logFile
 * @property {string} adminUrl postgres://… of the cluster's own `postgres` database (for CREATE DATABASE and the like)
 * @property {() => number} postmasterPid the pid of the running postmaster (its first line of postmaster.pid)
 * @property {(mode: 'fast' | 'immediate') => Promise<void>} stopServer stops the server and keeps its data, as an outage would (`fast`: sessions end, clean shutdown; `immediate`: killed, the next start recovers from the WAL)
 * @property {() => Promise<void>} startServer starts the stopped server again on the same port; resolves once it accepts connections
 * @property {() => void} stop stops the cluster (immediate mode) and removes its folder; synchronous, so it also runs on process exit
 */

/**
 * Starts a fresh cluster (initdb + pg_ctl start, waiting until it accepts connections).
 * `settings` are server settings given as `-c name=value` (e.g. `{ fsync: 'off' }`).
 * @param {{ bin: string, settings?: Record<string, string | number>, prefix?: string }} options
 * @returns {Promise<PostgresCluster>}
 */
export async function startPostgresCluster({ bin, settings = {}, prefix = 'hearth-pg-' }) {
	const dir = mkdtempSync(path.join(tmpdir(), prefix));
	if (process.getuid?.() === 0) {
		const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
		const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
		chownSync(dir, uid, gid);
	}
	const data = path.join(dir, 'data');
	const logFile = path.join(dir, 'log');
	let running = false;
	const stop = () => {
		process.off('exit', stop);
		try {
			if (running) run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
		} finally {
			running = false;
			rmSync(dir, { recursive: true, force: true });
		}
	};
	// A run that ends without its own clean-up (a crash, Ctrl-C) still stops its cluster.
	process.on('exit', stop);
	try {
		// C locale: text compares byte by byte, as SQLite's BINARY collation does.
		run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-locale', '-E', 'UTF8', '--no-sync']);
		const port = await freePort();
		const options = [`-p ${port}`, `-k ${dir}`, "-c listen_addresses='127.0.0.1'"];
		for (const [name, value] of Object.entries(settings)) options.push(`-c ${name}='${String(value).replace(/'/g, '')}'`);
		const startArgs = ['-D', data, '-l', logFile, '-w', '-t', '30', '-o', options.join(' '), 'start'];
		run(path.join(bin, 'pg_ctl'), startArgs);
		running = true;
		return {
			port,
			dir,
			logFile,
			adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
			postmasterPid: () => Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
			async stopServer(mode) {
				if (!running) throw new Error('The throwaway PostgreSQL is not running.');
				await runAsync(path.join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
				running = false;
			},
			async startServer() {
				if (running) throw new Error('The throwaway PostgreSQL is running already.');
				await runAsync(path.join(bin, 'pg_ctl'), startArgs);
				running = true;
			},
			stop
		};
	} catch (error) {
		stop();
		throw error;
	}
}
