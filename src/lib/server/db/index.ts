// The database seam: the one factory that opens the database a configuration names (config.js),
// and the app's own database, opened at start. Everything dialect-specific sits behind it, in a
// folder of its own: sqlite/ (group commit, WAL checkpoints, the committed reader, prepared
// queries, online backups) and postgres/ (a pool, migrations under an advisory lock). What
// domain code must do differently per dialect is in dialect.ts (lockCircle).
import { sql } from 'kysely';
import { databaseConfig, type DatabaseConfig } from './config.js';
import type { Database } from './types';
import { openSqliteDatabase, type OpenedSqliteDatabase } from './sqlite';
import { openPostgresDatabase, type OpenedPostgresDatabase } from './postgres';

export type { Database, DB, OpenedDatabaseBase } from './types';
export type { DatabaseConfig, OpenedPostgresDatabase, OpenedSqliteDatabase };
export { openPostgresDatabase, openSqliteDatabase };

/** An open database of any dialect (tell them apart by `dialect`). */
export type OpenedDatabase = OpenedSqliteDatabase | OpenedPostgresDatabase;

/**
 * Opens the database `config` names and brings its schema up to date. A plain path is an SQLite
 * file (tests and benchmarks open their own files that way).
 */
export async function openDatabase(config: DatabaseConfig | string): Promise<OpenedDatabase> {
	const chosen: DatabaseConfig = typeof config === 'string' ? { dialect: 'sqlite', file: config } : config;
	switch (chosen.dialect) {
		case 'sqlite':
			return openSqliteDatabase(chosen.file);
		case 'postgres':
			return openPostgresDatabase(chosen.url, { poolSize: chosen.poolSize });
	}
}

let appDatabase: OpenedDatabase | undefined;
let appDatabaseOpening: Promise<OpenedDatabase> | undefined;

/**
 * Opens the app's database (DATABASE_URL, or DATABASE_PATH / ./data/hearth.db) and applies pending
 * migrations; the server awaits it before serving (hooks.server.ts init).
 */
export function openAppDatabase(): Promise<OpenedDatabase> {
	if (appDatabase) return Promise.resolve(appDatabase);
	appDatabaseOpening ??= openDatabase(databaseConfig()).then(
		(opened) => (appDatabase = opened),
		(error) => {
			appDatabaseOpening = undefined;
			throw error;
		}
	);
	return appDatabaseOpening;
}

function appDb(): OpenedDatabase {
	if (appDatabase) return appDatabase;
	const config = databaseConfig();
	// An SQLite file opens at once, so scripts and tests may use it without the async start.
	if (config.dialect === 'sqlite') return (appDatabase = openSqliteDatabase(config.file));
	throw new Error('The PostgreSQL database is not open yet: openAppDatabase() must finish before the first query (hooks.server.ts init awaits it).');
}

/** The app's database (see openAppDatabase). */
export function getDb(): Database {
	return appDb().db;
}

/** Which dialect the app's database speaks. */
export function getAppDialect(): OpenedDatabase['dialect'] {
	return appDb().dialect;
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
	appDatabaseOpening = undefined;
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
