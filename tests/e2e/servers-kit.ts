// Several Hearth servers on one database, for the specs of issue 17 (sync-redis, servers-postgres,
// faults-postgres): the database they share (a throwaway PostgreSQL by default, started with the
// same code as the vitest suite's, tests/unit/support/postgres.ts; or one SQLite file), read by the
// test itself to compare with what the servers said, and a poll with a deadline.
import pg from 'pg';
import { findPostgresBin, LEFT_OUT, startTestPostgres, type TestPostgres, type TestPostgresOptions } from '../unit/support/postgres';
import { readServerCheckIns, readServerLog, sleep, type LoggedEvent } from './sync-kit';
import { tempDatabase, type StartOptions } from './server-process';

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
