// @ts-check
// Which database Hearth uses, read from its environment. Plain JavaScript so that the CLI scripts
// (`npm run migrate`, `npm run backup`) and the server read the same configuration.
//
// Two dialects: an SQLite file (DATABASE_PATH, or the embedded default), or PostgreSQL when
// DATABASE_URL names one (postgres://…), for running several Hearth servers on one database.
import path from 'node:path';

export const DEFAULT_DATABASE_PATH = './data/hearth.db';

/**
 * @typedef {{ dialect: 'sqlite', file: string }} SqliteConfig an SQLite file (or `:memory:`)
 * @typedef {{ dialect: 'postgres', url: string, poolSize: number }} PostgresConfig a PostgreSQL database and how many connections to it one server keeps
 * @typedef {SqliteConfig | PostgresConfig} DatabaseConfig every dialect Hearth can open
 */

/** Connections one server keeps open to PostgreSQL unless DATABASE_POOL_SIZE says otherwise. */
export const DEFAULT_POOL_SIZE = 10;

/**
 * The database the environment names: PostgreSQL when DATABASE_URL is set, otherwise the SQLite
 * file `DATABASE_PATH` (or the embedded default).
 * @param {Record<string, string | undefined>} [env]
 * @returns {DatabaseConfig}
 */
export function databaseConfig(env = process.env) {
	if (env.DATABASE_URL) {
		// Refused rather than guessed: an operator who set both expects the data in one place.
		if (env.DATABASE_PATH)
			throw new Error('Both DATABASE_URL (PostgreSQL) and DATABASE_PATH (an SQLite file) are set: Hearth stores its data in one database. Unset one of them.');
		if (!/^postgres(ql)?:\/\//.test(env.DATABASE_URL)) {
			throw new Error(
				'DATABASE_URL must name a PostgreSQL database (postgres://user:password@host:5432/hearth). For an SQLite file, set DATABASE_PATH instead.'
			);
		}
		const poolSize = env.DATABASE_POOL_SIZE ? Number(env.DATABASE_POOL_SIZE) : DEFAULT_POOL_SIZE;
		if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000)
			throw new Error(`DATABASE_POOL_SIZE must be a whole number from 1 to 1000, not "${env.DATABASE_POOL_SIZE}".`);
		return { dialect: 'postgres', url: env.DATABASE_URL, poolSize };
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
