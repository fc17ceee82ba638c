// @ts-check
// `npm run migrate`: applies pending migrations to DATABASE_PATH (default ./data/hearth.db).
import { databasePath, migrate, openSqlite } from '../src/lib/server/db/sqlite.js';

const file = databasePath();
const sqlite = openSqlite(file);
try {
	const applied = migrate(sqlite);
	console.log(applied.length ? `Applied ${applied.length} migration(s) to ${file}: ${applied.join(', ')}` : `${file} is up to date.`);
} finally {
	sqlite.close();
}
