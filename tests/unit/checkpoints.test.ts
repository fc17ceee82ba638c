// WAL checkpoints on a worker thread (src/lib/server/db/sqlite/checkpoints.ts): the app's connection
// never copies the log itself, the worker does, and the log does not grow without end.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { checkpointInBackground, type Checkpointer } from '$lib/server/db/sqlite/checkpoints';
import { createSqliteTestDatabase as createTestDatabase, type SqliteTestDatabase as TestDatabase } from './support/database';

let testDb: TestDatabase;
let checkpointer: Checkpointer | undefined;

beforeEach(() => {
	testDb = createTestDatabase({ durable: true });
	testDb.sqlite.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
});

afterEach(async () => {
	await checkpointer?.stop();
	checkpointer = undefined;
	await testDb.dispose();
});

const size = (file: string) => {
	try {
		return statSync(file).size;
	} catch {
		return 0;
	}
};

/** About `megabytes` of rows, in one transaction on the app's connection. */
function write(megabytes: number) {
	const insert = testDb.sqlite.prepare('INSERT INTO blobs (body) VALUES (?)');
	const text = 'x'.repeat(4000);
	testDb.sqlite.transaction(() => {
		for (let i = 0; i < megabytes * 256; i++) insert.run(text);
	})();
}

/**
 * The log's two counters, read from its index (the -shm file; SQLite's file format, "WAL-index
 * format", in the machine's byte order): the frames the log holds (mxFrame), and how many of them
 * a checkpoint has copied into the database file and synced (nBackfill).
 */
function walIndex(file: string): { frames: number; copied: number } {
	const index = readFileSync(`${file}-shm`);
	const read = (offset: number) => (endianness() === 'LE' ? index.readUInt32LE(offset) : index.readUInt32BE(offset));
	return { frames: read(16), copied: read(96) };
}

/** The worker has copied the whole log: only now does the next write start the log over. */
function logCopied(): boolean {
	const { frames, copied } = walIndex(testDb.file);
	return frames > 0 && copied === frames;
}

async function until(condition: () => boolean, timeoutMs = 5000) {
	const end = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > end) return false;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	return true;
}

describe('checkpoints on a worker thread', () => {
	it('the app’s connection leaves checkpoints to the worker, which copies the log into the file', async () => {
		checkpointer = checkpointInBackground(testDb.sqlite, testDb.file);
		expect(testDb.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(4000);
		const before = size(testDb.file);
		write(6); // 1,536 pages, past SQLite's own 1,000-page line: the app's COMMIT copied nothing
		expect(size(testDb.file)).toBe(before);
		expect(await until(() => size(testDb.file) > before + 5_000_000)).toBe(true);
		expect(testDb.sqlite.prepare('SELECT count(*) FROM blobs').pluck().get()).toBe(6 * 256);
	});

	it('the log starts over once copied, instead of growing with every write', async () => {
		checkpointer = checkpointInBackground(testDb.sqlite, testDb.file);
		write(6);
		const wal = size(`${testDb.file}-wal`);
		for (let round = 0; round < 3; round++) {
			// Not "the file has grown to its full size": the last pages land there a sync before the
			// checkpoint counts the log as copied, and a write in between appends to the log.
			expect(await until(logCopied)).toBe(true);
			write(6);
		}
		expect(size(`${testDb.file}-wal`)).toBeLessThan(wal * 1.5);
	});

	it('is what the opened database starts, once, and stops when it closes', async () => {
		testDb.startMaintenance();
		testDb.startMaintenance();
		expect(testDb.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(4000);
		write(6);
		expect(await until(logCopied)).toBe(true);
		await testDb.close();
		expect(testDb.sqlite.open).toBe(false);
	});

	it('hands checkpoints back to the app’s connection when it stops', async () => {
		checkpointer = checkpointInBackground(testDb.sqlite, testDb.file);
		await checkpointer.stop();
		checkpointer = undefined;
		expect(testDb.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
	});
});
