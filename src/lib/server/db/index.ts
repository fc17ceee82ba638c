import { Kysely, sql } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { DB } from './schema';
import { databasePath, migrate, openSqlite } from './sqlite.js';
import { GroupCommitDialect } from './group-commit';
import { checkpointInBackground, type Checkpointer } from './checkpoints';
import path from 'node:path';

export type Database = Kysely<DB>;
export type { DB };

export interface OpenedDatabase {
	db: Database;
	sqlite: BetterSqlite3.Database;
	close(): Promise<void>;
}

/** Opens a database file, brings its schema up to date, and wraps it in Kysely (with group commit). */
export function openDatabase(file: string): OpenedDatabase {
	const sqlite = openSqlite(file);
	migrate(sqlite);
	const db = new Kysely<DB>({ dialect: new GroupCommitDialect(sqlite) });
	return { db, sqlite, close: () => db.destroy() };
}

let appDatabase: OpenedDatabase | undefined;

/** The app's database (DATABASE_PATH or ./data/hearth.db), opened and migrated on first use. */
export function getDb(): Database {
	appDatabase ??= openDatabase(databasePath());
	return appDatabase.db;
}

let appCheckpointer: Checkpointer | undefined;

/** From now on the app's database is checkpointed on a worker thread (see checkpoints.ts). */
export function checkpointAppDatabaseInBackground(): void {
	getDb();
	const file = databasePath();
	if (file === ':memory:' || appCheckpointer) return;
	appCheckpointer = checkpointInBackground(appDatabase!.sqlite, path.resolve(file));
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
