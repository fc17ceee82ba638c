// A throwaway PostgreSQL for tests: its own cluster in a temporary folder, on a free port of
// 127.0.0.1, never a system service. A test file starts one (startTestPostgres), makes a database
// per use (createDatabase), and stops it at the end, which removes the folder. The vitest suite and
// the end-to-end specs (tests/e2e/servers-kit.ts) share this one module. A fault test may stop the
// server alone (stopServer: pg_ctl stop -m fast or immediate) and start it again on the same port
// with the same data (startServer).
//
// Without PostgreSQL's binaries (initdb, pg_ctl on PATH or in /usr/lib/postgresql/*/bin), under
// CI (env CI set) that is a failure; on a developer's machine the PostgreSQL tests are skipped,
// and it says so plainly. `.ci/run` installs Debian's postgresql.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface TestPostgres {
	/** postgres://… of the cluster's own `postgres` database (for CREATE DATABASE and the like). */
	adminUrl: string;
	/** The loopback port it listens on (the same after startServer). */
	port: number;
	/** Makes a new, empty database and returns its URL. */
	createDatabase(): Promise<string>;
	/**
	 * Stops the server and keeps its data, as an outage would: `fast` ends every session (their
	 * transactions roll back) and shuts down cleanly; `immediate` kills every process at once, so
	 * the next start recovers from the WAL, as after a crash. Resolves once it has stopped.
	 */
	stopServer(mode: 'fast' | 'immediate'): Promise<void>;
	/** Starts the stopped server again, on the same port; resolves once it accepts connections. */
	startServer(): Promise<void>;
	/** What the server wrote to its log so far. */
	log(): string;
	/** Stops the cluster and removes its folder. */
	stop(): void;
}

export interface TestPostgresOptions {
	/**
	 * COMMIT waits for its WAL to be written (synchronous_commit=on, PostgreSQL's default) rather
	 * than returning at once: what a fault test needs, since with it off a server killed at once
	 * (stop -m immediate) loses commits it already acknowledged. Off by default: tests run faster.
	 * fsync stays off either way: only the server stops in a test, never the machine.
	 */
	synchronousCommit?: boolean;
}

/** The folder holding initdb and pg_ctl, or null when PostgreSQL is not installed. */
export function findPostgresBin(searchPath = process.env.PATH ?? '', root = '/usr/lib/postgresql'): string | null {
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

/** The words printed when the PostgreSQL half is left out. */
export const LEFT_OUT =
	'PostgreSQL tests LEFT OUT: no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin. Only the SQLite half ran. Install PostgreSQL (Debian: apt-get install postgresql) to run them; under CI (env CI set) this is a failure.';

/**
 * Whether the PostgreSQL tests can run here: the binaries' folder, or null (skip them, with
 * LEFT_OUT printed). Under CI a missing PostgreSQL throws instead, so the run fails.
 */
export function postgresAvailable(bin = findPostgresBin(), env: Record<string, string | undefined> = process.env): string | null {
	if (bin) return bin;
	if (env.CI) throw new Error(`CI is set but PostgreSQL is not installed: ${LEFT_OUT}`);
	console.warn(LEFT_OUT);
	return null;
}

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
		});
	});
}

/** PostgreSQL refuses to run as root: as root, the cluster belongs to `nobody`. */
function asClusterOwner(command: string, args: string[]): [string, string[]] {
	if (process.getuid?.() !== 0) return [command, args];
	return ['runuser', ['-u', 'nobody', '--', command, ...args]];
}

function run(command: string, args: string[]): void {
	const [file, argv] = asClusterOwner(command, args);
	execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir() });
}

/** `run`, without blocking the process meanwhile (a test's clients go on sending while it runs). */
function runAsync(command: string, args: string[]): Promise<void> {
	const [file, argv] = asClusterOwner(command, args);
	return new Promise((resolve, reject) =>
		execFile(file, argv, { cwd: tmpdir() }, (error, _stdout, stderr) =>
			error ? reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`)) : resolve()
		)
	);
}

/** Starts a fresh cluster (initdb + pg_ctl start, waiting until it accepts connections). */
export async function startTestPostgres(bin: string, { synchronousCommit = false }: TestPostgresOptions = {}): Promise<TestPostgres> {
	const dir = mkdtempSync(path.join(tmpdir(), 'hearth-pg-'));
	if (process.getuid?.() === 0) {
		const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
		const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
		chownSync(dir, uid, gid);
	}
	const data = path.join(dir, 'data');
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
	// A test run that ends without afterAll (a crash, Ctrl-C) still stops its cluster.
	process.on('exit', stop);
	try {
		// C locale: text compares byte by byte, as SQLite's BINARY collation does.
		run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-locale', '-E', 'UTF8', '--no-sync']);
		const port = await freePort();
		const options = [
			`-p ${port}`,
			`-k ${dir}`,
			"-c listen_addresses='127.0.0.1'",
			'-c fsync=off',
			`-c synchronous_commit=${synchronousCommit ? 'on' : 'off'}`,
			'-c full_page_writes=off'
		];
		const startArgs = ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '30', '-o', options.join(' '), 'start'];
		run(path.join(bin, 'pg_ctl'), startArgs);
		running = true;
		const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
		let databases = 0;
		return {
			adminUrl,
			port,
			async stopServer(mode) {
				if (!running) throw new Error('The test PostgreSQL is not running.');
				await runAsync(path.join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
				running = false;
			},
			async startServer() {
				if (running) throw new Error('The test PostgreSQL is running already.');
				await runAsync(path.join(bin, 'pg_ctl'), startArgs);
				running = true;
			},
			log: () => {
				try {
					return readFileSync(path.join(dir, 'log'), 'utf8');
				} catch {
					return '';
				}
			},
			async createDatabase() {
				const name = `hearth_${process.pid}_${++databases}`;
				const admin = new pg.Client({ connectionString: adminUrl });
				await admin.connect();
				try {
					// PostgreSQL 15+ copies the template page by page through the WAL unless told to copy its
					// files: with fsync off that is twice as quick for the tests' small databases.
					const { rows } = await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
					await admin.query(`CREATE DATABASE ${name}${Number(rows[0]!.v) >= 150000 ? ' STRATEGY = FILE_COPY' : ''}`);
				} finally {
					await admin.end();
				}
				return `postgres://postgres@127.0.0.1:${port}/${name}`;
			},
			stop
		};
	} catch (error) {
		stop();
		throw error;
	}
}
