import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { isDatabaseHealthy } from '$lib/server/db';
import { migrate, openSqlite } from '$lib/server/db/sqlite.js';
import { createTestDatabase, type TestDatabase } from './support/database';

const run = promisify(execFile);
let testDb: TestDatabase;

afterEach(async () => {
	await testDb?.dispose();
});

describe('opening the database', () => {
	it('turns on WAL, foreign keys, a busy timeout and fully synchronous commits', () => {
		testDb = createTestDatabase();
		const { sqlite } = testDb;
		expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
		expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
		expect(sqlite.pragma('synchronous', { simple: true })).toBe(2); // 2 = FULL
		expect(sqlite.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
	});

	it('enforces foreign keys: a session for a user that does not exist is refused', () => {
		testDb = createTestDatabase();
		expect(() =>
			testDb.sqlite
				.prepare('INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, 0, 1, 0)')
				.run('s1', 'nobody')
		).toThrow(/FOREIGN KEY/);
	});
});

describe('migrations', () => {
	it('records every migration and runs each exactly once', () => {
		testDb = createTestDatabase();
		const names = testDb.sqlite.prepare('SELECT name FROM schema_migrations ORDER BY name').pluck().all();
		expect(names).toContain('0001_accounts.sql');
		expect(migrate(testDb.sqlite)).toEqual([]);
		const again = testDb.sqlite.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get();
		expect(again).toBe(names.length);
	});

	it('0007 keeps every event as it was, and new events still get larger ids', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'hearth-0007-'));
		const before = path.join(dir, 'migrations');
		try {
			// A database as it was before 0007, with events in it (one circle deleted, as happens).
			mkdirSync(before);
			for (const name of readdirSync('migrations').filter((name) => name < '0007')) copyFileSync(path.join('migrations', name), path.join(before, name));
			const sqlite = openSqlite(path.join(dir, 'hearth.db'));
			migrate(sqlite, before);
			sqlite.exec(`
				INSERT INTO circles (id, name, description, created_by, created_at, last_activity_at) VALUES ('a', 'A', '', NULL, 0, 0), ('b', 'B', '', NULL, 0, 0);
				INSERT INTO circle_events (circle_id, actor_id, type, payload, created_at) VALUES ('a', NULL, 'circle.created', '{}', 1), ('b', NULL, 'circle.created', '{}', 2), ('a', NULL, 'member.joined', '{"displayName":"Sam"}', 3);
			`);
			const events = sqlite.prepare('SELECT * FROM circle_events ORDER BY id').all();
			expect(migrate(sqlite)).toContain('0007_event_log_without_autoincrement.sql');
			expect(sqlite.prepare('SELECT * FROM circle_events ORDER BY id').all()).toEqual(events);
			expect(sqlite.prepare("SELECT count(*) FROM sqlite_sequence WHERE name = 'circle_events'").pluck().get()).toBe(0);
			const next = sqlite.prepare("INSERT INTO circle_events (circle_id, actor_id, type, payload, created_at) VALUES ('b', NULL, 'member.joined', '{}', 4)").run();
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
		testDb = createTestDatabase();
		const insert = testDb.sqlite.prepare(
			"INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at) VALUES (?, ?, 'Ana', 'x', 0, 0)"
		);
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
		testDb = createTestDatabase();
		await expect(
			run('node', ['scripts/backup.js', testDb.file], { env: { ...process.env, DATABASE_PATH: testDb.file } })
		).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/already exists/) });
		await expect(run('node', ['scripts/backup.js'], { env: process.env })).rejects.toMatchObject({
			code: 2,
			stderr: expect.stringMatching(/Usage: npm run backup -- <file>/)
		});
		expect(existsSync(testDb.file)).toBe(true);
	});
});

describe('health', () => {
	it('is healthy while the database answers, and not once it is closed', async () => {
		testDb = createTestDatabase();
		expect(await isDatabaseHealthy(testDb.db)).toBe(true);
		testDb.sqlite.close();
		expect(await isDatabaseHealthy(testDb.db)).toBe(false);
	});
});
