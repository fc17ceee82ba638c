// @ts-check
// `npm run backup -- <file>`: a consistent copy of the live database, made with SQLite's online
// backup API, so it is safe while the app is running and writing.
import { existsSync } from 'node:fs';
import { databaseConfig } from '../src/lib/server/db/config.js';
import { backupSqlite } from '../src/lib/server/db/sqlite/backup.js';

const target = process.argv[2];
if (!target) {
	console.error('Usage: npm run backup -- <file>   (for example: npm run backup -- backups/hearth.db)');
	process.exit(2);
}
if (existsSync(target)) {
	console.error(`${target} already exists; choose a new file name so no earlier backup is overwritten.`);
	process.exit(2);
}
const config = databaseConfig();
if (config.dialect === 'postgres') {
	console.error('DATABASE_URL names PostgreSQL: back it up with its own tools (pg_dump -Fc), as README "Running on several servers" shows.');
	process.exit(2);
}
const source = config.file;
if (!existsSync(source)) {
	console.error(`There is no database at ${source} yet (set DATABASE_PATH if it lives elsewhere).`);
	process.exit(2);
}
const { totalPages } = await backupSqlite(source, target);
console.log(`Backed up ${source} to ${target} (${totalPages} pages).`);
