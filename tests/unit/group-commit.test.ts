// Group commit (src/lib/server/db/sqlite/group-commit.ts): writes that arrive together share one COMMIT,
// each transaction still commits fully or not at all, and nothing resolves before it is on disk.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import Database from 'better-sqlite3';
import type { Generated, Kysely } from 'kysely';
import { createSqliteTestDatabase as createTestDatabase, type SqliteTestDatabase as TestDatabase } from './support/database';

interface TestTables {
	notes: { id: Generated<number>; body: string };
	parents: { id: Generated<number> };
	children: { id: Generated<number>; parent_id: number };
}

let testDb: TestDatabase;
let db: Kysely<TestTables>;
let commits: number;

/** A second connection to the same file: it sees only what has been committed. */
function committedNotes(): string[] {
	const other = new Database(testDb.file, { readonly: true });
	try {
		return other.prepare('SELECT body FROM notes ORDER BY id').pluck().all() as string[];
	} finally {
		other.close();
	}
}

beforeEach(() => {
	testDb = createTestDatabase({ durable: true });
	testDb.sqlite.exec(`
		CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE);
		CREATE TABLE parents (id INTEGER PRIMARY KEY);
		CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);
	`);
	db = testDb.db as unknown as Kysely<TestTables>;
	commits = 0;
	const exec = testDb.sqlite.exec.bind(testDb.sqlite);
	vi.spyOn(testDb.sqlite, 'exec').mockImplementation((source: string) => {
		if (source === 'COMMIT') commits += 1;
		return exec(source);
	});
});

afterEach(async () => {
	vi.restoreAllMocks();
	await testDb.dispose();
});

function addNote(body: string) {
	return db.transaction().execute(async (trx) => {
		await trx.insertInto('notes').values({ body }).execute();
		return body;
	});
}

describe('group commit', () => {
	it('commits transactions that arrive together once, and each is on disk when it resolves', async () => {
		const bodies = Array.from({ length: 20 }, (_, i) => `note ${i}`);
		const seenWhenResolved: number[] = [];
		await Promise.all(bodies.map((body) => addNote(body).then(() => seenWhenResolved.push(committedNotes().length))));
		expect(commits).toBe(1);
		expect(committedNotes()).toEqual(bodies);
		expect(seenWhenResolved.every((count) => count === 20)).toBe(true);
	});

	it('a lone write is committed at once, not held back for company', async () => {
		await addNote('first');
		expect(committedNotes()).toEqual(['first']);
		await addNote('second');
		expect(commits).toBe(2);
	});

	it('a transaction that fails is rolled back alone; the others in its batch are kept', async () => {
		const results = await Promise.allSettled([
			addNote('kept 1'),
			db.transaction().execute(async (trx) => {
				await trx.insertInto('notes').values({ body: 'half of a failed one' }).execute();
				await trx.insertInto('notes').values({ body: 'kept 1' }).execute(); // UNIQUE fails
			}),
			addNote('kept 2')
		]);
		expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
		expect(committedNotes()).toEqual(['kept 1', 'kept 2']);
		expect(commits).toBe(1);
	});

	it('when the COMMIT itself fails, every write in the batch fails and none is stored', async () => {
		const results = await Promise.allSettled([
			addNote('would be lost 1'),
			// A deferred foreign key is checked only at COMMIT, so this makes the batch's COMMIT fail.
			db.transaction().execute(async (trx) => {
				await trx.insertInto('children').values({ parent_id: 404 }).execute();
			}),
			db.insertInto('notes').values({ body: 'would be lost 2' }).execute()
		]);
		expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
		expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
		expect(committedNotes()).toEqual([]);
		expect(testDb.sqlite.inTransaction).toBe(false);
		// The next writes start a fresh batch and work.
		await addNote('after');
		expect(committedNotes()).toEqual(['after']);
	});

	it('a write outside a transaction joins the batch and waits for its COMMIT too', async () => {
		const inserted = db
			.insertInto('notes')
			.values({ body: 'plain' })
			.execute()
			.then(() => committedNotes());
		const transaction = addNote('in a transaction');
		expect(await inserted).toEqual(['plain', 'in a transaction']);
		await transaction;
		expect(commits).toBe(1);
	});

	it('reads neither open a batch nor wait for one', async () => {
		await db.selectFrom('notes').selectAll().execute();
		expect(testDb.sqlite.inTransaction).toBe(false);
		expect(commits).toBe(0);
	});

	it('a transaction that awaits something else midway is never committed half done', async () => {
		let release!: () => void;
		const gate = new Promise<void>((resolve) => (release = resolve));
		const slow = db.transaction().execute(async (trx) => {
			await trx.insertInto('notes').values({ body: 'slow, part 1' }).execute();
			await gate;
			await trx.insertInto('notes').values({ body: 'slow, part 2' }).execute();
		});
		// Let several turns of the event loop pass while the transaction is open.
		for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
		expect(committedNotes()).toEqual([]);
		release();
		await slow;
		expect(committedNotes()).toEqual(['slow, part 1', 'slow, part 2']);
	});

	it('closing the database commits what is still open', async () => {
		const pending = addNote('at closing');
		while (!testDb.sqlite.inTransaction) await Promise.resolve(); // its batch is open
		await testDb.close();
		await pending;
		expect(committedNotes()).toEqual(['at closing']);
	});
});
