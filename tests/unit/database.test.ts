import { afterEach, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { isDatabaseHealthy, openSqliteDatabase as openDatabase } from '$lib/server/db';
import { openDatabase as openRealDatabase } from '$lib/server/db';
import { databaseConfig, DEFAULT_DATABASE_PATH } from '$lib/server/db/config.js';
import { appendCircleEvent } from '$lib/server/circles/events';
import { migrate, openSqlite } from '$lib/server/db/sqlite/connection.js';
import { createSqliteTestDatabase as createTestDatabase, type SqliteTestDatabase as TestDatabase } from './support/database';

/** The SQLite migrations (one folder per dialect under migrations/). */
const SQLITE_MIGRATIONS = path.join('migrations', 'sqlite');

const run = promisify(execFile);
let testDb: TestDatabase;

afterEach(async () => {
	await testDb?.dispose();
});

describe('opening the database', () => {
	it('turns on WAL, foreign keys, a busy timeout and fully synchronous commits', () => {
		testDb = createTestDatabase({ durable: true });
		const { sqlite } = testDb;
		expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
		expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
		expect(sqlite.pragma('synchronous', { simple: true })).toBe(2); // 2 = FULL
		expect(sqlite.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
	});

	it('enforces foreign keys: a session for a user that does not exist is refused', () => {
		testDb = createTestDatabase({ durable: true });
		expect(() =>
			testDb.sqlite.prepare('INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, 0, 1, 0)').run('s1', 'nobody')
		).toThrow(/FOREIGN KEY/);
	});
});

describe('the configuration', () => {
	it('names an SQLite file: DATABASE_PATH, or the embedded default', () => {
		expect(databaseConfig({})).toEqual({ dialect: 'sqlite', file: DEFAULT_DATABASE_PATH });
		expect(databaseConfig({ DATABASE_PATH: '/srv/hearth/hearth.db' })).toEqual({ dialect: 'sqlite', file: '/srv/hearth/hearth.db' });
	});

	it('names PostgreSQL with DATABASE_URL, and refuses what it cannot mean rather than guessing', () => {
		expect(databaseConfig({ DATABASE_URL: 'postgres://hearth@db/hearth' })).toEqual({ dialect: 'postgres', url: 'postgres://hearth@db/hearth', poolSize: 10 });
		expect(databaseConfig({ DATABASE_URL: 'postgresql://hearth@db/hearth', DATABASE_POOL_SIZE: '25' })).toMatchObject({ dialect: 'postgres', poolSize: 25 });
		// Both set: one of them would be ignored, and the data would go somewhere the operator did not mean.
		expect(() => databaseConfig({ DATABASE_URL: 'postgres://hearth@db/hearth', DATABASE_PATH: '/srv/hearth/hearth.db' })).toThrow(/Both DATABASE_URL/);
		expect(() => databaseConfig({ DATABASE_URL: 'mysql://hearth@db/hearth' })).toThrow(/PostgreSQL/);
		expect(() => databaseConfig({ DATABASE_URL: 'postgres://hearth@db/hearth', DATABASE_POOL_SIZE: 'lots' })).toThrow(/DATABASE_POOL_SIZE/);
	});

	it('opens what it names, as a path does', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'hearth-config-'));
		try {
			const opened = await openRealDatabase(databaseConfig({ DATABASE_PATH: path.join(dir, 'hearth.db') }));
			expect(opened.dialect).toBe('sqlite');
			expect(opened.dialect === 'sqlite' && opened.sqlite.name).toBe(path.join(dir, 'hearth.db'));
			expect(await isDatabaseHealthy(opened.db)).toBe(true);
			await opened.close();
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('migrations', () => {
	it('records every migration and runs each exactly once', async () => {
		testDb = createTestDatabase({ durable: true });
		const names = await testDb.column('SELECT name FROM schema_migrations ORDER BY name');
		expect(names).toContain('0001_accounts.sql');
		expect(migrate(testDb.sqlite)).toEqual([]);
		const again = await testDb.value('SELECT COUNT(*) FROM schema_migrations');
		expect(again).toBe(names.length);
	});

	it('0007 keeps every event as it was, and new events still get larger ids', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'hearth-0007-'));
		const before = path.join(dir, 'migrations');
		try {
			// A database as it was before 0007, with events in it (one circle deleted, as happens).
			mkdirSync(before);
			for (const name of readdirSync(SQLITE_MIGRATIONS).filter((name) => name < '0007'))
				copyFileSync(path.join(SQLITE_MIGRATIONS, name), path.join(before, name));
			const sqlite = openSqlite(path.join(dir, 'hearth.db'));
			migrate(sqlite, before);
			sqlite.exec(`
				INSERT INTO circles (id, name, description, created_by, created_at, last_activity_at) VALUES ('a', 'A', '', NULL, 0, 0), ('b', 'B', '', NULL, 0, 0);
				INSERT INTO circle_events (circle_id, actor_id, type, payload, created_at) VALUES ('a', NULL, 'circle.created', '{}', 1), ('b', NULL, 'circle.created', '{}', 2), ('a', NULL, 'member.joined', '{"displayName":"Sam"}', 3);
			`);
			const events = sqlite.prepare('SELECT * FROM circle_events ORDER BY id').all();
			copyFileSync(path.join(SQLITE_MIGRATIONS, '0007_event_log_without_autoincrement.sql'), path.join(before, '0007_event_log_without_autoincrement.sql'));
			expect(migrate(sqlite, before)).toEqual(['0007_event_log_without_autoincrement.sql']);
			expect(sqlite.prepare('SELECT * FROM circle_events ORDER BY id').all()).toEqual(events);
			expect(sqlite.prepare("SELECT count(*) FROM sqlite_sequence WHERE name = 'circle_events'").pluck().get()).toBe(0);
			const next = sqlite
				.prepare("INSERT INTO circle_events (circle_id, actor_id, type, payload, created_at) VALUES ('b', NULL, 'member.joined', '{}', 4)")
				.run();
			expect(Number(next.lastInsertRowid)).toBeGreaterThan(3);
			// Deleting a circle still takes its events with it.
			sqlite.prepare("DELETE FROM circles WHERE id = 'a'").run();
			expect(sqlite.prepare('SELECT circle_id FROM circle_events').pluck().all()).toEqual(['b', 'b']);
			expect(sqlite.pragma('foreign_key_check')).toEqual([]);
			sqlite.close();
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('0008 numbers each circle’s existing events 1, 2, 3, … in their order, and the app goes on from there', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'hearth-0008-'));
		const before = path.join(dir, 'migrations');
		try {
			mkdirSync(before);
			for (const name of readdirSync(SQLITE_MIGRATIONS).filter((name) => name < '0008'))
				copyFileSync(path.join(SQLITE_MIGRATIONS, name), path.join(before, name));
			const file = path.join(dir, 'hearth.db');
			const sqlite = openSqlite(file);
			migrate(sqlite, before);
			sqlite.exec(`
				INSERT INTO circles (id, name, description, created_by, created_at, last_activity_at) VALUES ('a', 'A', '', NULL, 0, 0), ('b', 'B', '', NULL, 0, 0);
				INSERT INTO circle_events (circle_id, actor_id, type, payload, created_at) VALUES ('a', NULL, 'circle.created', '{}', 1), ('b', NULL, 'circle.created', '{}', 2), ('a', NULL, 'member.joined', '{"displayName":"Sam"}', 3), ('a', NULL, 'member.left', '{}', 4);
			`);
			sqlite.close();

			const opened = openDatabase(file);
			try {
				const numbered = opened.sqlite.prepare('SELECT circle_id, seq, type FROM circle_events ORDER BY id').all();
				expect(numbered).toEqual([
					{ circle_id: 'a', seq: 1, type: 'circle.created' },
					{ circle_id: 'b', seq: 1, type: 'circle.created' },
					{ circle_id: 'a', seq: 2, type: 'member.joined' },
					{ circle_id: 'a', seq: 3, type: 'member.left' }
				]);
				const next = await appendCircleEvent(opened.db, {
					circleId: 'a',
					actorId: null,
					type: 'circle.time-zone-changed',
					payload: { timeZone: 'UTC' },
					now: 5
				});
				expect(next.seq).toBe(4);
				expect(opened.generation).toMatch(/^[0-9a-f]{20}$/);
				// Two events can never share a number in one circle.
				expect(() =>
					opened.sqlite.prepare("INSERT INTO circle_events (circle_id, seq, actor_id, type, payload, created_at) VALUES ('a', 4, NULL, 'x', '{}', 6)").run()
				).toThrow(/UNIQUE/);
			} finally {
				await opened.close();
			}
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('a backup is a copy: opened after a restore, its event log starts a new generation, once', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'hearth-generation-'));
		try {
			const file = path.join(dir, 'hearth.db');
			const live = openDatabase(file);
			const generation = live.generation;
			await live.close();
			const again = openDatabase(file);
			expect(again.generation).toBe(generation); // the same file keeps its history
			await again.close();
			const copy = path.join(dir, 'copy.db');
			execFileSync(process.execPath, ['scripts/backup.js', copy], { env: { ...process.env, DATABASE_PATH: file }, stdio: 'pipe' });
			const restored = openDatabase(copy);
			const restoredGeneration = restored.generation;
			await restored.close();
			expect(restoredGeneration).not.toBe(generation);
			const reopened = openDatabase(copy);
			expect(reopened.generation).toBe(restoredGeneration);
			await reopened.close();
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('`npm run migrate` creates and migrates a new database file, and is a no-op the second time', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'hearth-migrate-'));
		const file = path.join(dir, 'nested', 'hearth.db');
		try {
			const first = await run('node', ['scripts/migrate.js'], { env: { ...process.env, DATABASE_PATH: file } });
			expect(first.stdout).toMatch(/Applied \d+ migration/);
			const second = await run('node', ['scripts/migrate.js'], { env: { ...process.env, DATABASE_PATH: file } });
			expect(second.stdout).toMatch(/up to date/);
			const db = new Database(file, { readonly: true });
			expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'users'").pluck().get()).toBe('users');
			db.close();
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('backups', () => {
	it('copies a database that is open and being written to, consistently', async () => {
		testDb = createTestDatabase({ durable: true });
		const insert = testDb.sqlite.prepare("INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at) VALUES (?, ?, 'Ana', 'x', 0, 0)");
		for (let i = 0; i < 200; i++) insert.run(`u${i}`, `u${i}@example.org`);
		const target = path.join(path.dirname(testDb.file), 'backups', 'copy.db');

		const backup = run('node', ['scripts/backup.js', target], { env: { ...process.env, DATABASE_PATH: testDb.file } });
		// The app keeps writing while the copy is made.
		for (let i = 200; i < 260; i++) insert.run(`u${i}`, `u${i}@example.org`);
		const { stdout } = await backup;
		expect(stdout).toMatch(/Backed up/);

		const copy = new Database(target, { readonly: true });
		expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
		const count = copy.prepare('SELECT COUNT(*) FROM users').pluck().get() as number;
		copy.close();
		expect(count).toBeGreaterThanOrEqual(200);
		expect(count).toBeLessThanOrEqual(260);
	});

	it('refuses to overwrite an existing file and explains how to call it', async () => {
		testDb = createTestDatabase({ durable: true });
		await expect(run('node', ['scripts/backup.js', testDb.file], { env: { ...process.env, DATABASE_PATH: testDb.file } })).rejects.toMatchObject({
			code: 2,
			stderr: expect.stringMatching(/already exists/)
		});
		await expect(run('node', ['scripts/backup.js'], { env: process.env })).rejects.toMatchObject({
			code: 2,
			stderr: expect.stringMatching(/Usage: npm run backup -- <file>/)
		});
		expect(existsSync(testDb.file)).toBe(true);
	});
});

describe('health', () => {
	it('is healthy while the database answers, and not once it is closed', async () => {
		testDb = createTestDatabase({ durable: true });
		expect(await isDatabaseHealthy(testDb.db)).toBe(true);
		testDb.sqlite.close();
		expect(await isDatabaseHealthy(testDb.db)).toBe(false);
	});
});
