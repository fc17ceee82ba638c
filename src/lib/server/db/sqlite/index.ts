// The SQLite dialect: a file opened with better-sqlite3, migrated, and wrapped in Kysely with
// group commit (group-commit.ts); a second, read-only connection for what has committed; WAL
// checkpoints on a worker thread (checkpoints.ts). Nothing outside db/ needs to know any of it.
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import type { DB } from '../schema';
import type { OpenedDatabaseBase } from '../types';
import { adoptEventLogGeneration, migrate, openCommittedReader, openSqlite } from './connection.js';
import { GroupCommitDialect, STATEMENT_CACHE_LIMIT } from './group-commit';
import { checkpointInBackground, type Checkpointer } from './checkpoints';
import { registerSqliteFile } from '../snapshot';

export interface OpenedSqliteDatabase extends OpenedDatabaseBase {
	readonly dialect: 'sqlite';
	/** The writing connection itself, for what only SQLite has (PRAGMAs, tests, benchmarks). */
	sqlite: BetterSqlite3.Database;
}

/**
 * Kysely's SqliteDialect prepares every query anew, which costs more than running most of ours
 * (every circle page reads the log's newest seq here). As on the group-commit connection, one
 * statement per SQL text is kept: better-sqlite3 runs each synchronously, so they can be shared.
 */
function reusingStatements(sqlite: BetterSqlite3.Database): SqliteDatabase {
	const statements = new Map<string, BetterSqlite3.Statement>();
	return {
		close: () => sqlite.close(),
		prepare(source) {
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

/** Opens an SQLite file (or `:memory:`), brings its schema up to date, and wraps it in Kysely. */
export function openSqliteDatabase(file: string): OpenedSqliteDatabase {
	const sqlite = openSqlite(file);
	migrate(sqlite);
	const generation = adoptEventLogGeneration(sqlite);
	const db = new Kysely<DB>({ dialect: new GroupCommitDialect(sqlite) });
	// An in-memory database has one connection only; nothing there outlives a crash anyway.
	const inMemory = file === ':memory:';
	// In WAL mode a second connection sees only transactions whose COMMIT has returned (the
	// group-commit connection also sees the batch it is still writing): see openCommittedReader.
	const reader = inMemory ? null : openCommittedReader(file);
	const committed = reader ? new Kysely<DB>({ dialect: new SqliteDialect({ database: reusingStatements(reader) }) }) : db;
	// A read snapshot (an account's export) opens a connection of its own to the file (snapshot.ts).
	if (!inMemory) registerSqliteFile(db, file);
	let checkpointer: Checkpointer | undefined;
	return {
		dialect: 'sqlite',
		db,
		committed,
		generation,
		sqlite,
		startMaintenance() {
			if (inMemory || checkpointer) return;
			checkpointer = checkpointInBackground(sqlite, path.resolve(file));
		},
		async close() {
			await checkpointer?.stop();
			checkpointer = undefined;
			if (committed !== db) await committed.destroy();
			await db.destroy();
			// Kysely closes a connection only if it ever ran a query on it.
			if (reader?.open) reader.close();
			if (sqlite.open) sqlite.close();
		}
	};
}
