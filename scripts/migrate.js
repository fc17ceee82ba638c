// @ts-check
// `npm run migrate`: applies pending migrations to DATABASE_PATH (default ./data/hearth.db).
import { databaseConfig } from '../src/lib/server/db/config.js';
import { migrate, openSqlite } from '../src/lib/server/db/sqlite/connection.js';

const { file } = databaseConfig();
const sqlite = openSqlite(file);
try {
	const applied = migrate(sqlite);
	console.log(applied.length ? `Applied ${applied.length} migration(s) to ${file}: ${applied.join(', ')}` : `${file} is up to date.`);
} finally {
	sqlite.close();
}
