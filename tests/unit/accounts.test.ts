import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changePassword, logIn, signUp } from '$lib/server/auth/accounts';
import { validateSessionToken } from '$lib/server/auth/sessions';
import { hashToken } from '$lib/server/auth/tokens';
import { createTestDatabase, type TestDatabase } from './support/database';

let testDb: TestDatabase;
const context = { address: '203.0.113.7', userAgent: 'vitest' };
const ana = { displayName: 'Ana', email: 'ana@example.org', password: 'a long passphrase' };

beforeEach(async () => {
	testDb = await createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

describe('signing up', () => {
	it('creates the account with an argon2id hash (OWASP parameters) and a first session', async () => {
		const result = await signUp(testDb.db, ana, context);
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		const row = (await testDb.row('SELECT * FROM users')) as { password_hash: string; email: string };
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
		expect(await testDb.value('SELECT COUNT(*) FROM users')).toBe(1);
	});

	it('lets only one of two simultaneous sign-ups with one email through', async () => {
		const results = await Promise.all([signUp(testDb.db, ana, context), signUp(testDb.db, ana, context)]);
		expect(results.filter((r) => r.ok)).toHaveLength(1);
		expect(await testDb.value('SELECT COUNT(*) FROM users')).toBe(1);
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

	it('refuses an email for a while after repeated failures from one place, even with the right password', async () => {
		await signUp(testDb.db, ana, context);
		const now = Date.now();
		const elsewhere = { address: '198.51.100.7', userAgent: 'curl', now };
		for (let i = 0; i < 10; i++) await logIn(testDb.db, { email: ana.email, password: 'wrong password' }, elsewhere);
		const blocked = await logIn(testDb.db, { email: ana.email, password: ana.password }, { ...elsewhere, now: now + 1000 });
		expect(blocked).toEqual({ ok: false, reason: 'throttled', retryAfterMs: 15 * 60_000 - 1000, knownDevice: false });
		const later = await logIn(testDb.db, { email: ana.email, password: ana.password }, { ...elsewhere, now: now + 16 * 60_000 });
		expect(later.ok).toBe(true);
	});

	it('remembers the browser: a known device token comes back, and is kept when it signs in again', async () => {
		const signedUp = await signUp(testDb.db, ana, context);
		if (!signedUp.ok) throw new Error('sign-up failed');
		const { token } = signedUp.signedIn.device;
		expect(token).toMatch(/^[a-z2-7]{40}$/);
		expect(await testDb.column('SELECT token_hash FROM known_devices')).toEqual([hashToken(token)]);
		const again = await logIn(testDb.db, { email: ana.email, password: ana.password }, { ...context, deviceToken: token });
		expect(again.ok && again.signedIn.device.token).toBe(token);
		// A token Hearth never gave out is not adopted.
		const made = await logIn(testDb.db, { email: ana.email, password: ana.password }, { ...context, deviceToken: 'a'.repeat(40) });
		expect(made.ok && made.signedIn.device.token).not.toBe('a'.repeat(40));
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
