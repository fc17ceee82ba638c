// @ts-check
// `npm run migrate`: applies pending migrations to the database the environment names:
// PostgreSQL when DATABASE_URL is set, otherwise the SQLite file DATABASE_PATH (default ./data/hearth.db).
import { databaseConfig } from '../src/lib/server/db/config.js';
import { migrate, openSqlite } from '../src/lib/server/db/sqlite/connection.js';
import { createPostgresPool, migrate as migratePostgres } from '../src/lib/server/db/postgres/connection.js';

const config = databaseConfig();
if (config.dialect === 'postgres') {
	const where = redacted(config.url);
	const pool = createPostgresPool(config.url, { max: 1 });
	try {
		const applied = await migratePostgres(pool);
		console.log(applied.length ? `Applied ${applied.length} migration(s) to ${where}: ${applied.join(', ')}` : `${where} is up to date.`);
	} finally {
		await pool.end();
	}
} else {
	const sqlite = openSqlite(config.file);
	try {
		const applied = migrate(sqlite);
		console.log(applied.length ? `Applied ${applied.length} migration(s) to ${config.file}: ${applied.join(', ')}` : `${config.file} is up to date.`);
	} finally {
		sqlite.close();
	}
}

/** The database's address without its password, for the log. */
/** @param {string} url */
function redacted(url) {
	const parsed = new URL(url);
	if (parsed.password) parsed.password = '***';
	return parsed.toString();
}
