// Migration 0012 rebuilds the agreement tables so their authors may become "a former member".
// A database that already holds agreement records keeps every one of them, and the history stays
// append-only: the only change allowed is an author becoming NULL.
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate, openSqlite } from '../../src/lib/server/db/sqlite/connection.js';

const MIGRATION = '0012_agreement_records_outlive_their_authors.sql';
const source = path.resolve('migrations', 'sqlite');
const dir = mkdtempSync(path.join(tmpdir(), 'hearth-0012-'));
const migrations = path.join(dir, 'migrations');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TABLES = ['agreements', 'agreement_versions', 'agreement_proposals', 'agreement_answers', 'agreement_comments'];

describe('migration 0012', () => {
	it('keeps every agreement record of a database made before it, and its history append-only', () => {
		copyDir(source, migrations, (name) => name < MIGRATION);
		const sqlite = openSqlite(path.join(dir, 'hearth.db'));
		migrate(sqlite, migrations);
		sqlite.exec(`
			INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at) VALUES ('u1', 'a@example.org', 'Ana', 'x', 1, 1), ('u2', 'b@example.org', 'Bo', 'x', 1, 1);
			INSERT INTO circles (id, name, created_by, created_at, last_activity_at) VALUES ('c1', 'The Lees', 'u1', 1, 1);
			INSERT INTO memberships (circle_id, user_id, role, joined_at) VALUES ('c1', 'u1', 'owner', 1), ('c1', 'u2', 'member', 1);
			INSERT INTO agreements (id, circle_id, created_by, created_at, status, in_force_version, open_proposal_id, updated_at) VALUES ('a1', 'c1', 'u1', 2, 'agreed', 1, NULL, 3);
			INSERT INTO agreement_versions (agreement_id, number, title, category, body, created_by, created_at) VALUES ('a1', 1, 'Rent', 'money', 'Rent first.', 'u1', 2);
			INSERT INTO agreement_proposals (id, agreement_id, kind, version, created_by, created_at, outcome, decided_at) VALUES ('p1', 'a1', 'version', 1, 'u1', 2, 'agreed', 3);
			INSERT INTO agreement_answers (id, proposal_id, user_id, answer, comment, created_at) VALUES ('n1', 'p1', 'u1', 'agree', '', 2), ('n2', 'p1', 'u2', 'changes', 'Later?', 2);
			INSERT INTO agreement_comments (id, agreement_id, author_id, body, created_at) VALUES ('m1', 'a1', 'u2', 'Fine by me.', 3);
		`);
		const before = Object.fromEntries(TABLES.map((table) => [table, sqlite.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all()]));

		copyFileSync(path.join(source, MIGRATION), path.join(migrations, MIGRATION));
		expect(migrate(sqlite, migrations)).toEqual([MIGRATION]);
		for (const table of TABLES) expect(sqlite.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all(), table).toEqual(before[table]);
		expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
		expect(sqlite.pragma('foreign_key_check')).toEqual([]);

		// Still append-only…
		expect(() => sqlite.exec(`UPDATE agreement_versions SET body = 'Rent later.'`)).toThrow('append-only');
		expect(() => sqlite.exec(`UPDATE agreement_answers SET comment = 'Sure.' WHERE id = 'n2'`)).toThrow('append-only');
		expect(() => sqlite.exec(`UPDATE agreement_comments SET author_id = 'u1' WHERE id = 'm1'`)).toThrow('append-only');
		expect(() => sqlite.exec(`UPDATE agreement_proposals SET outcome = 'replaced' WHERE id = 'p1'`)).toThrow('append-only');
		expect(() => sqlite.exec(`DELETE FROM agreement_comments WHERE id = 'm1'`)).toThrow('append-only');
		// …except an author becoming a former member, which deleting the account row also does.
		sqlite.exec(`DELETE FROM memberships WHERE user_id = 'u2'; DELETE FROM users WHERE id = 'u2'`);
		expect(sqlite.prepare(`SELECT user_id FROM agreement_answers WHERE id = 'n2'`).get()).toEqual({ user_id: null });
		expect(sqlite.prepare(`SELECT author_id, body FROM agreement_comments`).all()).toEqual([{ author_id: null, body: 'Fine by me.' }]);
		// Deleting the circle still takes its whole history.
		sqlite.exec(`DELETE FROM circles WHERE id = 'c1'`);
		for (const table of TABLES) expect(sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get(), table).toEqual({ n: 0 });
		sqlite.close();
	});
});

function copyDir(from: string, to: string, keep: (name: string) => boolean) {
	mkdirSync(to, { recursive: true });
	for (const name of readdirSync(from).filter(keep)) copyFileSync(path.join(from, name), path.join(to, name));
}
