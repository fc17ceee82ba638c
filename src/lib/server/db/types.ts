// What every dialect's database looks like to the rest of the app (see index.ts for the factory).
import type { Kysely } from 'kysely';
import type { DB } from './schema';

export type { DB };

/** The app's tables through Kysely: domain code takes this, whatever the dialect underneath. */
export type Database = Kysely<DB>;

/** What opening a database gives, in every dialect. */
export interface OpenedDatabaseBase {
	readonly dialect: string;
	/** Reads and writes. */
	db: Database;
	/**
	 * Reads only what has committed. Anything that tells a browser "you have everything up to
	 * event N" reads through this (SQLite: a second connection, see sqlite/index.ts).
	 */
	committed: Database;
	/** The event log's generation (see adoptEventLogGeneration); fixed while the database is open. */
	generation: string;
	/** Starts the upkeep that runs beside the requests (SQLite: WAL checkpoints on a worker thread). */
	startMaintenance(): void;
	/** Stops the upkeep, commits what is still open and closes the database. */
	close(): Promise<void>;
}
