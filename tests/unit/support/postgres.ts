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
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { findPostgresBin, startPostgresCluster } from './postgres-cluster.js';

export { findPostgresBin };

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

/** Starts a fresh cluster (initdb + pg_ctl start, waiting until it accepts connections). */
export async function startTestPostgres(bin: string, { synchronousCommit = false }: TestPostgresOptions = {}): Promise<TestPostgres> {
	// Nothing the tests write needs to outlive the run: no fsync (only the server stops in a test,
	// never the machine), and by default no waiting for the WAL either.
	const cluster = await startPostgresCluster({
		bin,
		settings: { fsync: 'off', synchronous_commit: synchronousCommit ? 'on' : 'off', full_page_writes: 'off' }
	});
	const { adminUrl, port } = cluster;
	let databases = 0;
	return {
		adminUrl,
		port,
		stopServer: cluster.stopServer,
		startServer: cluster.startServer,
		log: () => {
			try {
				return readFileSync(cluster.logFile, 'utf8');
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
		stop: cluster.stop
	};
}
