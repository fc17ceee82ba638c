// @ts-check
// The PostgreSQL dialect's connection pool and migrator (issue 17). Plain JavaScript, as
// sqlite/connection.js, so that the CLI scripts and the server can share exactly this code.
import pg from 'pg';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { migrationsDir } from '../config.js';

/** int8 (BIGINT, and what COUNT returns): pg hands it over as a string unless told otherwise. */
const INT8_OID = 20;

/**
 * Reads an int8 as a JS number, so rows look exactly as they do on SQLite (times are BIGINT
 * milliseconds). A value a number cannot hold exactly is refused, never rounded quietly.
 * @param {string} text
 * @returns {number}
 */
export function parseInt8(text) {
	const value = Number(text);
	if (!Number.isSafeInteger(value)) {
		throw new RangeError(`PostgreSQL returned the integer ${text}, beyond what JavaScript holds exactly (Number.MAX_SAFE_INTEGER): refusing to round it.`);
	}
	return value;
}

/**
 * The type parsers of Hearth's pools: int8 as a number (parseInt8), everything else as pg does.
 * Given to each pool rather than set on pg globally, so nothing else in the process changes.
 * @type {import('pg').CustomTypesConfig}
 */
export const hearthTypes = {
	getTypeParser(oid, format) {
		if (oid === INT8_OID && format !== 'binary') return parseInt8;
		return pg.types.getTypeParser(oid, format);
	}
};

/** SQL text → statement name, for the few queries every request or check-in runs (db/prepared.ts). */
const statementNames = new Map();

/**
 * Asks every pool of this process to run `sql` as a named prepared statement: PostgreSQL then
 * parses and plans it once per connection instead of on every run. Only for fixed SQL (a
 * handful of templates), since each name stays in every connection's memory until it closes.
 * @param {string} sql
 */
export function nameStatement(sql) {
	if (!statementNames.has(sql)) statementNames.set(sql, `hearth_${statementNames.size + 1}`);
}

/** pg's client, except that SQL named by nameStatement goes as a named statement (pg keeps it per connection). */
class NamingClient extends pg.Client {}
const plainQuery = /** @type {(this: pg.Client, ...args: unknown[]) => unknown} */ (pg.Client.prototype.query);
// Assigned rather than declared: pg's many overloads of query() cannot be restated in a subclass.
NamingClient.prototype.query = /** @type {any} */ (
	/** @this {pg.Client} @param {any} config @param {any} [values] @param {any} [callback] */
	function query(config, values, callback) {
		const name = typeof config === 'string' ? statementNames.get(config) : undefined;
		if (name === undefined) return plainQuery.call(this, config, values, callback);
		if (typeof values === 'function') return plainQuery.call(this, { name, text: config }, values);
		return plainQuery.call(this, { name, text: config, values }, callback);
	}
);

/**
 * A pool of connections to the PostgreSQL database `url` names (postgres://user:pass@host/db).
 * @param {string} url
 * @param {Omit<import('pg').PoolConfig, 'connectionString' | 'types'>} [options] e.g. max connections
 */
export function createPostgresPool(url, options = {}) {
	const pool = new pg.Pool({ ...options, connectionString: url, types: hearthTypes, Client: NamingClient });
	pool.on('connect', (client) => {
		// A connection that dies while it is checked out (PostgreSQL stopped or restarted in the middle
		// of a transaction) emits 'error' on its client, and the pool listens for that only while the
		// client is idle: with no listener of its own, the process would end. The error also fails the
		// query in flight (the request answers 503), and the pool drops a broken client when it is
		// released, so the listener has nothing more to do. An idle client's loss reaches pool 'error'.
		client.on('error', () => {});
		// The server ending the session (FATAL: shutting down, terminated) fails the query in flight at
		// once, but the socket closes a moment later: released in between, the client would go back to
		// the pool as if sound and fail its next query too. Ended now, the pool drops it on release.
		client.connection.on('errorMessage', (/** @type {{ severity?: string }} */ message) => {
			if (message.severity === 'FATAL' || message.severity === 'PANIC') client.end().catch(() => {});
		});
	});
	return pool;
}

/**
 * The advisory lock every migrator takes (two int4 keys: "Hear" and 1 for migrations), so that
 * two servers starting together apply each migration once; the other waits, then finds it done.
 */
export const MIGRATION_LOCK = /** @type {const} */ ([0x48656172, 1]);

/**
 * The names in schema_migrations (none before the first migration created it).
 * @param {import('pg').Pool | import('pg').Client} pool
 * @returns {Promise<Set<string>>}
 */
async function appliedMigrations(pool) {
	const { rows } = await pool.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
	if (!rows[0].present) return new Set();
	const applied = await pool.query('SELECT name FROM schema_migrations');
	return new Set(applied.rows.map((row) => row.name));
}

/**
 * Applies every migration in `dir` that has not run yet, in name order, each in its own
 * transaction together with the row that records it, so a migration runs exactly once. Each
 * transaction first takes MIGRATION_LOCK (pg_advisory_xact_lock: released by its COMMIT or
 * ROLLBACK, so a migrator that dies never leaves it held) and only then looks whether the file
 * has run. A migration file holds no BEGIN/COMMIT of its own, and nothing that cannot run in a
 * transaction (CREATE INDEX CONCURRENTLY).
 * @param {import('pg').Pool | import('pg').Client} pool
 * @param {string} [dir]
 * @returns {Promise<string[]>} the names applied by this call
 */
export async function migrate(pool, dir = migrationsDir('postgres')) {
	const files = readdirSync(dir)
		.filter((name) => name.endsWith('.sql'))
		.sort();
	// Most starts find nothing to do: one read says so, without a lock and a transaction per file.
	// What it lists as pending is still checked again under the lock below.
	const done = await appliedMigrations(pool);
	const pending = files.filter((name) => !done.has(name));
	if (pending.length === 0) return [];
	const pooled = pool instanceof pg.Pool ? await pool.connect() : null;
	const client = pooled ?? /** @type {import('pg').Client} */ (pool);
	/** @type {string[]} */
	const applied = [];
	/** @type {Error | undefined} a connection that failed mid-migration is not handed back to the pool */
	let failed;
	try {
		for (const name of pending) {
			const sql = readFileSync(path.join(dir, name), 'utf8');
			await client.query('BEGIN');
			try {
				await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...MIGRATION_LOCK]);
				// Under the lock, so two first starts do not race to create it.
				await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)');
				const done = await client.query('SELECT 1 FROM schema_migrations WHERE name = $1', [name]);
				if (done.rowCount === 0) {
					// No parameters: the simple query protocol runs every statement of the file.
					await client.query(sql);
					await client.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)', [name, Date.now()]);
					applied.push(name);
				}
				await client.query('COMMIT');
			} catch (error) {
				await client.query('ROLLBACK').catch(() => {});
				if (applied.at(-1) === name) applied.pop();
				failed = error instanceof Error ? error : new Error(String(error));
				throw new Error(`PostgreSQL migration ${name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
			}
		}
	} finally {
		pooled?.release(failed);
	}
	return applied;
}

/**
 * The event log's generation (see sqlite/connection.js adoptEventLogGeneration). A database
 * restored from `pg_dump` is a new database, with a new OID, so the generation includes it: the
 * browsers holding event numbers of the history it was dumped from reload instead of skipping
 * what the restored log hands out. A row marked as a copy gets a fresh stored part too.
 * @param {import('pg').Pool} pool
 * @returns {Promise<string>}
 */
export async function adoptEventLogGeneration(pool) {
	const client = await pool.connect();
	try {
		await client.query('BEGIN');
		const { rows } = await client.query(
			`SELECT generation, is_copy, (SELECT oid FROM pg_database WHERE datname = current_database()) AS database_oid
			 FROM event_log_identity WHERE only_row = 1 FOR UPDATE`
		);
		let { generation } = rows[0];
		if (rows[0].is_copy) {
			generation = randomBytes(10).toString('hex');
			await client.query('UPDATE event_log_identity SET generation = $1, is_copy = 0 WHERE only_row = 1', [generation]);
		}
		await client.query('COMMIT');
		return `${generation}-${rows[0].database_oid}`;
	} catch (error) {
		await client.query('ROLLBACK').catch(() => {});
		throw error;
	} finally {
		client.release();
	}
}
