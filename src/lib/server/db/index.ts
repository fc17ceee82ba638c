// The database seam: the one factory that opens the database a configuration names (config.js),
// and the app's own database, opened on first use. Everything dialect-specific sits behind it, in
// a folder of its own: sqlite/ (group commit, WAL checkpoints, the committed reader, prepared
// queries, online backups). A second dialect is a second folder and one more case below.
import { sql } from 'kysely';
import { databaseConfig, type DatabaseConfig } from './config.js';
import type { Database } from './types';
import { openSqliteDatabase, type OpenedSqliteDatabase } from './sqlite';

export type { Database, DB, OpenedDatabaseBase } from './types';
export type { DatabaseConfig };

/** An open database of any dialect (tell them apart by `dialect`). */
export type OpenedDatabase = OpenedSqliteDatabase;

/**
 * Opens the database `config` names and brings its schema up to date. A plain path is an SQLite
 * file (tests and benchmarks open their own files that way).
 */
export function openDatabase(config: DatabaseConfig | string): OpenedDatabase {
	const chosen: DatabaseConfig = typeof config === 'string' ? { dialect: 'sqlite', file: config } : config;
	switch (chosen.dialect) {
		case 'sqlite':
			return openSqliteDatabase(chosen.file);
	}
}

let appDatabase: OpenedDatabase | undefined;

function appDb(): OpenedDatabase {
	appDatabase ??= openDatabase(databaseConfig());
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

/** From now on the app's database keeps itself up in the background (SQLite: WAL checkpoints on a worker thread). */
export function checkpointAppDatabaseInBackground(): void {
	appDb().startMaintenance();
}

/** Commits what is still open and closes the app's database (a graceful shutdown's last step). */
export async function closeAppDatabase(): Promise<void> {
	const opened = appDatabase;
	if (!opened) return;
	appDatabase = undefined;
	await opened.close();
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
