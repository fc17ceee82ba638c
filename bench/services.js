// The services behind several Hearth servers (`--postgres`): a throwaway PostgreSQL cluster and a
// throwaway redis-server, each on a free port with its own temporary folder, stopped at the end.
// Both are started by the same code as the tests' (tests/unit/support/postgres-cluster.js and
// redis-server.js), the cluster durable: fsync, synchronous_commit and full_page_writes on, as a real deployment has them.
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { findPostgresBin, startPostgresCluster } from '../tests/unit/support/postgres-cluster.js';
import { redisServerVersion, startRedisServer } from '../tests/unit/support/redis-server.js';
import { cpuSeconds, rssBytes } from './servers.js';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * Server settings for a 2-core, 24 GiB machine running PostgreSQL beside the Hearth servers and
 * the load generators. Durable: every COMMIT waits for its WAL to be flushed (fsync), as the write
 * figure must. The database (about 100 MB seeded) fits in shared_buffers many times over, and
 * max_wal_size keeps checkpoints out of a run of a few minutes.
 */
export const BENCH_POSTGRES_SETTINGS = {
	fsync: 'on',
	synchronous_commit: 'on',
	full_page_writes: 'on',
	max_connections: 200,
	shared_buffers: '2GB',
	effective_cache_size: '12GB',
	work_mem: '16MB',
	maintenance_work_mem: '512MB',
	wal_buffers: '64MB',
	min_wal_size: '1GB',
	max_wal_size: '8GB',
	checkpoint_timeout: '30min',
	checkpoint_completion_target: 0.9,
	random_page_cost: 1.1,
	effective_io_concurrency: 200,
	// Hearth's statements are short: JIT compiling one would cost more than running it.
	jit: 'off'
};

/** The PostgreSQL half cannot run here: why, or null when it can. */
export function servicesUnavailable() {
	const missing = [];
	if (!findPostgresBin()) missing.push('PostgreSQL (initdb and pg_ctl, on PATH or in /usr/lib/postgresql/*/bin)');
	if (!redisServerVersion()) missing.push('redis-server');
	return missing.length ? `--postgres needs ${missing.join(' and ')}; Debian: apt-get install postgresql redis-server` : null;
}

/** One line of /proc/<pid>/stat after the command name: [state, ppid, …] (proc(5) field 3 on). */
function statFields(pid) {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU seconds used by a process and all its children, living or ended: PostgreSQL runs one
 * process per connection (and its background workers) under the postmaster. Ended children are
 * in the parent's cutime/cstime once reaped; the living ones are read one by one.
 */
export function treeCpuSeconds(rootPid) {
	const own = statFields(rootPid);
	let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const fields = statFields(name);
			if (Number(fields[1]) === rootPid) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
		} catch {
			// it ended between readdir and read
		}
	}
	return ticks / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory of a process and its living children (shared pages counted once per process). */
function treeRssBytes(rootPid) {
	let total = rssBytes(rootPid);
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			if (Number(statFields(name)[1]) === rootPid) total += rssBytes(Number(name));
		} catch {
			// it ended
		}
	}
	return total;
}

/**
 * A durable throwaway PostgreSQL with one empty database, `hearth`. Returns its URL, the
 * settings it runs with, a CPU reading of the whole cluster, a query helper and stop().
 */
export async function startBenchPostgres({ statements = false } = {}) {
	const bin = findPostgresBin();
	if (!bin) throw new Error('PostgreSQL is not installed (no initdb/pg_ctl)');
	// pg_stat_statements (`--pg-statements`): what each statement costs, at a small cost of its own.
	const settings = statements ? { ...BENCH_POSTGRES_SETTINGS, shared_preload_libraries: 'pg_stat_statements' } : BENCH_POSTGRES_SETTINGS;
	const cluster = await startPostgresCluster({ bin, settings, prefix: 'hearth-bench-pg-' });
	try {
		const admin = new pg.Client({ connectionString: cluster.adminUrl });
		await admin.connect();
		try {
			await admin.query('CREATE DATABASE hearth');
		} finally {
			await admin.end();
		}
		const url = `postgres://postgres@127.0.0.1:${cluster.port}/hearth`;
		const pid = cluster.postmasterPid();
		/** One statement on a connection of its own (the bench's own reads, never on the servers' pools). */
		async function query(text, values = [], database = url) {
			const client = new pg.Client({ connectionString: database });
			await client.connect();
			try {
				return (await client.query(text, values)).rows;
			} finally {
				await client.end();
			}
		}
		const version = (await query('SHOW server_version'))[0].server_version;
		if (statements) await query('CREATE EXTENSION pg_stat_statements');
		return {
			name: 'postgres',
			url,
			adminUrl: cluster.adminUrl,
			pid,
			version,
			settings,
			logFile: cluster.logFile,
			cpu: () => treeCpuSeconds(pid),
			rss: () => treeRssBytes(pid),
			query,
			/** With `statements`: forgets what pg_stat_statements has counted so far. */
			resetStatements: statements ? () => query('SELECT pg_stat_statements_reset()') : async () => {},
			/** With `statements`: the statements that took the most time since the last reset, as PostgreSQL counts it. */
			topStatements: statements
				? async (limit = 15) =>
						(
							await query(
								`SELECT calls::int AS calls, rows::int AS rows, round(total_exec_time::numeric, 1)::float AS total_ms, round(mean_exec_time::numeric, 3)::float AS mean_ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
								 FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'hearth') ORDER BY total_exec_time DESC LIMIT $1`,
								[limit]
							)
						).map((row) => ({ ...row }))
				: async () => undefined,
			stop: () => cluster.stop()
		};
	} catch (error) {
		cluster.stop();
		throw error;
	}
}

/**
 * A throwaway redis-server (`--save '' --appendonly no`: it keeps nothing, as the live channel
 * needs nothing kept), on a free port of 127.0.0.1, started by the same code as the tests'
 * (tests/unit/support/redis-server.js).
 */
export async function startBenchRedis({ timeoutMs = 10_000 } = {}) {
	const server = await startRedisServer({ timeoutMs, prefix: 'hearth-bench-redis-' });
	const pid = server.pid();
	return {
		name: 'redis',
		url: server.url,
		pid,
		version: redisServerVersion() ?? '',
		cpu: () => cpuSeconds(pid),
		rss: () => rssBytes(pid),
		output: server.output,
		stop: server.remove
	};
}
