// The app's own database ($lib/server/db: getDb(), openAppDatabase, closeAppDatabase) for a test
// file that calls routes and hooks as SvelteKit does: a fresh one of this project's dialect, named
// by the environment as an operator names it. SQLite: a file in a fresh folder (DATABASE_PATH).
// PostgreSQL: a fresh database on the project's cluster, copied from the migrated template
// (DATABASE_URL). Either way it is open when useAppDatabase resolves, so getDb() works at once.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { closeAppDatabase, openAppDatabase } from '$lib/server/db';
import { createPostgresDatabase, dropPostgresDatabase, TEST_DIALECT } from './database';

export interface AppTestDatabase {
	/** Keeps the database as it is now, for restore(). */
	snapshot(): Promise<void>;
	/** Puts the database back as it was at snapshot(), and opens it again as the app's. */
	restore(): Promise<void>;
	/** Closes the app's database and removes it. */
	dispose(): Promise<void>;
}

/** Points the app at a fresh, migrated database of this project's dialect, and opens it. */
export async function useAppDatabase(): Promise<AppTestDatabase> {
	const named = { DATABASE_PATH: process.env.DATABASE_PATH, DATABASE_URL: process.env.DATABASE_URL };
	const database = TEST_DIALECT === 'postgres' ? await postgresAppDatabase() : sqliteAppDatabase();
	const opened = await openAppDatabase();
	if (opened.dialect !== TEST_DIALECT) throw new Error(`the app opened ${opened.dialect}, not this project's ${TEST_DIALECT}`);
	return {
		...database,
		async dispose() {
			await database.dispose();
			for (const [name, value] of Object.entries(named)) {
				if (value === undefined) delete process.env[name];
				else process.env[name] = value;
			}
		}
	};
}

function sqliteAppDatabase(): AppTestDatabase {
	const dir = mkdtempSync(path.join(tmpdir(), 'hearth-app-'));
	const file = path.join(dir, 'hearth.db');
	const saved = path.join(dir, 'snapshot.db');
	delete process.env.DATABASE_URL;
	process.env.DATABASE_PATH = file;
	return {
		async snapshot() {
			await closeAppDatabase();
			// Closed, the database is one file: its log was copied in and removed.
			if (existsSync(`${file}-wal`)) throw new Error('the closed database still has a log');
			copyFileSync(file, saved);
			await openAppDatabase();
		},
		async restore() {
			await closeAppDatabase();
			for (const log of [`${file}-wal`, `${file}-shm`]) rmSync(log, { force: true });
			copyFileSync(saved, file);
			await openAppDatabase();
		},
		async dispose() {
			await closeAppDatabase();
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

/** Where snapshot() keeps a copy of every table, in the database itself. */
const SNAPSHOT_SCHEMA = 'hearth_test_snapshot';

/**
 * PostgreSQL. A snapshot is a copy of every table (and where each sequence stood) in a schema of
 * the same database, and restore() puts the rows back in one transaction while the app's database
 * is closed, then opens it again (a new pool and Kysely, as a reopened SQLite file: what the app
 * keeps per database starts afresh). Copying the whole database from a saved one instead (DROP,
 * CREATE DATABASE … TEMPLATE) took 170 to 500 ms a time here, waiting for checkpoints: the
 * authorization matrix's 384 cases took 175 s. This takes about 15 ms, most of it the reopening.
 * Triggers are off while the rows go back (session_replication_role = replica): foreign keys
 * need no order, and the append-only history's triggers let its rows be replaced.
 */
async function postgresAppDatabase(): Promise<AppTestDatabase> {
	const { name, url } = await createPostgresDatabase();
	delete process.env.DATABASE_PATH;
	process.env.DATABASE_URL = url;
	// The snapshot's own connection, kept open from snapshot() on: connecting costs more than restoring.
	let restorer: { client: pg.Client; statements: string } | undefined;
	return {
		async snapshot() {
			if (restorer) throw new Error('one snapshot per database');
			await closeAppDatabase();
			const client = new pg.Client({ connectionString: url });
			await client.connect();
			const table = (schema: string, name: string) => `${schema}.${pg.escapeIdentifier(name)}`;
			const names = async (query: string) => (await client.query<{ name: string }>(query)).rows.map((row) => row.name);
			const tables = await names("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
			await client.query(
				[
					`DROP SCHEMA IF EXISTS ${SNAPSHOT_SCHEMA} CASCADE`,
					`CREATE SCHEMA ${SNAPSHOT_SCHEMA}`,
					...tables.map((name) => `CREATE TABLE ${table(SNAPSHOT_SCHEMA, name)} AS TABLE ${table('public', name)}`)
				].join(';\n')
			);
			const setvals: string[] = [];
			for (const name of await names("SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1")) {
				const { rows } = await client.query<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM ${table('public', name)}`);
				setvals.push(`SELECT setval(${pg.escapeLiteral(table('public', name))}, ${rows[0]!.last_value}, ${rows[0]!.is_called})`);
			}
			const statements = [
				'BEGIN',
				'SET LOCAL session_replication_role = replica',
				...tables.flatMap((name) => [
					`DELETE FROM ${table('public', name)}`,
					`INSERT INTO ${table('public', name)} SELECT * FROM ${table(SNAPSHOT_SCHEMA, name)}`
				]),
				...setvals,
				'COMMIT'
			].join(';\n');
			restorer = { client, statements };
			await openAppDatabase();
		},
		async restore() {
			if (!restorer) throw new Error('restore() before snapshot()');
			const { client, statements } = restorer;
			await closeAppDatabase();
			await client.query(statements).catch(async (error: unknown) => {
				await client.query('ROLLBACK').catch(() => {});
				throw error;
			});
			await openAppDatabase();
		},
		async dispose() {
			await closeAppDatabase();
			await restorer?.client.end();
			await dropPostgresDatabase(name);
		}
	};
}
