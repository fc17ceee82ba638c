// Reads that must all see one moment of the database (an account's export, read in many queries
// and pages while it streams): a read-only snapshot, whatever the dialect.
//
// - PostgreSQL: a REPEATABLE READ READ ONLY transaction on a pooled connection of its own. Its
//   snapshot is taken at its first statement; what commits later is not seen by any of its reads.
// - SQLite: a read transaction (BEGIN, then the first SELECT takes the WAL snapshot) on a
//   read-only connection of its own, so the one writing connection (group commit) goes on writing
//   meanwhile; and it sees only what has committed. An in-memory database has no second
//   connection: there the reads go to the database itself, one after another, as before.
//
// A snapshot holds its connection until end() (PostgreSQL: one of the pool's; SQLite: the WAL
// cannot be checkpointed past it), so it is for reads that end in seconds, not for ever.
import { Kysely, sql, SqliteDialect } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import { dialectOf } from './dialect';
import { openCommittedReader } from './sqlite/connection.js';
import type { Database, DB } from './types';

export interface ReadSnapshot {
	/** Reads only (a write fails), all as of one moment. */
	readonly db: Database;
	/** Ends the snapshot and gives its connection back. Safe to call twice. */
	end(): Promise<void>;
}

/** The SQLite file behind each app database (sqlite/index.ts registers it). */
const sqliteFiles = new WeakMap<Database, string>();

/** Lets openReadSnapshot open its own connection to the file behind `db`. */
export function registerSqliteFile(db: Database, file: string): void {
	sqliteFiles.set(db, file);
}

/** A read-only snapshot of `db` (see the top of this file); end() it when the reads are done. */
export async function openReadSnapshot(db: Database): Promise<ReadSnapshot> {
	if (dialectOf(db) === 'postgres') {
		const trx = await db.startTransaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute();
		let ended: Promise<void> | undefined;
		return {
			db: trx,
			end: () => (ended ??= trx.commit().execute())
		};
	}
	const file = sqliteFiles.get(db);
	if (!file) return { db, end: async () => {} };
	const reader: BetterSqlite3.Database = openCommittedReader(file);
	const snapshot = new Kysely<DB>({ dialect: new SqliteDialect({ database: reader }) });
	let ended: Promise<void> | undefined;
	const end = () =>
		(ended ??= (async () => {
			if (reader.inTransaction) reader.exec('COMMIT');
			await snapshot.destroy();
			if (reader.open) reader.close();
		})());
	try {
		reader.exec('BEGIN');
		// The WAL snapshot is taken by the first read, not by BEGIN: take it now.
		await sql`SELECT 1 FROM schema_migrations LIMIT 1`.execute(snapshot);
	} catch (error) {
		await end();
		throw error;
	}
	return { db: snapshot, end };
}

/** Runs `reads` on a snapshot of `db`, ended when they are done (or fail). */
export async function withReadSnapshot<T>(db: Database, reads: (snapshot: Database) => Promise<T>): Promise<T> {
	const snapshot = await openReadSnapshot(db);
	try {
		return await reads(snapshot.db);
	} finally {
		await snapshot.end();
	}
}
