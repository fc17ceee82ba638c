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

/** What a pool does when an idle connection of it is lost (a restart, a failover): says so in the log. */
export const logLostConnection = (error: Error) => console.error('A PostgreSQL connection was lost:', error.message);
let lostConnection = logLostConnection;

/**
 * For tests, which drop their databases under pools still open (DROP DATABASE … WITH (FORCE)) and
 * need not hear of it: what every pool does from now on with a lost idle connection (null: log it,
 * as in production, where nothing calls this).
 */
export function onLostConnection(listener: ((error: Error) => void) | null): void {
	lostConnection = listener ?? logLostConnection;
}

/** Collations that compare text byte by byte, as SQLite's BINARY does. */
const BYTE_ORDER = new Set(['C', 'POSIX']);

/**
 * What is wrong with the current database's collation, or null when it compares text byte by byte
 * (C or POSIX, from libc), as README asks (ids, names in lists and keyset pages then sort as on
 * SQLite). Any other locale (en_US.UTF-8, C.UTF-8, an ICU one) may order text otherwise.
 */
export async function collationWarning(pool: Pool): Promise<string | null> {
	const { rows } = await pool.query<{ row: { datname: string; datcollate: string; datctype: string; datlocprovider?: string } }>(
		// to_jsonb: datlocprovider exists from PostgreSQL 15 on; reading the row whole works on every version.
		'SELECT to_jsonb(d) AS row FROM pg_database d WHERE datname = current_database()'
	);
	const row = rows[0]?.row;
	if (!row) return null;
	const provider = row.datlocprovider ?? 'c';
	if (provider === 'c' && BYTE_ORDER.has(row.datcollate) && BYTE_ORDER.has(row.datctype)) return null;
	const what = provider === 'i' ? 'an ICU locale' : `LC_COLLATE ${row.datcollate}, LC_CTYPE ${row.datctype}`;
	return (
		`The PostgreSQL database ${row.datname} was created with ${what}, not the C collation: text may sort differently from SQLite ` +
		`(ids, names in lists, pages of check-ins). Hearth runs, but create the database with ` +
		`\`createdb --locale=C --encoding=UTF8 --template=template0 …\` and move the data over (pg_dump, then pg_restore into it): README, "Running on several servers".`
	);
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
	pool.on('error', (error) => lostConnection(error));
	try {
		await migrate(pool);
		// Not C: said once at start, not refused (an existing deployment keeps running).
		const collation = await collationWarning(pool);
		if (collation) console.warn(collation);
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
