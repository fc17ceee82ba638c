import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changePassword, logIn, signUp } from '$lib/server/auth/accounts';
import { validateSessionToken } from '$lib/server/auth/sessions';
import { EMAIL_POLICY, recordLoginFailure } from '$lib/server/auth/login-throttle';
import { createTestDatabase, type TestDatabase } from './support/database';

let testDb: TestDatabase;
const context = { address: '203.0.113.7', userAgent: 'vitest' };
const ana = { displayName: 'Ana', email: 'ana@example.org', password: 'a long passphrase' };

beforeEach(() => {
	testDb = createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

describe('signing up', () => {
	it('creates the account with an argon2id hash (OWASP parameters) and a first session', async () => {
		const result = await signUp(testDb.db, ana, context);
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		const row = testDb.sqlite.prepare('SELECT * FROM users').get() as { password_hash: string; email: string };
		expect(row.email).toBe('ana@example.org');
		expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
		expect(row.password_hash).not.toContain(ana.password);
		const validated = await validateSessionToken(testDb.db, result.signedIn.token);
		expect(validated?.user.displayName).toBe('Ana');
	});

	it('refuses a second account for the same email, whatever its case', async () => {
		await signUp(testDb.db, ana, context);
		// Forms hand over emails already normalised; the domain relies on the one normaliser.
		const again = await signUp(testDb.db, { ...ana, displayName: 'Other' }, context);
		expect(again).toEqual({ ok: false, reason: 'email-taken' });
		expect(testDb.sqlite.prepare('SELECT COUNT(*) FROM users').pluck().get()).toBe(1);
	});

	it('lets only one of two simultaneous sign-ups with one email through', async () => {
		const results = await Promise.all([signUp(testDb.db, ana, context), signUp(testDb.db, ana, context)]);
		expect(results.filter((r) => r.ok)).toHaveLength(1);
		expect(testDb.sqlite.prepare('SELECT COUNT(*) FROM users').pluck().get()).toBe(1);
	});
});

describe('logging in', () => {
	it('signs in with the right password, with a new token each time', async () => {
		await signUp(testDb.db, ana, context);
		const first = await logIn(testDb.db, { email: ana.email, password: ana.password }, context);
		const second = await logIn(testDb.db, { email: ana.email, password: ana.password }, context);
		expect(first.ok && second.ok).toBe(true);
		if (!first.ok || !second.ok) return;
		expect(first.signedIn.token).not.toBe(second.signedIn.token);
	});

	it('gives the same answer for a wrong password and an unknown email', async () => {
		await signUp(testDb.db, ana, context);
		const wrongPassword = await logIn(testDb.db, { email: ana.email, password: 'not it at all' }, context);
		const unknownEmail = await logIn(testDb.db, { email: 'nobody@example.org', password: ana.password }, context);
		expect(wrongPassword).toEqual({ ok: false, reason: 'incorrect' });
		expect(unknownEmail).toEqual(wrongPassword);
	});

	it('refuses an email for a while after repeated failures, even with the right password', async () => {
		await signUp(testDb.db, ana, context);
		const now = Date.now();
		for (let i = 0; i < EMAIL_POLICY.blockAfter; i++) {
			await recordLoginFailure(testDb.db, { email: ana.email, address: `198.51.100.${i}` }, now);
		}
		const blocked = await logIn(testDb.db, { email: ana.email, password: ana.password }, { ...context, now: now + 1000 });
		expect(blocked).toMatchObject({ ok: false, reason: 'throttled', retryAfterMs: expect.any(Number) });
		const later = await logIn(testDb.db, { email: ana.email, password: ana.password }, { ...context, now: now + 16 * 60_000 });
		expect(later.ok).toBe(true);
	});

	it('counts a failure from a wrong password against the email and the address', async () => {
		await signUp(testDb.db, ana, context);
		await logIn(testDb.db, { email: ana.email, password: 'wrong password' }, context);
		const keys = testDb.sqlite.prepare('SELECT key, failures FROM attempt_throttles ORDER BY key').all();
		expect(keys).toEqual([
			{ key: 'login-email:ana@example.org', failures: 1 },
			{ key: 'login-ip:203.0.113.7', failures: 1 }
		]);
		await logIn(testDb.db, { email: ana.email, password: ana.password }, context);
		// Success forgives the email's count; the address may be shared by others, so it stays.
		expect(testDb.sqlite.prepare('SELECT key FROM attempt_throttles').pluck().all()).toEqual(['login-ip:203.0.113.7']);
	});
});

describe('changing the password', () => {
	it('needs the current password', async () => {
		const signedUp = await signUp(testDb.db, ana, context);
		if (!signedUp.ok) throw new Error('sign-up failed');
		const result = await changePassword(testDb.db, signedUp.signedIn.user, { currentPassword: 'not my password', newPassword: 'a brand new phrase' }, context);
		expect(result).toEqual({ ok: false, reason: 'incorrect-current' });
		expect((await logIn(testDb.db, { email: ana.email, password: ana.password }, context)).ok).toBe(true);
	});

	it('ends every session, starts a fresh one here, and only the new password works afterwards', async () => {
		const signedUp = await signUp(testDb.db, ana, context);
		if (!signedUp.ok) throw new Error('sign-up failed');
		const otherDevice = await logIn(testDb.db, { email: ana.email, password: ana.password }, context);
		if (!otherDevice.ok) throw new Error('log-in failed');

		const result = await changePassword(testDb.db, signedUp.signedIn.user, { currentPassword: ana.password, newPassword: 'a brand new phrase' }, context);
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.endedSessionIds.sort()).toEqual([signedUp.signedIn.session.id, otherDevice.signedIn.session.id].sort());
		expect(await validateSessionToken(testDb.db, signedUp.signedIn.token)).toBeNull();
		expect(await validateSessionToken(testDb.db, otherDevice.signedIn.token)).toBeNull();
		expect(await validateSessionToken(testDb.db, result.signedIn.token)).not.toBeNull();

		expect((await logIn(testDb.db, { email: ana.email, password: ana.password }, context)).ok).toBe(false);
		expect((await logIn(testDb.db, { email: ana.email, password: 'a brand new phrase' }, context)).ok).toBe(true);
	});
});
