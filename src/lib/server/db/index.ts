import { Kysely, SqliteDialect, sql } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { DB } from './schema';
import { databasePath, migrate, openSqlite } from './sqlite.js';

export type Database = Kysely<DB>;
export type { DB };

export interface OpenedDatabase {
	db: Database;
	sqlite: BetterSqlite3.Database;
	close(): Promise<void>;
}

/** Opens a database file, brings its schema up to date, and wraps it in Kysely. */
export function openDatabase(file: string): OpenedDatabase {
	const sqlite = openSqlite(file);
	migrate(sqlite);
	const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
	return { db, sqlite, close: () => db.destroy() };
}

/** Distinct SQL texts the app runs are a few hundred; past this the cache starts over. */
const STATEMENT_CACHE_LIMIT = 1000;

/**
 * Kysely's SQLite driver prepares every query anew, and preparing costs more than running most
 * of ours (see BENCHMARKS.md). better-sqlite3 runs statements synchronously, so one prepared
 * statement per SQL text can be reused safely.
 */
function withStatementCache(sqlite: BetterSqlite3.Database) {
	const statements = new Map<string, BetterSqlite3.Statement>();
	return {
		close: () => sqlite.close(),
		prepare(source: string) {
			let statement = statements.get(source);
			if (!statement) {
				if (statements.size >= STATEMENT_CACHE_LIMIT) statements.clear();
				statement = sqlite.prepare(source);
				statements.set(source, statement);
			}
			return statement;
		}
	};
}

let appDatabase: OpenedDatabase | undefined;

/** The app's database (DATABASE_PATH or ./data/hearth.db), opened and migrated on first use. */
export function getDb(): Database {
	appDatabase ??= openDatabase(databasePath());
	return appDatabase.db;
}

/** True when the database answers a trivial query. */
export async function isDatabaseHealthy(db: Database): Promise<boolean> {
	try {
		await sql`SELECT 1`.execute(db);
		return true;
	} catch {
		return false;
	}
}
