import { Kysely, SqliteDialect, sql } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { DB } from './schema';
import { adoptEventLogGeneration, databasePath, migrate, openCommittedReader, openSqlite } from './sqlite.js';
import { GroupCommitDialect } from './group-commit';
import { checkpointInBackground, type Checkpointer } from './checkpoints';
import path from 'node:path';

export type Database = Kysely<DB>;
export type { DB };

export interface OpenedDatabase {
	db: Database;
	/**
	 * Reads only what has committed (a second connection; see openCommittedReader). Anything
	 * that tells a browser "you have everything up to event N" reads through this.
	 */
	committed: Database;
	/** The event log's generation (see adoptEventLogGeneration); fixed while the file is open. */
	generation: string;
	sqlite: BetterSqlite3.Database;
	close(): Promise<void>;
}

/** Opens a database file, brings its schema up to date, and wraps it in Kysely (with group commit). */
export function openDatabase(file: string): OpenedDatabase {
	const sqlite = openSqlite(file);
	migrate(sqlite);
	const generation = adoptEventLogGeneration(sqlite);
	const db = new Kysely<DB>({ dialect: new GroupCommitDialect(sqlite) });
	// An in-memory database has one connection only; nothing there outlives a crash anyway.
	const committed = file === ':memory:' ? db : new Kysely<DB>({ dialect: new SqliteDialect({ database: openCommittedReader(file) }) });
	return {
		db,
		committed,
		generation,
		sqlite,
		async close() {
			if (committed !== db) await committed.destroy();
			await db.destroy();
		}
	};
}

let appDatabase: OpenedDatabase | undefined;

function appDb(): OpenedDatabase {
	appDatabase ??= openDatabase(databasePath());
	return appDatabase;
}

/** The app's database (DATABASE_PATH or ./data/hearth.db), opened and migrated on first use. */
export function getDb(): Database {
	return appDb().db;
}

/** The app's database as committed: what the event log says to browsers is read here. */
export function getCommittedDb(): Database {
	return appDb().committed;
}

/** The app's event log generation (see adoptEventLogGeneration). */
export function getEventLogGeneration(): string {
	return appDb().generation;
}

/** Commits what is still open and closes the app's database (a graceful shutdown's last step). */
export async function closeAppDatabase(): Promise<void> {
	const opened = appDatabase;
	if (!opened) return;
	appDatabase = undefined;
	await appCheckpointer?.stop();
	appCheckpointer = undefined;
	await opened.close();
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
