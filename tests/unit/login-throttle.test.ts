// The counters underneath the login and sign-up limits (throttle.ts, login-throttle.ts): taking a
// place before the work, refusing when full without counting, giving a place back, windows, and
// what the rows hold. login-limits.test.ts runs the limits through logIn and signUp in parallel.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
	ADDRESS_LIMIT,
	DEVICE_LIMIT,
	EMAIL_LIMIT,
	PAIR_LIMIT,
	THROTTLE_WINDOW,
	loginSucceeded,
	takeLoginAttempt,
	type LoginSubject
} from '$lib/server/auth/login-throttle';
import { deleteStaleThrottles, giveBackAttempt, takeAttempt, type AttemptKey } from '$lib/server/throttle';
import { takeSignUpAttempt, signUpLimit } from '$lib/server/auth/signup-throttle';
import { createTestDatabase, type TestDatabase } from './support/database';

let testDb: TestDatabase;
const T0 = Date.UTC(2026, 5, 1);
const HOUR = 60 * 60 * 1000;

beforeEach(async () => {
	testDb = await createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

const rows = async () =>
	(await testDb.all('SELECT key, failures, window_started_at, window_ms FROM attempt_throttles ORDER BY key')) as Array<{
		key: string;
		failures: number;
		window_started_at: number;
		window_ms: number;
	}>;

describe('counting attempts', () => {
	const three: AttemptKey = ['test:a', { limit: 3, windowMs: THROTTLE_WINDOW }];

	it('lets `limit` attempts through in a window, refuses the next until the window ends, then starts again', async () => {
		for (let i = 0; i < 3; i++) expect(await takeAttempt(testDb.db, [three], T0 + i)).toMatchObject({ allowed: true });
		expect(await takeAttempt(testDb.db, [three], T0 + 1000)).toEqual({ allowed: false, retryAfterMs: THROTTLE_WINDOW - 1000 });
		expect(await takeAttempt(testDb.db, [three], T0 + THROTTLE_WINDOW)).toMatchObject({ allowed: true });
		expect(await rows()).toEqual([{ key: 'test:a', failures: 1, window_started_at: T0 + THROTTLE_WINDOW, window_ms: THROTTLE_WINDOW }]);
	});

	it('gives every one of many attempts at once its own place, and refuses those past the limit', async () => {
		const verdicts = await Promise.all(Array.from({ length: 20 }, () => takeAttempt(testDb.db, [three], T0)));
		expect(verdicts.filter((v) => v.allowed)).toHaveLength(3);
		expect(await rows()).toMatchObject([{ key: 'test:a', failures: 3 }]);
	});

	it('counts nothing for a refused attempt, on any of its keys', async () => {
		const roomy: AttemptKey = ['test:b', { limit: 100, windowMs: THROTTLE_WINDOW }];
		for (let i = 0; i < 3; i++) await takeAttempt(testDb.db, [roomy, three], T0);
		expect(await takeAttempt(testDb.db, [roomy, three], T0)).toMatchObject({ allowed: false });
		expect((await rows()).map(({ key, failures }) => [key, failures])).toEqual([
			['test:a', 3],
			['test:b', 3]
		]);
	});

	it('gives a place back only in the window it was taken in', async () => {
		const first = await takeAttempt(testDb.db, [three], T0);
		if (!first.allowed) throw new Error('refused');
		await takeAttempt(testDb.db, [three], T0 + 1);
		await giveBackAttempt(testDb.db, first.taken);
		expect(await rows()).toMatchObject([{ failures: 1 }]);
		const old = await takeAttempt(testDb.db, [three], T0 + 2);
		if (!old.allowed) throw new Error('refused');
		await takeAttempt(testDb.db, [three], T0 + THROTTLE_WINDOW); // a new window
		await giveBackAttempt(testDb.db, old.taken);
		expect(await rows()).toMatchObject([{ failures: 1, window_started_at: T0 + THROTTLE_WINDOW }]);
	});

	it('drops a counter once its own window is over, an hour for sign-ups', async () => {
		await takeAttempt(testDb.db, [three], T0);
		await takeSignUpAttempt(testDb.db, '198.51.100.1', T0);
		await deleteStaleThrottles(testDb.db, T0 + THROTTLE_WINDOW);
		expect((await rows()).map(({ key }) => key)).toEqual(['signup-ip:198.51.100.1']);
		await deleteStaleThrottles(testDb.db, T0 + HOUR);
		expect(await rows()).toEqual([]);
	});
});

describe('login limits', () => {
	const stranger: LoginSubject = { email: 'ana@example.org', address: '198.51.100.9', knownDevice: null };

	it('count an unknown browser per email and address, per email and per address, and keep no email in the clear', async () => {
		await takeLoginAttempt(testDb.db, stranger, T0);
		const keys = (await rows()).map(({ key }) => key);
		expect(keys).toHaveLength(3);
		expect(keys.filter((key) => key.startsWith('login-pair:') && key.endsWith(':198.51.100.9'))).toHaveLength(1);
		expect(keys.filter((key) => key.startsWith('login-email:'))).toHaveLength(1);
		expect(keys).toContain('login-ip:198.51.100.9');
		expect(JSON.stringify(keys)).not.toContain('ana');
		expect([PAIR_LIMIT.limit, EMAIL_LIMIT.limit, ADDRESS_LIMIT.limit]).toEqual([10, 30, 100]);
	});

	it('count a known browser on its own key only, which a success clears', async () => {
		const onPhone: LoginSubject = { ...stranger, knownDevice: { tokenHash: 'ab'.repeat(32), userId: 'user-1' } };
		const attempts = await Promise.all(Array.from({ length: DEVICE_LIMIT.limit }, () => takeLoginAttempt(testDb.db, onPhone, T0)));
		expect(await rows()).toEqual([expect.objectContaining({ failures: 10 })]);
		expect((await rows())[0]!.key).toMatch(/^login-device:[0-9a-f]{64}$/);
		expect(await takeLoginAttempt(testDb.db, onPhone, T0)).toMatchObject({ allowed: false });
		const last = attempts[9]!;
		if (!last.allowed) throw new Error('refused');
		await loginSucceeded(testDb.db, onPhone, last.taken);
		expect(await rows()).toEqual([]);
	});

	it('give back a right password’s place on an unknown browser, and keep the mistakes', async () => {
		await takeLoginAttempt(testDb.db, stranger, T0);
		const right = await takeLoginAttempt(testDb.db, stranger, T0);
		if (!right.allowed) throw new Error('refused');
		await loginSucceeded(testDb.db, stranger, right.taken);
		expect((await rows()).map(({ failures }) => failures)).toEqual([1, 1, 1]);
	});
});

describe('the sign-up limit', () => {
	it('is 10 an hour unless SIGNUPS_PER_ADDRESS_PER_HOUR says otherwise (a whole number above 0)', () => {
		expect(signUpLimit({})).toEqual({ limit: 10, windowMs: HOUR });
		expect(signUpLimit({ SIGNUPS_PER_ADDRESS_PER_HOUR: '500' })).toEqual({ limit: 500, windowMs: HOUR });
		for (const odd of ['', '0', '-3', '2.5', 'many']) expect(signUpLimit({ SIGNUPS_PER_ADDRESS_PER_HOUR: odd }).limit).toBe(10);
	});
});
