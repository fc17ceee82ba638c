import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '$lib/server/ids';
import {
	SESSION_ABSOLUTE_LIFETIME,
	SESSION_IDLE_LIFETIME,
	createSession,
	deleteExpiredSessions,
	endOwnSession,
	invalidateSession,
	invalidateUserSessions,
	listActiveSessions,
	validateSessionToken,
	writeSessionVisits
} from '$lib/server/auth/sessions';
import { hashToken } from '$lib/server/auth/tokens';
import { createTestDatabase, type TestDatabase } from './support/database';

const DAY = 24 * 3600 * 1000;
const T0 = Date.UTC(2026, 0, 1);
let testDb: TestDatabase;

async function addUser(email = `${newId()}@example.org`): Promise<string> {
	const id = newId();
	await testDb.db.insertInto('users').values({ id, email, display_name: 'Sam', password_hash: 'x', created_at: T0, updated_at: T0 }).execute();
	return id;
}

beforeEach(async () => {
	testDb = await createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

describe('session tokens', () => {
	it('have at least 160 random bits, and only their SHA-256 is stored', async () => {
		const userId = await addUser();
		const { token, session } = await createSession(testDb.db, userId, { now: T0 });
		// base32: 5 bits a character
		expect(token.length * 5).toBeGreaterThanOrEqual(160);
		expect(session.id).toBe(hashToken(token));
		const stored = (await testDb.all('SELECT * FROM sessions')) as Array<Record<string, unknown>>;
		expect(stored).toHaveLength(1);
		expect(JSON.stringify(stored)).not.toContain(token);
	});

	it('are new at every sign-in', async () => {
		const userId = await addUser();
		const a = await createSession(testDb.db, userId, { now: T0 });
		const b = await createSession(testDb.db, userId, { now: T0 });
		expect(a.token).not.toBe(b.token);
	});
});

describe('validating a session', () => {
	it('returns the user for a live token and nothing for an unknown one', async () => {
		const userId = await addUser('ana@example.org');
		const { token } = await createSession(testDb.db, userId, { now: T0 });
		const validated = await validateSessionToken(testDb.db, token, { now: T0 + 1000 });
		expect(validated?.user).toEqual({ id: userId, email: 'ana@example.org', displayName: 'Sam' });
		expect(await validateSessionToken(testDb.db, 'not-a-token', { now: T0 })).toBeNull();
	});

	it('expires 30 days after last use, and removes the expired row', async () => {
		const userId = await addUser();
		const { token } = await createSession(testDb.db, userId, { now: T0 });
		expect(await validateSessionToken(testDb.db, token, { now: T0 + SESSION_IDLE_LIFETIME })).toBeNull();
		expect(await testDb.value('SELECT COUNT(*) FROM sessions')).toBe(0);
	});

	it('slides forward when fewer than 15 days are left, and not before', async () => {
		const userId = await addUser();
		const { token } = await createSession(testDb.db, userId, { now: T0 });
		const early = await validateSessionToken(testDb.db, token, { now: T0 + 10 * DAY });
		expect(early?.renewed).toBe(false);
		expect(early?.session.expiresAt).toBe(T0 + 30 * DAY);
		const later = await validateSessionToken(testDb.db, token, { now: T0 + 16 * DAY });
		expect(later?.renewed).toBe(true);
		expect(later?.session.expiresAt).toBe(T0 + 46 * DAY);
		// Still valid past the first 30 days because it was used.
		expect(await validateSessionToken(testDb.db, token, { now: T0 + 40 * DAY })).not.toBeNull();
	});

	it('never outlives 90 days from sign-in, however often it is used', async () => {
		const userId = await addUser();
		const { token } = await createSession(testDb.db, userId, { now: T0 });
		for (let day = 16; day < 90; day += 14) {
			expect(await validateSessionToken(testDb.db, token, { now: T0 + day * DAY })).not.toBeNull();
		}
		const nearEnd = await validateSessionToken(testDb.db, token, { now: T0 + 89 * DAY });
		expect(nearEnd?.session.expiresAt).toBe(T0 + SESSION_ABSOLUTE_LIFETIME);
		expect(await validateSessionToken(testDb.db, token, { now: T0 + 90 * DAY })).toBeNull();
	});

	it('records when it was last seen, but a read-only check (the socket handshake) writes nothing', async () => {
		const userId = await addUser();
		const { token, session } = await createSession(testDb.db, userId, { now: T0 });
		const lastSeen = async () => await testDb.value('SELECT last_seen_at FROM sessions WHERE id = ?', session.id);
		await validateSessionToken(testDb.db, token, { now: T0 + 20 * DAY, touch: false });
		expect(await lastSeen()).toBe(T0);
		expect(await writeSessionVisits(testDb.db)).toBe(0);
		await validateSessionToken(testDb.db, token, { now: T0 + 5 * 60_000 });
		await validateSessionToken(testDb.db, token, { now: T0 + 6 * 60_000 });
		// Visits are written in the background, together, not on the request path.
		expect(await lastSeen()).toBe(T0);
		expect(await writeSessionVisits(testDb.db)).toBe(1);
		expect(await lastSeen()).toBe(T0 + 6 * 60_000);
		expect(await writeSessionVisits(testDb.db)).toBe(0);
	});

	it('writes many visits in several small transactions, every one of them', async () => {
		const userId = await addUser();
		const sessions = [];
		for (let i = 0; i < 250; i++) sessions.push(await createSession(testDb.db, userId, { now: T0 }));
		for (const [i, { token }] of sessions.entries()) await validateSessionToken(testDb.db, token, { now: T0 + 2 * 60_000 + i });
		expect(await writeSessionVisits(testDb.db)).toBe(250);
		const written = (await testDb.all('SELECT id, last_seen_at FROM sessions')) as Array<{ id: string; last_seen_at: number }>;
		const expected = new Map(sessions.map(({ session }, i) => [session.id, T0 + 2 * 60_000 + i]));
		expect(written).toHaveLength(250);
		for (const row of written) expect(row.last_seen_at).toBe(expected.get(row.id));
	});

	it('lists a device as active from the moment it was last used, written or not', async () => {
		const userId = await addUser();
		const { token, session } = await createSession(testDb.db, userId, { now: T0 });
		await validateSessionToken(testDb.db, token, { now: T0 + 10 * 60_000 });
		const [listed] = await listActiveSessions(testDb.db, userId, session.id, T0 + 10 * 60_000);
		expect(listed?.lastSeenAt).toBe(T0 + 10 * 60_000);
	});
});

describe('ending sessions', () => {
	it('logs out one session, leaving the others', async () => {
		const userId = await addUser();
		const a = await createSession(testDb.db, userId, { now: T0 });
		const b = await createSession(testDb.db, userId, { now: T0 });
		await invalidateSession(testDb.db, a.session.id);
		expect(await validateSessionToken(testDb.db, a.token, { now: T0 })).toBeNull();
		expect(await validateSessionToken(testDb.db, b.token, { now: T0 })).not.toBeNull();
	});

	it('logs out everywhere for one user only', async () => {
		const ana = await addUser();
		const ben = await addUser();
		const a1 = await createSession(testDb.db, ana, { now: T0 });
		const a2 = await createSession(testDb.db, ana, { now: T0 });
		const b1 = await createSession(testDb.db, ben, { now: T0 });
		const ended = await invalidateUserSessions(testDb.db, ana);
		expect(ended.sort()).toEqual([a1.session.id, a2.session.id].sort());
		expect(await validateSessionToken(testDb.db, b1.token, { now: T0 })).not.toBeNull();
	});

	it('lets a user end only their own sessions', async () => {
		const ana = await addUser();
		const ben = await addUser();
		const bens = await createSession(testDb.db, ben, { now: T0 });
		expect(await endOwnSession(testDb.db, ana, bens.session.id)).toBe(false);
		expect(await validateSessionToken(testDb.db, bens.token, { now: T0 })).not.toBeNull();
		expect(await endOwnSession(testDb.db, ben, bens.session.id)).toBe(true);
		expect(await validateSessionToken(testDb.db, bens.token, { now: T0 })).toBeNull();
	});

	it('clears expired sessions in housekeeping', async () => {
		const userId = await addUser();
		await createSession(testDb.db, userId, { now: T0 });
		const fresh = await createSession(testDb.db, userId, { now: T0 + 40 * DAY });
		await deleteExpiredSessions(testDb.db, T0 + 41 * DAY);
		expect(await testDb.column('SELECT id FROM sessions')).toEqual([fresh.session.id]);
	});
});

describe('the list of active sessions', () => {
	it('names each device, marks this one, and leaves out expired ones', async () => {
		const userId = await addUser();
		const phone = await createSession(testDb.db, userId, {
			now: T0 + DAY,
			userAgent: 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36'
		});
		await createSession(testDb.db, userId, { now: T0, userAgent: 'Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0' });
		await createSession(testDb.db, userId, { now: T0 - 60 * DAY });
		const list = await listActiveSessions(testDb.db, userId, phone.session.id, T0 + 2 * DAY);
		expect(list.map((s) => [s.device, s.current])).toEqual([
			['Chrome on Android', true],
			['Firefox on Windows', false]
		]);
	});
});
