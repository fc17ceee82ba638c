// @ts-check
// `npm run backup -- <file>`: a consistent copy of the live database, made with SQLite's online
// backup API, so it is safe while the app is running and writing.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { databasePath, markAsCopy, openSqlite } from '../src/lib/server/db/sqlite.js';

const target = process.argv[2];
if (!target) {
	console.error('Usage: npm run backup -- <file>   (for example: npm run backup -- backups/hearth.db)');
	process.exit(2);
}
if (existsSync(target)) {
	console.error(`${target} already exists; choose a new file name so no earlier backup is overwritten.`);
	process.exit(2);
}
const source = databasePath();
if (!existsSync(source)) {
	console.error(`There is no database at ${source} yet (set DATABASE_PATH if it lives elsewhere).`);
	process.exit(2);
}
mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
const sqlite = openSqlite(source);
try {
	const { totalPages } = await sqlite.backup(target);
	// A restored copy must not hand out again, as if nothing happened, event numbers that browsers
	// already hold: it starts a new generation of the event log when the app first opens it.
	const copy = openSqlite(target);
	try {
		markAsCopy(copy);
	} finally {
		copy.close();
	}
	console.log(`Backed up ${source} to ${target} (${totalPages} pages).`);
} finally {
	sqlite.close();
}
