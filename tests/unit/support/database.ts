import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type OpenedDatabase } from '$lib/server/db';

export interface TestDatabase extends OpenedDatabase {
	file: string;
	/** Closes the database and removes its folder. */
	dispose(): Promise<void>;
}

export interface TestDatabaseOptions {
	/**
	 * Commit as the app does (synchronous=FULL: an fsync per COMMIT), for tests about what is on
	 * disk when: group commit, checkpoints, the database itself. Every other test database runs
	 * with synchronous=OFF: it never has to outlive the test, and its COMMITs wait for no disk.
	 */
	durable?: boolean;
}

/** A real SQLite file in a fresh temporary folder, migrated from migrations/. */
export function createTestDatabase({ durable = false }: TestDatabaseOptions = {}): TestDatabase {
	const dir = mkdtempSync(path.join(tmpdir(), 'hearth-test-'));
	const file = path.join(dir, 'hearth.db');
	const opened = openDatabase(file);
	if (!durable) opened.sqlite.pragma('synchronous = OFF');
	return {
		...opened,
		file,
		async dispose() {
			await opened.close();
			rmSync(dir, { recursive: true, force: true });
		}
	};
}
