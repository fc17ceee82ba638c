import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type OpenedDatabase } from '$lib/server/db';

export interface TestDatabase extends OpenedDatabase {
	file: string;
	/** Closes the database and removes its folder. */
	dispose(): Promise<void>;
}

/** A real SQLite file in a fresh temporary folder, migrated from migrations/. */
export function createTestDatabase(): TestDatabase {
	const dir = mkdtempSync(path.join(tmpdir(), 'hearth-test-'));
	const file = path.join(dir, 'hearth.db');
	const opened = openDatabase(file);
	return {
		...opened,
		file,
		async dispose() {
			await opened.close();
			rmSync(dir, { recursive: true, force: true });
		}
	};
}
