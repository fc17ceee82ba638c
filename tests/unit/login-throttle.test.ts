import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADDRESS_POLICY, EMAIL_POLICY, THROTTLE_WINDOW, checkLoginThrottle, clearEmailFailures, recordLoginFailure } from '$lib/server/auth/login-throttle';
import { createTestDatabase, type TestDatabase } from './support/database';

let testDb: TestDatabase;
const T0 = Date.UTC(2026, 5, 1);

beforeEach(() => {
	testDb = createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

async function fail(times: number, subject: { email: string; address: string }, now = T0) {
	for (let i = 0; i < times; i++) await recordLoginFailure(testDb.db, subject, now);
}

describe('login throttling', () => {
	const subject = { email: 'ana@example.org', address: '203.0.113.9' };

	it('lets the first few mistakes through at full speed', async () => {
		await fail(EMAIL_POLICY.slowAfter - 1, subject);
		expect(await checkLoginThrottle(testDb.db, subject, T0)).toEqual({ allowed: true, delayMs: 0 });
	});

	it('slows further attempts for an email, more with each failure, up to a cap', async () => {
		await fail(EMAIL_POLICY.slowAfter, subject);
		const first = await checkLoginThrottle(testDb.db, subject, T0);
		await fail(3, subject);
		const later = await checkLoginThrottle(testDb.db, subject, T0);
		expect(first).toMatchObject({ allowed: true });
		expect(later).toMatchObject({ allowed: true });
		if (!first.allowed || !later.allowed) return;
		expect(first.delayMs).toBeGreaterThan(0);
		expect(later.delayMs).toBeGreaterThan(first.delayMs);
		expect(later.delayMs).toBeLessThanOrEqual(5000);
	});

	it('refuses an email for the window after too many failures, then forgives', async () => {
		await fail(EMAIL_POLICY.blockAfter, subject);
		expect(await checkLoginThrottle(testDb.db, subject, T0 + 1)).toEqual({
			allowed: false,
			retryAfterMs: THROTTLE_WINDOW - 1
		});
		expect(await checkLoginThrottle(testDb.db, subject, T0 + THROTTLE_WINDOW)).toEqual({ allowed: true, delayMs: 0 });
	});

	it('refuses an address that fails across many emails', async () => {
		for (let i = 0; i < ADDRESS_POLICY.blockAfter; i++) {
			await recordLoginFailure(testDb.db, { email: `guess${i}@example.org`, address: subject.address }, T0);
		}
		const fresh = { email: 'someone-new@example.org', address: subject.address };
		expect(await checkLoginThrottle(testDb.db, fresh, T0)).toMatchObject({ allowed: false });
		expect(await checkLoginThrottle(testDb.db, { ...fresh, address: '198.51.100.1' }, T0)).toEqual({
			allowed: true,
			delayMs: 0
		});
	});

	it('starts counting again once the window has passed', async () => {
		await fail(EMAIL_POLICY.blockAfter - 1, subject, T0);
		await fail(1, subject, T0 + THROTTLE_WINDOW + 1);
		expect(await checkLoginThrottle(testDb.db, subject, T0 + THROTTLE_WINDOW + 2)).toEqual({ allowed: true, delayMs: 0 });
	});

	it('counts every one of many failures that arrive at once', async () => {
		await Promise.all(Array.from({ length: EMAIL_POLICY.blockAfter }, () => recordLoginFailure(testDb.db, subject, T0)));
		const row = testDb.sqlite.prepare('SELECT failures, blocked_until FROM attempt_throttles WHERE key LIKE ?').all('%ana@example.org%') as Array<{
			failures: number;
			blocked_until: number;
		}>;
		expect(row).toEqual([{ failures: EMAIL_POLICY.blockAfter, blocked_until: T0 + THROTTLE_WINDOW }]);
		expect(await checkLoginThrottle(testDb.db, subject, T0 + 1)).toMatchObject({ allowed: false });
	});

	it('forgets an email after a successful login', async () => {
		await fail(EMAIL_POLICY.slowAfter + 2, subject);
		await clearEmailFailures(testDb.db, subject.email);
		const verdict = await checkLoginThrottle(testDb.db, { ...subject, address: '198.51.100.2' }, T0);
		expect(verdict).toEqual({ allowed: true, delayMs: 0 });
	});
});
