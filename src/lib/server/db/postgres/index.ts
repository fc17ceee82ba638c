// The PostgreSQL dialect: a pool whose rows read back as on SQLite (connection.js), migrated at
// open under an advisory lock, and Kysely over it. Each transaction is a real one on a pooled
// connection, so writes to one circle are made serial by lockCircle (db/dialect.ts), not by a
// single connection as on SQLite.
import { Kysely, PostgresDialect, PostgresDriver, type CompiledQuery, type DatabaseConnection, type TransactionSettings } from 'kysely';
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

/** What pg says when a query was refused before it was sent: the client's connection was already gone. */
const NEVER_SENT = ['Client has encountered a connection error and is not queryable', 'Client was closed and is not queryable'];

/** The kinds of statement that change rows (raw SQL is judged by its first word, see changesRows). */
const WRITES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

/** Whether a statement may change rows: Kysely's own writes, and raw SQL that is not a plain read. */
function changesRows(query: CompiledQuery): boolean {
	if (WRITES.has(query.query.kind)) return true;
	return query.query.kind === 'RawNode' && !/^\s*(select|show|explain|values)\b/i.test(query.sql);
}

/**
 * Kysely's driver, except that a write whose connection is lost before its answer came may have
 * been committed without the answer reaching us, so its error is marked "unsure" (db/unavailable.ts)
 * and the person is told it may have been saved, never that it was not:
 *
 * - a transaction lost while its COMMIT is on its way (Kysely then tries a ROLLBACK on the dead
 *   connection, whose error takes the COMMIT's place: it is marked too);
 * - a single statement outside a transaction (it commits by itself: INSERT, UPDATE, DELETE, or raw
 *   SQL that is not a plain read) lost once it was sent. One lost inside a transaction before its
 *   COMMIT did not happen, and one pg refused before sending it (its connection already gone) did
 *   not either: those are plain "unavailable".
 */
class HearthPostgresDriver extends PostgresDriver {
	readonly #unsure = new WeakSet<DatabaseConnection>();
	/** Connections between BEGIN and COMMIT or ROLLBACK: their statements commit only with it. */
	readonly #inTransaction = new WeakSet<DatabaseConnection>();
	readonly #watched = new WeakMap<DatabaseConnection, DatabaseConnection>();

	override async acquireConnection(): Promise<DatabaseConnection> {
		const connection = await super.acquireConnection();
		let watched = this.#watched.get(connection);
		if (!watched) {
			const inTransaction = this.#inTransaction;
			watched = new Proxy(connection, {
				get(target, property) {
					const value = Reflect.get(target, property, target);
					if (property !== 'executeQuery') return typeof value === 'function' ? value.bind(target) : value;
					return async (query: CompiledQuery) => {
						try {
							return await target.executeQuery(query);
						} catch (error) {
							if (isDatabaseUnavailable(error) && !inTransaction.has(watched!) && changesRows(query) && !sentNever(error)) markCommitUnsure(error);
							throw error;
						}
					};
				}
			});
			this.#watched.set(connection, watched);
		}
		return watched;
	}

	override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
		this.#inTransaction.add(connection);
		await super.beginTransaction(connection, settings);
	}

	override async commitTransaction(connection: DatabaseConnection): Promise<void> {
		try {
			await super.commitTransaction(connection);
		} catch (error) {
			if (!isDatabaseUnavailable(error)) throw error;
			this.#unsure.add(connection);
			throw markCommitUnsure(error);
		} finally {
			this.#inTransaction.delete(connection);
		}
	}

	override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
		try {
			await super.rollbackTransaction(connection);
		} catch (error) {
			throw this.#unsure.has(connection) ? markCommitUnsure(error) : error;
		} finally {
			this.#unsure.delete(connection);
			this.#inTransaction.delete(connection);
		}
	}

	override async releaseConnection(connection: Parameters<PostgresDriver['releaseConnection']>[0]): Promise<void> {
		// A transaction Kysely gave up on without COMMIT or ROLLBACK (it never does) ends with its connection.
		this.#inTransaction.delete(connection);
		await super.releaseConnection(connection);
	}
}

function sentNever(error: unknown): boolean {
	const message = (error as { message?: unknown } | null)?.message;
	return typeof message === 'string' && NEVER_SENT.some((words) => message.startsWith(words));
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
