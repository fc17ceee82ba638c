// PostgreSQL (issue 17, first step): the schema in migrations/postgres/ is SQLite's after 0013,
// the migrator applies each file once even with two servers starting together, the agreement
// history stays append-only, and rows read back as they do on SQLite. One throwaway cluster for
// this file (support/postgres.ts), a fresh database per test that needs one.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { migrate as migrateSqlite, openSqlite } from '$lib/server/db/sqlite/connection.js';
import { createPostgresKysely, createPostgresPool, migrate, onLostConnection, openPostgresDatabase, parseInt8 } from '$lib/server/db/postgres';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { findPostgresBin, LEFT_OUT, postgresAvailable, startTestPostgres, type TestPostgres } from './support/postgres';
import { quietAboutDroppedDatabases } from './support/database';

const POSTGRES_MIGRATIONS = path.join('migrations', 'postgres');
const SQLITE_MIGRATIONS = path.join('migrations', 'sqlite');
const FILES = readdirSync(POSTGRES_MIGRATIONS).filter((name) => name.endsWith('.sql'));

const bin = postgresAvailable();
let cluster: TestPostgres | undefined;
const pools: Pool[] = [];

/** A pool on a fresh database, closed after the file. */
async function freshPool(): Promise<Pool> {
	const pool = createPostgresPool(await cluster!.createDatabase(), { max: 1 });
	pools.push(pool);
	return pool;
}

/** A fresh database with the whole schema. */
async function migratedPool(): Promise<Pool> {
	const pool = await freshPool();
	await migrate(pool, POSTGRES_MIGRATIONS);
	return pool;
}

beforeAll(async () => {
	if (bin) cluster = await startTestPostgres(bin);
}, 60_000);

afterAll(async () => {
	await Promise.all(pools.map((pool) => pool.end()));
	cluster?.stop();
});

interface Column {
	table: string;
	column: string;
	nullable: boolean;
}
interface Index {
	table: string;
	name: string;
	unique: boolean;
	partial: boolean;
}
interface ForeignKey {
	table: string;
	from: string;
	to: string;
	onDelete: string;
}

function sqliteSchema() {
	const sqlite = openSqlite(':memory:');
	try {
		migrateSqlite(sqlite, SQLITE_MIGRATIONS);
		const tables = (
			sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]
		).map((row) => row.name);
		const columns: Column[] = [];
		const indexes: Index[] = [];
		const foreignKeys: ForeignKey[] = [];
		for (const table of tables) {
			for (const column of sqlite.pragma(`table_info(${table})`) as { name: string; notnull: number; pk: number }[]) {
				columns.push({ table, column: column.name, nullable: !column.notnull && !column.pk });
			}
			for (const index of sqlite.pragma(`index_list(${table})`) as { name: string; unique: number; origin: string; partial: number }[]) {
				// 'pk' and 'u' indexes come with PRIMARY KEY and UNIQUE constraints: compared as constraints, not here.
				if (index.origin === 'c') indexes.push({ table, name: index.name, unique: !!index.unique, partial: !!index.partial });
			}
			for (const key of sqlite.pragma(`foreign_key_list(${table})`) as { id: number; table: string; from: string; on_delete: string }[]) {
				foreignKeys.push({ table, from: key.from, to: key.table, onDelete: key.on_delete });
			}
		}
		return { tables, columns: sortBy(columns), indexes: sortBy(indexes), foreignKeys: sortBy(foreignKeys) };
	} finally {
		sqlite.close();
	}
}

async function postgresSchema(pool: Pool) {
	const tables = (await pool.query("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")).rows.map(
		(row: { name: string }) => row.name
	);
	const columns: Column[] = (
		await pool.query(
			"SELECT table_name AS table, column_name AS column, is_nullable = 'YES' AS nullable FROM information_schema.columns WHERE table_schema = 'public'"
		)
	).rows;
	// Indexes made by CREATE INDEX, not those behind a PRIMARY KEY or UNIQUE constraint.
	const indexes: Index[] = (
		await pool.query(`
			SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique, x.indpred IS NOT NULL AS partial
			FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
			JOIN pg_namespace n ON n.oid = t.relnamespace
			WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`)
	).rows;
	// One row per column of each foreign key, as SQLite's foreign_key_list gives them.
	const foreignKeys: ForeignKey[] = (
		await pool.query(`
			SELECT t.relname AS table, a.attname AS from, r.relname AS to,
				CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' ELSE 'SET DEFAULT' END AS "onDelete"
			FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
			JOIN pg_namespace n ON n.oid = t.relnamespace
			CROSS JOIN LATERAL unnest(c.conkey) AS k(attnum) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
			WHERE c.contype = 'f' AND n.nspname = 'public'`)
	).rows;
	return { tables, columns: sortBy(columns), indexes: sortBy(indexes), foreignKeys: sortBy(foreignKeys) };
}

function sortBy<T extends object>(rows: T[]): T[] {
	return rows.map((row) => ({ ...row })).sort((a, b) => JSON.stringify(Object.values(a)).localeCompare(JSON.stringify(Object.values(b))));
}

/** The few rows an agreement history needs: two people, a circle, an agreement with one of everything. */
async function seedAgreement(pool: Pool) {
	await pool.query(`
		INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at) VALUES ('u1', 'a@example.org', 'Ana', 'x', 1, 1), ('u2', 'b@example.org', 'Bo', 'x', 1, 1);
		INSERT INTO circles (id, name, created_by, created_at, last_activity_at) VALUES ('c1', 'The Lees', 'u1', 1, 1);
		INSERT INTO memberships (circle_id, user_id, role, joined_at) VALUES ('c1', 'u1', 'owner', 1), ('c1', 'u2', 'member', 1);
		INSERT INTO agreements (id, circle_id, created_by, created_at, status, in_force_version, open_proposal_id, updated_at) VALUES ('a1', 'c1', 'u1', 2, 'agreed', 1, 'p2', 3);
		INSERT INTO agreement_versions (agreement_id, number, title, category, body, created_by, created_at) VALUES ('a1', 1, 'Rent', 'money', 'Rent first.', 'u1', 2);
		INSERT INTO agreement_proposals (id, agreement_id, kind, version, created_by, created_at, outcome, decided_at) VALUES ('p1', 'a1', 'version', 1, 'u1', 2, 'agreed', 3);
		INSERT INTO agreement_proposals (id, agreement_id, kind, withdraws_proposal_id, reason, created_by, created_at) VALUES ('p2', 'a1', 'withdraw', 'p1', 'Not now', 'u2', 4);
		INSERT INTO agreement_answers (id, proposal_id, user_id, answer, created_at) VALUES ('an1', 'p1', 'u2', 'agree', 3);
		INSERT INTO agreement_comments (id, agreement_id, author_id, body, created_at) VALUES ('co1', 'a1', 'u2', 'Fair.', 3);
	`);
}

const APPEND_ONLY = /agreement history is append-only/;

describe('the PostgreSQL test harness', () => {
	it('finds no PostgreSQL where there is none: under CI that fails the run, elsewhere it says the half was left out', () => {
		expect(findPostgresBin('/nonexistent', '/nonexistent')).toBeNull();
		expect(() => postgresAvailable(null, { CI: '1' })).toThrow(/CI is set but PostgreSQL is not installed/);
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		try {
			expect(postgresAvailable(null, {})).toBeNull();
			expect(warn).toHaveBeenCalledWith(LEFT_OUT);
		} finally {
			warn.mockRestore();
		}
	});
});

describe.skipIf(!bin)('PostgreSQL', () => {
	describe('migrations', () => {
		it('give a fresh database the tables, columns, nullability, indexes and foreign keys SQLite has after 0013', async () => {
			const pool = await freshPool();
			expect(await migrate(pool, POSTGRES_MIGRATIONS)).toEqual(FILES);
			const postgres = await postgresSchema(pool);
			const sqlite = sqliteSchema();
			expect(sqlite.tables.length).toBeGreaterThan(20);
			expect(sqlite.indexes.filter((index) => index.partial).length).toBeGreaterThan(5);
			expect(postgres.tables).toEqual(sqlite.tables);
			expect(postgres.columns).toEqual(sqlite.columns);
			expect(postgres.indexes).toEqual(sqlite.indexes);
			expect(postgres.foreignKeys).toEqual(sqlite.foreignKeys);
			// and the event log's identity row, as migration 0008 makes it
			const identity = (await pool.query('SELECT only_row, generation, is_copy FROM event_log_identity')).rows;
			expect(identity).toEqual([{ only_row: 1, generation: expect.stringMatching(/^[0-9a-f]{20}$/), is_copy: 0 }]);
		});

		it('apply nothing the second time', async () => {
			const pool = await migratedPool();
			expect(await migrate(pool, POSTGRES_MIGRATIONS)).toEqual([]);
			const rows = (await pool.query('SELECT name FROM schema_migrations ORDER BY name')).rows;
			expect(rows.map((row: { name: string }) => row.name)).toEqual(FILES);
		});

		it('apply each file once when two servers start together on one database', async () => {
			const url = await cluster!.createDatabase();
			const a = createPostgresPool(url, { max: 2 });
			const b = createPostgresPool(url, { max: 2 });
			pools.push(a, b);
			const [fromA, fromB] = await Promise.all([migrate(a, POSTGRES_MIGRATIONS), migrate(b, POSTGRES_MIGRATIONS)]);
			expect([...fromA, ...fromB].sort()).toEqual(FILES);
			expect((await a.query('SELECT count(*) AS n FROM schema_migrations')).rows).toEqual([{ n: FILES.length }]);
		});

		it('roll back a migration that fails, with the name of the file', async () => {
			const pool = await migratedPool();
			const { mkdtempSync, writeFileSync, copyFileSync, rmSync } = await import('node:fs');
			const { tmpdir } = await import('node:os');
			const dir = mkdtempSync(path.join(tmpdir(), 'hearth-pg-migrations-'));
			try {
				for (const name of FILES) copyFileSync(path.join(POSTGRES_MIGRATIONS, name), path.join(dir, name));
				writeFileSync(path.join(dir, '9999_broken.sql'), 'CREATE TABLE half_done (id TEXT);\nSELECT no_such_function();');
				await expect(migrate(pool, dir)).rejects.toThrow(/9999_broken\.sql/);
				expect((await pool.query("SELECT to_regclass('half_done') AS t")).rows).toEqual([{ t: null }]);
				expect((await pool.query("SELECT count(*) AS n FROM schema_migrations WHERE name = '9999_broken.sql'")).rows).toEqual([{ n: 0 }]);
			} finally {
				rmSync(dir, { recursive: true, force: true });
			}
		});
	});

	describe('as the app opens it', () => {
		it('migrates, and keeps one event-log generation until the database is a copy (a restore makes a new database)', async () => {
			const url = await cluster!.createDatabase();
			const first = await openPostgresDatabase(url, { poolSize: 2 });
			const generation = first.generation;
			await first.close();
			await first.close(); // a second close is harmless (a shutdown and a test's cleanup may both close)
			const again = await openPostgresDatabase(url, { poolSize: 2 });
			expect(again.generation).toBe(generation);
			await again.close();
			// pg_restore goes into a new database: as here, a copy made from this one.
			const name = new URL(url).pathname.slice(1);
			const admin = new pg.Client({ connectionString: cluster!.adminUrl });
			await admin.connect();
			try {
				await admin.query(`CREATE DATABASE ${name}_restored TEMPLATE ${name}`);
			} finally {
				await admin.end();
			}
			const restored = await openPostgresDatabase(url.replace(/\/[^/]*$/, `/${name}_restored`), { poolSize: 2 });
			expect(restored.generation).not.toBe(generation);
			await restored.close();
		});

		it('is what `npm run migrate` brings up to date when DATABASE_URL names it', async () => {
			const url = await cluster!.createDatabase();
			const env = { ...process.env, DATABASE_URL: url, DATABASE_PATH: '' };
			const first = await promisify(execFile)('node', ['scripts/migrate.js'], { env });
			expect(first.stdout).toMatch(new RegExp(`Applied ${FILES.length} migration\\(s\\)`));
			const second = await promisify(execFile)('node', ['scripts/migrate.js'], { env });
			expect(second.stdout).toMatch(/is up to date/);
		});
		it('logs a lost idle connection (production), which the tests keep quiet about when they drop a database', async () => {
			const error = vi.spyOn(console, 'error').mockImplementation(() => {});
			const dropWithOpenPool = async () => {
				const url = await cluster!.createDatabase();
				const opened = await openPostgresDatabase(url, { poolSize: 1 });
				await opened.pool.query('SELECT 1'); // an idle connection, kept by the pool
				const admin = new pg.Client({ connectionString: cluster!.adminUrl });
				await admin.connect();
				try {
					await admin.query(`DROP DATABASE ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
				} finally {
					await admin.end();
				}
				await expect.poll(() => opened.pool.totalCount, { message: 'the pool let the lost connection go' }).toBe(0);
				await opened.close();
			};
			try {
				onLostConnection(null);
				await dropWithOpenPool();
				expect(error).toHaveBeenCalledWith('A PostgreSQL connection was lost:', 'terminating connection due to administrator command');
				error.mockClear();
				onLostConnection(quietAboutDroppedDatabases);
				await dropWithOpenPool();
				expect(error).not.toHaveBeenCalled();
			} finally {
				onLostConnection(null);
				error.mockRestore();
			}
		});

		it('warns once at start, and still starts, when the database does not sort text byte by byte (not the C collation)', async () => {
			const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
			try {
				// The test cluster's databases are C (initdb --no-locale): no warning.
				const inC = await openPostgresDatabase(await cluster!.createDatabase(), { poolSize: 1 });
				await inC.close();
				expect(warn).not.toHaveBeenCalled();

				const name = `hearth_${process.pid}_not_c`;
				const admin = new pg.Client({ connectionString: cluster!.adminUrl });
				await admin.connect();
				try {
					// C.utf8 is the one other locale every glibc has; any locale but C or POSIX is warned of.
					await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.utf8' LC_CTYPE 'C.utf8'`);
				} finally {
					await admin.end();
				}
				const notC = await openPostgresDatabase(cluster!.adminUrl.replace(/\/[^/]*$/, `/${name}`), { poolSize: 1 });
				expect((await notC.db.selectFrom('schema_migrations').select('name').execute()).length, 'it started and migrated').toBe(FILES.length);
				await notC.close();
				expect(warn).toHaveBeenCalledTimes(1);
				const [line] = warn.mock.calls[0]!;
				expect(line).toContain(`The PostgreSQL database ${name} was created with LC_COLLATE C.utf8, LC_CTYPE C.utf8, not the C collation`);
				expect(line).toContain('createdb --locale=C --encoding=UTF8 --template=template0');
			} finally {
				warn.mockRestore();
			}
		});
	});

	describe('the agreement history', () => {
		it('refuses an edit or a deletion of any of its rows', async () => {
			const pool = await migratedPool();
			await seedAgreement(pool);
			for (const statement of [
				"UPDATE agreement_versions SET body = 'Rent whenever.'",
				"UPDATE agreement_versions SET created_by = 'u2'",
				"UPDATE agreement_proposals SET reason = 'Because' WHERE id = 'p2'",
				"UPDATE agreement_proposals SET outcome = 'replaced' WHERE id = 'p1'",
				"UPDATE agreement_proposals SET created_by = 'u2' WHERE id = 'p1'",
				"UPDATE agreement_answers SET answer = 'changes', comment = 'No'",
				"UPDATE agreement_comments SET body = 'Unfair.'",
				'DELETE FROM agreement_versions',
				'DELETE FROM agreement_proposals',
				'DELETE FROM agreement_answers',
				'DELETE FROM agreement_comments',
				'DELETE FROM agreements',
				'TRUNCATE agreement_comments'
			]) {
				await expect(pool.query(statement), statement).rejects.toThrow(APPEND_ONLY);
			}
			expect((await pool.query("SELECT body FROM agreement_versions WHERE agreement_id = 'a1'")).rows).toEqual([{ body: 'Rent first.' }]);
		});

		it('lets an open proposal be decided once, and lets an author become a former member', async () => {
			const pool = await migratedPool();
			await seedAgreement(pool);
			await pool.query("UPDATE agreement_proposals SET outcome = 'agreed', decided_at = 5 WHERE id = 'p2'");
			await expect(pool.query("UPDATE agreement_proposals SET decided_at = 6 WHERE id = 'p2'")).rejects.toThrow(APPEND_ONLY);
			// Deleting an account sets their authorship to NULL (ON DELETE SET NULL) everywhere.
			await pool.query("DELETE FROM users WHERE id = 'u2'");
			const authors = (
				await pool.query(`
					SELECT (SELECT user_id FROM agreement_answers WHERE id = 'an1') AS answer,
						(SELECT author_id FROM agreement_comments WHERE id = 'co1') AS comment,
						(SELECT created_by FROM agreement_proposals WHERE id = 'p2') AS proposal`)
			).rows;
			expect(authors).toEqual([{ answer: null, comment: null, proposal: null }]);
			await pool.query("UPDATE agreement_versions SET created_by = NULL WHERE agreement_id = 'a1'");
			expect((await pool.query('SELECT count(*) AS n FROM agreement_versions WHERE created_by IS NULL')).rows).toEqual([{ n: 1 }]);
		});

		it('goes with the whole circle', async () => {
			const pool = await migratedPool();
			await seedAgreement(pool);
			await pool.query("DELETE FROM circles WHERE id = 'c1'");
			const left = (
				await pool.query(`
					SELECT (SELECT count(*) FROM agreements) + (SELECT count(*) FROM agreement_versions) + (SELECT count(*) FROM agreement_proposals)
						+ (SELECT count(*) FROM agreement_answers) + (SELECT count(*) FROM agreement_comments) AS n`)
			).rows;
			expect(left).toEqual([{ n: 0 }]);
		});
	});

	describe('rows read back as on SQLite', () => {
		it('reads a BIGINT time and a COUNT as numbers, through pg and through Kysely', async () => {
			const pool = await migratedPool();
			const now = Date.UTC(2026, 11, 1, 15, 30);
			await pool.query(
				"INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at) VALUES ('u1', 'a@example.org', 'Ana', 'x', $1, $1)",
				[now]
			);
			expect((await pool.query('SELECT created_at, count(*) OVER () AS n FROM users')).rows).toEqual([{ created_at: now, n: 1 }]);
			const db = createPostgresKysely(pool);
			const row = await db
				.selectFrom('users')
				.select((eb) => ['created_at', 'email_confirmed_at', eb.fn.countAll<number>().as('n')])
				.groupBy(['created_at', 'email_confirmed_at'])
				.executeTakeFirstOrThrow();
			expect(row).toEqual({ created_at: now, email_confirmed_at: null, n: 1 });
			expect(typeof row.created_at).toBe('number');
		});

		it('refuses, loudly, a BIGINT beyond what a JS number holds exactly', async () => {
			const pool = await migratedPool();
			expect((await pool.query('SELECT 9007199254740991::bigint AS n')).rows).toEqual([{ n: Number.MAX_SAFE_INTEGER }]);
			await expect(pool.query('SELECT 9007199254740992::bigint AS n')).rejects.toThrow(/MAX_SAFE_INTEGER/);
			// the refusal fails that query only: the connection goes on answering
			expect((await pool.query('SELECT 1::bigint AS n')).rows).toEqual([{ n: 1 }]);
			expect(() => parseInt8('-9007199254740993')).toThrow(RangeError);
		});
	});

	describe('CHECKs', () => {
		it('refuse what SQLite refuses', async () => {
			const pool = await migratedPool();
			await pool.query(`
				INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at) VALUES ('u1', 'a@example.org', 'Ana', 'x', 1, 1);
				INSERT INTO circles (id, name, created_by, created_at, last_activity_at) VALUES ('c1', 'The Lees', 'u1', 1, 1);
				INSERT INTO memberships (circle_id, user_id, role, joined_at) VALUES ('c1', 'u1', 'owner', 1);
			`);
			const sqlite = openSqlite(':memory:');
			try {
				migrateSqlite(sqlite, SQLITE_MIGRATIONS);
				sqlite.exec(`
					INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at) VALUES ('u1', 'a@example.org', 'Ana', 'x', 1, 1);
					INSERT INTO circles (id, name, created_by, created_at, last_activity_at) VALUES ('c1', 'The Lees', 'u1', 1, 1);
					INSERT INTO memberships (circle_id, user_id, role, joined_at) VALUES ('c1', 'u1', 'owner', 1);
				`);
				for (const statement of [
					"INSERT INTO checkins (id, circle_id, author_id, mood, created_at) VALUES ('k1', 'c1', 'u1', 9, 1)",
					"INSERT INTO checkins (id, circle_id, author_id, mood, craving, created_at) VALUES ('k1', 'c1', 'u1', 3, 11, 1)",
					"INSERT INTO checkins (id, circle_id, author_id, created_at) VALUES ('k1', 'c1', 'u1', 1)",
					'UPDATE memberships SET in_recovery = 2',
					"UPDATE memberships SET role = 'king'",
					"INSERT INTO invites (id, circle_id, token_hash, role, max_uses, uses, expires_at, created_at) VALUES ('i1', 'c1', 'h', 'member', 2, 3, 1, 1)",
					"INSERT INTO recovery_stretches (id, circle_id, user_id, started_on, ended_on, created_at) VALUES ('s1', 'c1', 'u1', '2026-02-01', '2026-01-31', 1)",
					"INSERT INTO milestones (id, circle_id, kind, title, reached_on, created_at) VALUES ('m1', 'c1', 'automatic', 'Day 1', '2026-01-01', 1)",
					'UPDATE event_log_identity SET only_row = 2'
				]) {
					expect(() => sqlite.exec(statement), `SQLite: ${statement}`).toThrow(/CHECK constraint failed/);
					await expect(pool.query(statement), `PostgreSQL: ${statement}`).rejects.toMatchObject({ code: '23514' });
				}
				// and what SQLite takes, PostgreSQL takes
				const fine = "INSERT INTO checkins (id, circle_id, author_id, mood, craving, created_at) VALUES ('k1', 'c1', 'u1', 5, 0, 1)";
				sqlite.exec(fine);
				await pool.query(fine);
				expect((await pool.query('SELECT mood, craving, created_at FROM checkins')).rows).toEqual([{ mood: 5, craving: 0, created_at: 1 }]);
			} finally {
				sqlite.close();
			}
		});
	});
});
