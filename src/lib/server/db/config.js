// @ts-check
// Which database Hearth uses, read from its environment. Plain JavaScript so that the CLI scripts
// (`npm run migrate`, `npm run backup`) and the server read the same configuration.
//
// Today the app opens one dialect: an SQLite file (DATABASE_PATH). The second one, PostgreSQL
// through DATABASE_URL (issue 17, ARCHITECTURE.md), is being built in postgres/ (schema, migrator,
// pool so far); it becomes a member of DatabaseConfig here and a case in openDatabase (index.ts)
// once the domain runs on it.
import path from 'node:path';

export const DEFAULT_DATABASE_PATH = './data/hearth.db';

/**
 * @typedef {{ dialect: 'sqlite', file: string }} SqliteConfig an SQLite file (or `:memory:`)
 * @typedef {SqliteConfig} DatabaseConfig every dialect Hearth can open
 */

/**
 * The database the environment names: the SQLite file `DATABASE_PATH`, or the embedded default.
 * @param {Record<string, string | undefined>} [env]
 * @returns {DatabaseConfig}
 */
export function databaseConfig(env = process.env) {
	// Refused rather than ignored: an operator who set it expects the data to go there.
	if (env.DATABASE_URL) {
		throw new Error(
			'DATABASE_URL is set, but Hearth cannot store its data in PostgreSQL yet (that support is being built: issue 17), only in SQLite: unset DATABASE_URL (DATABASE_PATH names the file).'
		);
	}
	return { dialect: 'sqlite', file: env.DATABASE_PATH || DEFAULT_DATABASE_PATH };
}

/**
 * Where one dialect's migration files live: `migrations/<dialect>/` (sqlite/, postgres/).
 * HEARTH_MIGRATIONS_DIR names the `migrations` folder itself; server.js points it at its own
 * folder so cwd does not matter.
 * @param {'sqlite' | 'postgres'} [dialect]
 */
export function migrationsDir(dialect = 'sqlite') {
	return path.join(process.env.HEARTH_MIGRATIONS_DIR || path.resolve('migrations'), dialect);
}
