// @ts-check
// The SQLite file itself: the one place that opens it, its migrations and its event log's
// generation. Plain JavaScript so that the CLI scripts (`npm run migrate`, `npm run backup`) and
// the SvelteKit server share exactly this code.
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { migrationsDir } from '../config.js';

/**
 * Opens (creating if needed) the database file with the PRAGMAs every connection must have.
 * @param {string} file
 */
export function openSqlite(file) {
	if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
	const sqlite = new Database(file);
	sqlite.pragma('journal_mode = WAL');
	sqlite.pragma('foreign_keys = ON');
	sqlite.pragma('busy_timeout = 5000');
	// FULL: a write the user was told is saved survives a power cut, not only a process crash.
	sqlite.pragma('synchronous = FULL');
	// What is deleted (a removed check-in, a deleted account) is overwritten with zeros in the file,
	// not left in free pages for anyone holding a copy of it to read back.
	sqlite.pragma('secure_delete = ON');
	return sqlite;
}

/**
 * The event log's generation (migration 0008). A file that `npm run backup` made is marked as a
 * copy; the first time it is opened it gets a new generation, so browsers that hold event numbers
 * of the history it was copied from reload instead of skipping what the restored log hands out.
 * @param {import('better-sqlite3').Database} sqlite
 * @returns {string}
 */
export function adoptEventLogGeneration(sqlite) {
	return sqlite
		.transaction(() => {
			const row = /** @type {{ generation: string, is_copy: number }} */ (
				sqlite.prepare('SELECT generation, is_copy FROM event_log_identity WHERE only_row = 1').get()
			);
			if (!row.is_copy) return row.generation;
			const generation = /** @type {{ g: string }} */ (sqlite.prepare('SELECT lower(hex(randomblob(10))) AS g').get()).g;
			sqlite.prepare('UPDATE event_log_identity SET generation = ?, is_copy = 0 WHERE only_row = 1').run(generation);
			return generation;
		})
		.immediate();
}

/**
 * Marks a backup as a copy (see adoptEventLogGeneration).
 * @param {import('better-sqlite3').Database} sqlite
 */
export function markAsCopy(sqlite) {
	// A file from before migration 0008 gets a fresh generation when it is migrated anyway.
	if (!sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'event_log_identity'").get()) return;
	sqlite.prepare('UPDATE event_log_identity SET is_copy = 1 WHERE only_row = 1').run();
}

/**
 * A second, read-only connection to the same file. In WAL mode it sees only transactions whose
 * COMMIT has returned (the group-commit connection also sees the batch it is still writing), so
 * what it reads can be handed to a browser without a crash ever taking it back.
 * @param {string} file
 */
export function openCommittedReader(file) {
	const sqlite = new Database(file, { readonly: true, fileMustExist: true });
	sqlite.pragma('busy_timeout = 5000');
	return sqlite;
}

/** The first line of a migration that must run with foreign keys off. */
const FOREIGN_KEYS_OFF = '-- hearth: foreign keys off';

/**
 * Applies every migration in `dir` that has not run yet, in name order, each in its own
 * transaction together with the row that records it, so a migration runs exactly once.
 * @param {import('better-sqlite3').Database} sqlite
 * @param {string} [dir]
 * @returns {string[]} the names applied by this call
 */
export function migrate(sqlite, dir = migrationsDir('sqlite')) {
	sqlite.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
	const files = readdirSync(dir)
		.filter((name) => name.endsWith('.sql'))
		.sort();
	const isApplied = sqlite.prepare('SELECT 1 FROM schema_migrations WHERE name = ?');
	const record = sqlite.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)');
	/** @type {string[]} */
	const applied = [];
	for (const name of files) {
		const sql = readFileSync(path.join(dir, name), 'utf8');
		// A migration that rebuilds a table others refer to runs with foreign keys off (SQLite's
		// twelve-step ALTER): dropping the old table must not cascade into its children. The pragma
		// only works outside a transaction; the keys are checked before the migration commits.
		const foreignKeysOff = sql.startsWith(FOREIGN_KEYS_OFF);
		// IMMEDIATE takes the write lock first, so two processes starting together cannot both run it.
		const applyOnce = sqlite.transaction(() => {
			if (isApplied.get(name)) return false;
			sqlite.exec(sql);
			if (foreignKeysOff) {
				const broken = /** @type {unknown[]} */ (sqlite.pragma('foreign_key_check'));
				if (broken.length > 0) throw new Error(`${name} would break ${broken.length} foreign keys: ${JSON.stringify(broken.slice(0, 3))}`);
			}
			record.run(name, Date.now());
			return true;
		});
		if (foreignKeysOff) sqlite.pragma('foreign_keys = OFF');
		try {
			if (applyOnce.immediate()) applied.push(name);
		} finally {
			if (foreignKeysOff) sqlite.pragma('foreign_keys = ON');
		}
	}
	return applied;
}
