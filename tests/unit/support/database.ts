// The tests' databases: a real SQLite file in a fresh folder, or, in the vitest project
// "postgres" (HEARTH_TEST_DIALECT=postgres), a fresh database on the cluster its global setup
// started (support/postgres-global-setup.ts), copied from a template migrated once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import pg from 'pg';
import { openPostgresDatabase, openSqliteDatabase, type OpenedPostgresDatabase, type OpenedSqliteDatabase } from '$lib/server/db';
import { logLostConnection, onLostConnection } from '$lib/server/db/postgres';

/**
 * A test's database is dropped WITH (FORCE) at its end, which ends whatever pool connection is
 * still open to it (57P01, "terminating connection due to administrator command"); the pool's
 * listener would log each one in every PostgreSQL test file. Those are silent here; any other lost
 * connection is logged as in production (whose listener nothing changes).
 */
export function quietAboutDroppedDatabases(error: Error): void {
	if ((error as { code?: unknown }).code === '57P01') return;
	logLostConnection(error);
}
onLostConnection(quietAboutDroppedDatabases);

/** The dialect this vitest project runs the suite against. */
export const TEST_DIALECT: 'sqlite' | 'postgres' = process.env.HEARTH_TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite';

interface TestHelpers {
	/** The SQLite file, or the PostgreSQL database's URL. */
	file: string;
	/** Rows of plain SQL with `?` placeholders (turned into $1… on PostgreSQL). */
	all<Row = Record<string, unknown>>(query: string, ...parameters: unknown[]): Promise<Row[]>;
	/** The first row, or undefined. */
	row<Row = Record<string, unknown>>(query: string, ...parameters: unknown[]): Promise<Row | undefined>;
	/** The first column of the first row (e.g. `SELECT COUNT(*) FROM users`). */
	value<T = unknown>(query: string, ...parameters: unknown[]): Promise<T>;
	/** The first column of every row. */
	column<T = unknown>(query: string, ...parameters: unknown[]): Promise<T[]>;
	/** Runs statements (DDL, triggers) with no parameters. */
	exec(statements: string): Promise<void>;
	/** Closes the database and removes it. */
	dispose(): Promise<void>;
}

/** A test database of either dialect (tell them apart by `dialect`). */
export type TestDatabase = SqliteTestDatabase | (OpenedPostgresDatabase & TestHelpers);
/** A test SQLite file, with the connection itself (`sqlite`) for SQLite-only tests. */
export type SqliteTestDatabase = OpenedSqliteDatabase & TestHelpers;

export interface TestDatabaseOptions {
	/**
	 * Commit as the app does (synchronous=FULL: an fsync per COMMIT), for tests about what is on
	 * disk when: group commit, checkpoints, the database itself. Every other test database runs
	 * with synchronous=OFF: it never has to outlive the test, and its COMMITs wait for no disk.
	 */
	durable?: boolean;
	/** Connections in the PostgreSQL pool (concurrency tests need as many as they run at once). */
	poolSize?: number;
}

/** A fresh, migrated database of this project's dialect. */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
	return TEST_DIALECT === 'postgres' ? createPostgresTestDatabase(options) : createSqliteTestDatabase(options);
}

/** A real SQLite file in a fresh temporary folder, whatever the project (for SQLite-only tests). */
export function createSqliteTestDatabase({ durable = false }: TestDatabaseOptions = {}): SqliteTestDatabase {
	const dir = mkdtempSync(path.join(tmpdir(), 'hearth-test-'));
	const file = path.join(dir, 'hearth.db');
	const opened = openSqliteDatabase(file);
	if (!durable) opened.sqlite.pragma('synchronous = OFF');
	const statement = (query: string) => opened.sqlite.prepare(query);
	return {
		...opened,
		file,
		async all<Row>(query: string, ...parameters: unknown[]) {
			const prepared = statement(query);
			if (prepared.reader) return prepared.all(...parameters) as Row[];
			prepared.run(...parameters);
			return [];
		},
		async row<Row>(query: string, ...parameters: unknown[]) {
			return statement(query).get(...parameters) as Row | undefined;
		},
		async value<T>(query: string, ...parameters: unknown[]) {
			return statement(query)
				.pluck()
				.get(...parameters) as T;
		},
		async column<T>(query: string, ...parameters: unknown[]) {
			return statement(query)
				.pluck()
				.all(...parameters) as T[];
		},
		async exec(statements: string) {
			opened.sqlite.exec(statements);
		},
		async dispose() {
			await opened.close();
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

let databases = 0;

/**
 * Databases this worker made and emptied, ready for the next test. Making one (CREATE DATABASE
 * … TEMPLATE) takes about half a second, emptying one (TRUNCATE) about a hundredth: with some
 * 700 tests in the project that is most of its run time.
 */
const emptied: string[] = [];

/** What the schema holds, as counts: a test that added a trigger or a table changed it. */
const SCHEMA_SHAPE = `SELECT
	(SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal) AS triggers,
	(SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public') AS functions,
	(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public') AS relations`;
let templateShape: string | undefined;

/**
 * Empties a test's database for the next one: every row of every table but the migrations' own
 * record and the event log's identity, with triggers off (the agreement history refuses to be
 * truncated, as it should in the app). A database whose schema a test changed is dropped instead.
 */
async function emptyForReuse(url: string): Promise<boolean> {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		const shape = JSON.stringify((await client.query(SCHEMA_SHAPE)).rows[0]);
		if (shape !== templateShape) return false;
		const { rows } = await client.query<{ tables: string }>(
			`SELECT string_agg(quote_ident(tablename), ', ') AS tables FROM pg_tables
			 WHERE schemaname = 'public' AND tablename NOT IN ('schema_migrations', 'event_log_identity')`
		);
		await client.query('SET session_replication_role = replica');
		await client.query(`TRUNCATE ${rows[0]!.tables} RESTART IDENTITY CASCADE`);
		return true;
	} finally {
		await client.end();
	}
}

/** The project's PostgreSQL cluster: its own database's URL, and the migrated template. */
export function postgresCluster(): { adminUrl: string; template: string } {
	const adminUrl = inject('postgresAdminUrl');
	const template = inject('postgresTemplate');
	if (!adminUrl || !template)
		throw new Error('The "postgres" vitest project runs with its global setup (support/postgres-global-setup.ts), which started no cluster.');
	return { adminUrl, template };
}

const urlOf = (database: string) => postgresCluster().adminUrl.replace(/\/[^/]*$/, `/${database}`);

/** A new database on the project's cluster, a copy of the migrated template, named for this file alone. */
export async function createPostgresDatabase(): Promise<{ name: string; url: string }> {
	const { adminUrl, template } = postgresCluster();
	const name = `hearth_test_${process.pid}_${++databases}`;
	await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY = FILE_COPY`));
	return { name, url: urlOf(name) };
}

/** Drops a database createPostgresDatabase made, ending whatever is still connected to it. */
export async function dropPostgresDatabase(name: string): Promise<void> {
	await withAdmin(postgresCluster().adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

async function createPostgresTestDatabase({ poolSize = 10 }: TestDatabaseOptions): Promise<TestDatabase> {
	if (templateShape === undefined) {
		const client = new pg.Client({ connectionString: urlOf(postgresCluster().template) });
		await client.connect();
		templateShape = JSON.stringify((await client.query(SCHEMA_SHAPE)).rows[0]);
		await client.end();
	}
	const reused = emptied.pop();
	const { name, url } = reused ? { name: reused, url: urlOf(reused) } : await createPostgresDatabase();
	const opened = await openPostgresDatabase(url, { poolSize });
	const numbered = (query: string) => {
		let n = 0;
		return query.replace(/\?/g, () => `$${++n}`);
	};
	return {
		...opened,
		file: url,
		async all<Row>(query: string, ...parameters: unknown[]) {
			return (await opened.pool.query(numbered(query), parameters)).rows as Row[];
		},
		async row<Row>(query: string, ...parameters: unknown[]) {
			return (await opened.pool.query(numbered(query), parameters)).rows[0] as Row | undefined;
		},
		async value<T>(query: string, ...parameters: unknown[]) {
			const result = await opened.pool.query({ text: numbered(query), values: parameters, rowMode: 'array' });
			return result.rows[0]?.[0] as T;
		},
		async column<T>(query: string, ...parameters: unknown[]) {
			const result = await opened.pool.query({ text: numbered(query), values: parameters, rowMode: 'array' });
			return result.rows.map((row) => row[0]) as T[];
		},
		async exec(statements: string) {
			await opened.pool.query(statements);
		},
		async dispose() {
			await opened.close();
			if (await emptyForReuse(url)) emptied.push(name);
			else await dropPostgresDatabase(name);
		}
	};
}

async function withAdmin<T>(url: string, use: (admin: pg.Client) => Promise<T>): Promise<T> {
	const admin = new pg.Client({ connectionString: url });
	await admin.connect();
	try {
		return await use(admin);
	} finally {
		await admin.end();
	}
}

declare module 'vitest' {
	export interface ProvidedContext {
		/** postgres://… of the test cluster's own database (project "postgres" only). */
		postgresAdminUrl: string;
		/** The migrated database every test database is copied from. */
		postgresTemplate: string;
	}
}
