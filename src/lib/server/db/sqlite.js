// @ts-check
// The one place that opens the SQLite file. Plain JavaScript so that the CLI scripts
// (`npm run migrate`, `npm run backup`) and the SvelteKit server share exactly this code.
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const DEFAULT_DATABASE_PATH = './data/hearth.db';

/** Where the database file lives: `DATABASE_PATH`, or the embedded default. */
export function databasePath() {
	return process.env.DATABASE_PATH || DEFAULT_DATABASE_PATH;
}

/** Where the migration files live. server.js points this at its own folder so cwd does not matter. */
export function migrationsDir() {
	return process.env.HEARTH_MIGRATIONS_DIR || path.resolve('migrations');
}

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
	return sqlite;
}

/**
 * Applies every migration in `dir` that has not run yet, in name order, each in its own
 * transaction together with the row that records it, so a migration runs exactly once.
 * @param {import('better-sqlite3').Database} sqlite
 * @param {string} [dir]
 * @returns {string[]} the names applied by this call
 */
export function migrate(sqlite, dir = migrationsDir()) {
	sqlite.exec(
		'CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)'
	);
	const files = readdirSync(dir)
		.filter((name) => name.endsWith('.sql'))
		.sort();
	const isApplied = sqlite.prepare('SELECT 1 FROM schema_migrations WHERE name = ?');
	const record = sqlite.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)');
	/** @type {string[]} */
	const applied = [];
	for (const name of files) {
		const sql = readFileSync(path.join(dir, name), 'utf8');
		// IMMEDIATE takes the write lock first, so two processes starting together cannot both run it.
		const applyOnce = sqlite.transaction(() => {
			if (isApplied.get(name)) return false;
			sqlite.exec(sql);
			record.run(name, Date.now());
			return true;
		});
		if (applyOnce.immediate()) applied.push(name);
	}
	return applied;
}
