// Several Hearth servers on one database, for the specs of issue 17 (sync-redis, servers-postgres,
// faults-postgres, background-leader): the database they share (a throwaway PostgreSQL by default,
// started with the same code as the vitest suite's, tests/unit/support/postgres.ts; or one SQLite
// file), read by the test itself to compare with what the servers said; the servers themselves
// with the Redis they share (startServers), their live clients, their logs for a failed test; and
// a poll with a deadline.
import { writeFileSync } from 'node:fs';
import type { TestInfo } from '@playwright/test';
import pg from 'pg';
import { findPostgresBin, LEFT_OUT, startTestPostgres, type TestPostgres, type TestPostgresOptions } from '../unit/support/postgres';
import { redisUnavailable, startRedis, type TestRedis } from '../unit/support/redis';
import { LiveClient, loadPagePosition, readServerCheckIns, readServerLog, sleep, type LoggedEvent, type Member } from './sync-kit';
import { freePort, killAllServers, startServer, tempDatabase, type ServerProcess, type StartOptions } from './server-process';

export type SharedDialect = 'postgres' | 'sqlite';

/**
 * Why PostgreSQL specs cannot run here (no initdb/pg_ctl), or null when they can. Under CI a
 * missing PostgreSQL is a failure, not a skip (as in the vitest suite).
 */
export function postgresUnavailable(): string | null {
	if (findPostgresBin()) return null;
	if (process.env.CI) throw new Error(`CI is set but PostgreSQL is not installed: ${LEFT_OUT}`);
	return LEFT_OUT;
}

/** Why the servers of `dialect` with a Redis cannot run here, or null when they can (a failure under CI). */
export function serversUnavailable(dialect: SharedDialect = 'postgres', redis = true): string | null {
	return (redis ? redisUnavailable() : null) ?? (dialect === 'postgres' ? postgresUnavailable() : null);
}

export interface SharedDatabase {
	readonly dialect: SharedDialect;
	/** What startServer needs to use it (DATABASE_URL or DATABASE_PATH). */
	readonly server: Pick<StartOptions, 'dbPath' | 'databaseUrl'>;
	/** The PostgreSQL cluster (to stop and start it again), when the dialect is postgres. */
	readonly postgres: TestPostgres | null;
	/** Rows of a query with `?` placeholders (on both dialects), read as committed. */
	query<T>(sqlText: string, params?: unknown[]): Promise<T[]>;
	/** The circle's event log, ordered by seq. */
	readLog(circleId: string): Promise<LoggedEvent[]>;
	/** The circle's check-ins (id and body), in no order. */
	readCheckIns(circleId: string): Promise<Array<{ id: string; body: string }>>;
	remove(): Promise<void>;
}

/** One database for every server of a spec: a fresh PostgreSQL cluster, or a fresh SQLite file. */
export async function startSharedDatabase(dialect: SharedDialect, options: TestPostgresOptions = {}): Promise<SharedDatabase> {
	if (dialect === 'sqlite') {
		const file = tempDatabase('hearth-servers-');
		return {
			dialect,
			server: { dbPath: file.dbPath },
			postgres: null,
			async query<T>(sqlText: string, params: unknown[] = []) {
				const { default: Database } = await import('better-sqlite3');
				const db = new Database(file.dbPath, { readonly: true, fileMustExist: true });
				try {
					return db.prepare(sqlText).all(...params) as T[];
				} finally {
					db.close();
				}
			},
			readLog: async (circleId) => readServerLog(circleId, file.dbPath),
			readCheckIns: async (circleId) => readServerCheckIns(circleId, file.dbPath),
			remove: async () => file.remove()
		};
	}
	const bin = findPostgresBin();
	if (!bin) throw new Error(LEFT_OUT);
	const cluster = await startTestPostgres(bin, options);
	try {
		const url = await cluster.createDatabase();
		// A client per query: the cluster may be stopped and started between two of them.
		const query = async <T>(sqlText: string, params: unknown[] = []): Promise<T[]> => {
			const client = new pg.Client({ connectionString: url });
			await client.connect();
			let n = 0;
			try {
				return (
					await client.query(
						sqlText.replace(/\?/g, () => `$${++n}`),
						params
					)
				).rows as T[];
			} finally {
				await client.end();
			}
		};
		return {
			dialect,
			server: { databaseUrl: url },
			postgres: cluster,
			query,
			async readLog(circleId) {
				const rows = await query<{ seq: string; circle_id: string; actor_id: string | null; type: string; payload: string; created_at: string }>(
					'SELECT seq, circle_id, actor_id, type, payload, created_at FROM circle_events WHERE circle_id = ? ORDER BY seq',
					[circleId]
				);
				return rows.map((row) => ({
					seq: Number(row.seq),
					circleId: row.circle_id,
					actorId: row.actor_id,
					type: row.type,
					payload: JSON.parse(row.payload),
					createdAt: Number(row.created_at)
				}));
			},
			readCheckIns: (circleId) => query<{ id: string; body: string }>('SELECT id, body FROM checkins WHERE circle_id = ?', [circleId]),
			async remove() {
				cluster.stop();
			}
		};
	} catch (error) {
		cluster.stop();
		throw error;
	}
}

/** Polls `condition` until it holds; fails with `what` (and `detail()`, if given) after `timeoutMs`. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5000, detail?: () => string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		// A condition that throws (a server still starting) counts as not yet.
		const holds = await Promise.resolve()
			.then(condition)
			.catch(() => false);
		if (holds) return;
		if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${detail ? `\n${detail()}` : ''}`);
		await sleep(20);
	}
}

/** GET /healthz of a server: its status and body. */
export async function health(baseURL: string): Promise<{ status: number; body: { ok: boolean; database?: boolean; redis?: string } }> {
	const response = await fetch(`${baseURL}/healthz`);
	return { status: response.status, body: (await response.json()) as { ok: boolean; database?: boolean; redis?: string } };
}

export interface ServersOptions {
	/** The database they share: a throwaway PostgreSQL (the default) or one SQLite file. */
	dialect?: SharedDialect;
	postgres?: TestPostgresOptions;
	/** How many servers (2 by default). */
	count?: number;
	/**
	 * Whether a Redis is started for them. With `adapter: false` it is started but the servers are
	 * not given REDIS_URL (E2E_REDIS_OFF=1: the tests that depend on the adapter must then fail).
	 */
	redis?: boolean;
	adapter?: boolean;
	/** More environment for every server (SIGNUPS_PER_ADDRESS_PER_HOUR is 100000 unless given). */
	env?: Record<string, string>;
}

export interface SharedServers {
	/** The servers, in the order started (A, B, …). */
	readonly servers: ServerProcess[];
	readonly database: SharedDatabase;
	/** The Redis they share (null with `redis: false`). */
	readonly redis: TestRedis | null;
	/** The live clients made with liveOn (closed by remove()). */
	readonly clients: LiveClient[];
	/** A live connection for `member` to the server of `member.baseURL`, settled at the page's position. */
	liveOn(member: Member, circleId: string, label: string): Promise<LiveClient>;
	/** What each server, PostgreSQL and Redis wrote, and each live client's history. */
	output(): string;
	/** In an afterEach: a failed test gets output() attached (and written to servers.txt), and each server's last lines printed. */
	attachOutput(info: TestInfo): Promise<void>;
	/** Closes the live clients, kills the servers, stops Redis and removes the database. */
	remove(): Promise<void>;
}

/**
 * Starts `count` Hearth servers (`node server.js`, the production build) on one shared database
 * and, unless told otherwise, one Redis. On PostgreSQL they start together (the migrations'
 * advisory lock lets one of them apply each file); on one SQLite file one after the other (the
 * first one migrates it).
 */
export async function startServers(options: ServersOptions = {}): Promise<SharedServers> {
	const { dialect = 'postgres', count = 2, redis: withRedis = true, adapter = true } = options;
	const [redis, database] = await Promise.all([withRedis ? startRedis() : null, startSharedDatabase(dialect, options.postgres)]);
	const clients: LiveClient[] = [];
	const servers: ServerProcess[] = [];
	const remove = async () => {
		for (const client of clients) client.close();
		await killAllServers();
		await redis?.remove();
		await database.remove();
	};
	try {
		const env: Record<string, string> = { SIGNUPS_PER_ADDRESS_PER_HOUR: '100000', ...options.env };
		if (redis && adapter) env.REDIS_URL = redis.url;
		const start = async () => startServer({ port: await freePort(), ...database.server, env });
		if (dialect === 'postgres') servers.push(...(await Promise.all(Array.from({ length: count }, start))));
		else for (let n = 0; n < count; n += 1) servers.push(await start());
	} catch (error) {
		await remove();
		throw error;
	}
	const name = (n: number) => `server ${String.fromCharCode(65 + n)}`;
	const output = () =>
		[
			...servers.map((server, n) => `${name(n)}:\n${server.output()}`),
			...(database.postgres ? [`PostgreSQL:\n${database.postgres.log()}`] : []),
			...(redis ? [`Redis:\n${redis.output()}`] : []),
			...(clients.length ? [`clients:\n${clients.map((client) => `${client.label}:\n${client.history.join('\n')}`).join('\n\n')}`] : [])
		].join('\n\n');
	return {
		servers,
		database,
		redis,
		clients,
		async liveOn(member, circleId, label) {
			const client = new LiveClient({ member, circleId, position: await loadPagePosition(member, circleId), label });
			clients.push(client);
			await client.connect();
			await client.waitSettled(client.start.seq);
			return client;
		},
		output,
		async attachOutput(info) {
			if (info.status === info.expectedStatus) return;
			// Written to the test's output folder too: the logs are long.
			const body = output();
			writeFileSync(info.outputPath('servers.txt'), body);
			await info.attach('servers', { body });
			console.error(servers.map((server, n) => `${name(n)}:\n${server.output().slice(-4000)}`).join('\n\n'));
		},
		remove
	};
}
