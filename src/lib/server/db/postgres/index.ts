// The PostgreSQL dialect: a pool whose rows read back as on SQLite (connection.js), migrated at
// open under an advisory lock, and Kysely over it. Each transaction is a real one on a pooled
// connection, so writes to one circle are made serial by lockCircle (db/dialect.ts), not by a
// single connection as on SQLite.
import { Kysely, PostgresDialect, PostgresDriver, type DatabaseConnection } from 'kysely';
import type { Pool } from 'pg';
import { isDatabaseUnavailable, markCommitUnsure } from '../unavailable';
import type { DB } from '../schema';
import type { OpenedDatabaseBase } from '../types';
import { adoptEventLogGeneration, createPostgresPool, migrate } from './connection.js';

export { createPostgresPool, migrate, MIGRATION_LOCK, parseInt8 } from './connection.js';

export interface OpenedPostgresDatabase extends OpenedDatabaseBase {
	readonly dialect: 'postgres';
	/** The pool itself, for what only PostgreSQL has (tests, benchmarks, health checks). */
	pool: Pool;
}

/**
 * Kysely's driver, except that a transaction whose connection is lost while its COMMIT is on its
 * way fails with an error marked "unsure" (db/unavailable.ts): the server may have committed it,
 * so the person is told it may have been saved, never that it was not. Kysely then tries a
 * ROLLBACK on the dead connection, whose error takes the COMMIT's place: it is marked too.
 */
class HearthPostgresDriver extends PostgresDriver {
	readonly #unsure = new WeakSet<DatabaseConnection>();

	override async commitTransaction(connection: DatabaseConnection): Promise<void> {
		try {
			await super.commitTransaction(connection);
		} catch (error) {
			if (!isDatabaseUnavailable(error)) throw error;
			this.#unsure.add(connection);
			throw markCommitUnsure(error);
		}
	}

	override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
		try {
			await super.rollbackTransaction(connection);
		} catch (error) {
			throw this.#unsure.has(connection) ? markCommitUnsure(error) : error;
		} finally {
			this.#unsure.delete(connection);
		}
	}
}

class HearthPostgresDialect extends PostgresDialect {
	readonly #pool: Pool;

	constructor(pool: Pool) {
		super({ pool });
		this.#pool = pool;
	}

	override createDriver(): PostgresDriver {
		return new HearthPostgresDriver({ pool: this.#pool });
	}
}

/** Kysely over a pool made by createPostgresPool (BIGINT and COUNT read back as numbers). */
export function createPostgresKysely(pool: Pool): Kysely<DB> {
	return new Kysely<DB>({ dialect: new HearthPostgresDialect(pool) });
}

export interface PostgresOptions {
	/** Connections this server keeps open (DATABASE_POOL_SIZE). */
	poolSize?: number;
}

/** Opens the PostgreSQL database `url` names and brings its schema up to date. */
export async function openPostgresDatabase(url: string, { poolSize = 10 }: PostgresOptions = {}): Promise<OpenedPostgresDatabase> {
	const pool = createPostgresPool(url, {
		max: poolSize,
		// A database that does not answer must not hold a request for ever: the page says so instead.
		connectionTimeoutMillis: 5_000
	});
	// An idle connection the server dropped (a restart, a failover) errors on the pool, not on a
	// query: without a listener that would end the process. The next query opens a new one.
	pool.on('error', (error) => console.error('A PostgreSQL connection was lost:', error.message));
	try {
		await migrate(pool);
		const generation = await adoptEventLogGeneration(pool);
		const db = createPostgresKysely(pool);
		let closing: Promise<void> | undefined;
		return {
			dialect: 'postgres',
			db,
			// Every statement outside a transaction reads only what has committed.
			committed: db,
			generation,
			pool,
			startMaintenance() {},
			close() {
				// Kysely ends the pool only if it ever ran a query on it, so the pool is ended here too.
				closing ??= db.destroy().then(() => (pool.ended ? undefined : pool.end()));
				return closing;
			}
		};
	} catch (error) {
		await pool.end().catch(() => {});
		throw error;
	}
}
