// prepared() (src/lib/server/db/sqlite/prepared.ts): built once, then every run gets its own values,
// in the right places, on a database or inside a transaction.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { idList, inIds, prepared, type IdList } from '$lib/server/db/prepared';
import { createSqliteTestDatabase, createTestDatabase, TEST_DIALECT, type TestDatabase } from './support/database';
import { addUser } from './support/people';

let testDb: TestDatabase;
beforeEach(async () => {
	testDb = await createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

describe('prepared queries', () => {
	it('builds once and puts each run’s values where they belong, constants included', async () => {
		const build = vi.fn((db: TestDatabase['db'], name: string, since: number) =>
			db
				.selectFrom('users')
				.select(['id', 'display_name'])
				.where('display_name', '=', name)
				.where('created_at', '>=', since)
				.where('email', 'like', '%@example.org')
		);
		const findUsers = prepared(build);
		const ana = await addUser(testDb.db, 'Ana');
		const sam = await addUser(testDb.db, 'Sam');
		expect(await findUsers(testDb.db, 'Ana', 0)).toEqual([{ id: ana.id, display_name: 'Ana' }]);
		expect(await findUsers(testDb.db, 'Sam', 0)).toEqual([{ id: sam.id, display_name: 'Sam' }]);
		expect(await findUsers(testDb.db, 'Sam', 1)).toEqual([]);
		// Values that look like SQL are only values.
		expect(await findUsers(testDb.db, "Sam' OR '1'='1", 0)).toEqual([]);
		expect(build).toHaveBeenCalledTimes(1);
	});

	it('writes inside a transaction, and is undone with it', async () => {
		const rename = prepared((db, id: string, name: string) => db.updateTable('users').set({ display_name: name }).where('id', '=', id));
		const ana = await addUser(testDb.db, 'Ana');
		await testDb.db.transaction().execute((trx) => rename(trx, ana.id, 'Ana María'));
		await expect(
			testDb.db.transaction().execute(async (trx) => {
				await rename(trx, ana.id, 'Nobody');
				throw new Error('changed my mind');
			})
		).rejects.toThrow('changed my mind');
		expect(await testDb.value('SELECT display_name FROM users WHERE id = ?', ana.id)).toBe('Ana María');
	});

	it('works the same on another database file', async () => {
		const countByName = prepared((db, name: string) =>
			db
				.selectFrom('users')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.where('display_name', '=', name)
		);
		await addUser(testDb.db, 'Lee');
		const other = await createTestDatabase();
		try {
			expect(await countByName(testDb.db, 'Lee')).toEqual([{ n: 1 }]);
			expect(await countByName(other.db, 'Lee')).toEqual([{ n: 0 }]);
		} finally {
			await other.dispose();
		}
	});

	it('takes a list of ids of any length as one parameter, and only as values', async () => {
		const build = vi.fn((db: TestDatabase['db'], ids: IdList) =>
			db
				.selectFrom('users')
				.select('display_name')
				.where(inIds(db, 'users.id', ids))
				.orderBy('display_name')
		);
		const namesOf = prepared(build);
		const [ana, sam, lee] = [await addUser(testDb.db, 'Ana'), await addUser(testDb.db, 'Sam'), await addUser(testDb.db, 'Lee')];
		const names = async (ids: string[]) => (await namesOf(testDb.db, idList(testDb.db, ids))).map((row) => row.display_name);
		expect(await names([ana.id])).toEqual(['Ana']);
		expect(await names([sam.id, lee.id, ana.id])).toEqual(['Ana', 'Lee', 'Sam']);
		expect(await names([])).toEqual([]);
		expect(await names(["x') OR 1=1 --", `${ana.id}"]`, '[]', 'null'])).toEqual([]);
		await testDb.db.transaction().execute(async (trx) => expect(await namesOf(trx, idList(trx, [lee.id]))).toEqual([{ display_name: 'Lee' }]));
		expect(build).toHaveBeenCalledTimes(1);
	});

	// One process holding both dialects (this suite's "postgres" project does): each gets its own SQL.
	it.skipIf(TEST_DIALECT !== 'postgres')('serves SQLite and PostgreSQL each their own SQL, whichever ran first', async () => {
		const countByName = prepared((db, name: string) =>
			db
				.selectFrom('users')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.where('display_name', '=', name)
		);
		const sqliteDb = createSqliteTestDatabase();
		try {
			await addUser(sqliteDb.db, 'Lee');
			expect(await countByName(sqliteDb.db, 'Lee')).toEqual([{ n: 1 }]);
			expect(await countByName(testDb.db, 'Lee')).toEqual([{ n: 0 }]);
			await addUser(testDb.db, 'Lee');
			await testDb.db.transaction().execute(async (trx) => expect(await countByName(trx, 'Lee')).toEqual([{ n: 1 }]));
		} finally {
			await sqliteDb.dispose();
		}
	});

	// A named statement is parsed and planned once per connection; unnamed, PostgreSQL does it on every run.
	it.skipIf(TEST_DIALECT !== 'postgres')('runs on PostgreSQL as one named prepared statement per connection', async () => {
		if (testDb.dialect !== 'postgres') return;
		const findByName = prepared((db, name: string) => db.selectFrom('users').select('id').where('display_name', '=', name));
		const ana = await addUser(testDb.db, 'Ana');
		// In one transaction: one connection, whose own prepared statements pg_prepared_statements lists.
		const statements = await testDb.db.transaction().execute(async (trx) => {
			for (const name of ['Ana', 'Sam', 'Ana']) await findByName(trx, name);
			expect(await findByName(trx, 'Ana')).toEqual([{ id: ana.id }]);
			const { rows } = await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements WHERE name LIKE 'hearth_%'`.execute(trx);
			return rows.map((row) => row.statement);
		});
		expect(statements.filter((statement) => statement.includes('"display_name" = $1'))).toHaveLength(1);
	});
});
