// @ts-check
// A consistent copy of a live SQLite file, made with SQLite's online backup API, so it is safe
// while the app is running and writing (`npm run backup`).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { markAsCopy, openSqlite } from './connection.js';

/**
 * Copies the database file `source` to `target` (a new file; its folder is made if needed).
 * @param {string} source
 * @param {string} target
 * @returns {Promise<{ totalPages: number }>}
 */
export async function backupSqlite(source, target) {
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
		return { totalPages };
	} finally {
		sqlite.close();
	}
}
