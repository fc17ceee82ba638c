// The log-in and sign-up limits under real parallel requests: many logIn / signUp calls at once,
// through the real code (real SQLite, real argon2), counting how many passwords were really
// checked or hashed. The numbers are the promises README makes ("Accounts and sessions"): an email
// gets 10 tries from one address, 30 from everywhere together, an address 100 across all emails,
// each per 15 minutes; a browser that has signed in to the account before gets its own 10; an
// address may make 10 accounts an hour. A password reset makes its browser known and clears the
// email's counts, so the person who reset can log in at once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logIn, signUp, type LogInResult, type SignUpResult } from '$lib/server/auth/accounts';
import { issueEmailToken } from '$lib/server/auth/email-tokens';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from '$lib/server/auth/passwords';
import { resetPassword, RESET_LINK_LIFETIME } from '$lib/server/auth/password-reset';
import { createTestDatabase, type TestDatabase } from './support/database';

// The real functions, watched: each call is one password really checked (or hashed).
vi.mock('$lib/server/auth/passwords', async (importOriginal) => {
	const real = await importOriginal<typeof import('$lib/server/auth/passwords')>();
	return { ...real, hashPassword: vi.fn(real.hashPassword), verifyPassword: vi.fn(real.verifyPassword), verifyAgainstDecoy: vi.fn(real.verifyAgainstDecoy) };
});

const passwordsChecked = () => vi.mocked(verifyPassword).mock.calls.length + vi.mocked(verifyAgainstDecoy).mock.calls.length;
const passwordsHashed = () => vi.mocked(hashPassword).mock.calls.length;

let testDb: TestDatabase;
const MINUTE = 60_000;
const ana = { displayName: 'Ana', email: 'ana@example.org', password: 'a long passphrase' };
const anasHome = { address: '203.0.113.7', userAgent: 'Firefox on Android' };
const wrong = { email: ana.email, password: 'a wrong guess' };
const right = { email: ana.email, password: ana.password };

/** The browser token a sign-in hands back for the `hearth_device` cookie ('' when there is none). */
function deviceOf(result: SignUpResult | LogInResult): string {
	return (result.ok && result.signedIn.device?.token) || '';
}

function tally(results: LogInResult[]) {
	return {
		incorrect: results.filter((r) => !r.ok && r.reason === 'incorrect').length,
		throttled: results.filter((r) => !r.ok && r.reason === 'throttled').length,
		signedIn: results.filter((r) => r.ok).length
	};
}

const parallel = <T>(count: number, attempt: (index: number) => Promise<T>) => Promise.all(Array.from({ length: count }, (_, index) => attempt(index)));

/** Ana's account, made on her phone: returns the phone's device token. */
async function anaSignsUp(): Promise<string> {
	const signedUp = await signUp(testDb.db, ana, anasHome);
	expect(signedUp.ok).toBe(true);
	vi.mocked(verifyPassword).mockClear();
	vi.mocked(verifyAgainstDecoy).mockClear();
	vi.mocked(hashPassword).mockClear();
	return deviceOf(signedUp);
}

beforeEach(async () => {
	testDb = await createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

describe('a burst of parallel wrong logins', () => {
	it('is counted exactly: of 60 at once for one email from one address, 10 are checked and 50 refused', async () => {
		await anaSignsUp();
		const stranger = { address: '198.51.100.20', userAgent: 'curl' };
		const results = await parallel(60, () => logIn(testDb.db, wrong, stranger));
		expect(passwordsChecked()).toBe(10);
		expect(tally(results)).toEqual({ incorrect: 10, throttled: 50, signedIn: 0 });
		// And the next one, even with the right password, from there, waits too.
		expect(await logIn(testDb.db, right, stranger)).toMatchObject({ ok: false, reason: 'throttled' });
		expect(passwordsChecked()).toBe(10);
	});

	it('from many addresses, checks at most 30 for one email', async () => {
		await anaSignsUp();
		const results = await parallel(100, (i) => logIn(testDb.db, wrong, { address: `198.51.100.${i}`, userAgent: 'curl' }));
		expect(passwordsChecked()).toBe(30);
		expect(tally(results)).toEqual({ incorrect: 30, throttled: 70, signedIn: 0 });
	});

	it('for an email with no account is counted the same way, so the answers tell nothing', async () => {
		await anaSignsUp();
		const nobody = { email: 'nobody@example.org', password: 'a wrong guess' };
		const stranger = { address: '198.51.100.20', userAgent: 'curl' };
		const forNobody = tally(await parallel(20, () => logIn(testDb.db, nobody, stranger)));
		const forAna = tally(await parallel(20, () => logIn(testDb.db, wrong, { ...stranger, address: '198.51.100.21' })));
		expect(forNobody).toEqual({ incorrect: 10, throttled: 10, signedIn: 0 });
		expect(forAna).toEqual(forNobody);
	});
});

describe('a stranger’s wrong guesses do not lock the owner out', () => {
	it('from one address: the owner still logs in, on her phone and on a new computer at home', async () => {
		const phone = await anaSignsUp();
		await parallel(60, () => logIn(testDb.db, wrong, { address: '198.51.100.20', userAgent: 'curl' }));
		expect((await logIn(testDb.db, right, { ...anasHome, deviceToken: phone })).ok).toBe(true);
		expect((await logIn(testDb.db, right, { ...anasHome, userAgent: 'Safari on Mac' })).ok).toBe(true);
	});

	it('from many addresses: the owner still logs in on a device she has used before, again and again', async () => {
		const phone = await anaSignsUp();
		for (let round = 0; round < 3; round++) {
			await parallel(100, (i) => logIn(testDb.db, wrong, { address: `198.51.${round}.${i}`, userAgent: 'curl' }));
			const onPhone = await logIn(testDb.db, right, { ...anasHome, deviceToken: phone });
			expect(onPhone.ok).toBe(true);
		}
		// A computer she never used waits, like the stranger: nothing tells it apart from one.
		expect(await logIn(testDb.db, right, { ...anasHome, userAgent: 'Safari on Mac' })).toMatchObject({ ok: false, reason: 'throttled', knownDevice: false });
	});

	it('a stolen device token helps only for its own account, and gets 10 guesses like anyone', async () => {
		const phone = await anaSignsUp();
		const sam = { displayName: 'Sam', email: 'sam@example.org', password: 'another passphrase' };
		expect((await signUp(testDb.db, sam, { address: '192.0.2.4', userAgent: 'vitest' })).ok).toBe(true);
		vi.mocked(verifyPassword).mockClear();
		const thief = { address: '198.51.100.66', userAgent: 'curl', deviceToken: phone };
		const onAna = tally(await parallel(30, () => logIn(testDb.db, wrong, thief)));
		expect(onAna).toEqual({ incorrect: 10, throttled: 20, signedIn: 0 });
		// On Sam's email the phone is just a stranger's device: it gets the stranger's limits.
		await parallel(30, (i) => logIn(testDb.db, { email: sam.email, password: 'a wrong guess' }, { ...thief, address: `198.51.101.${i}` }));
		expect(passwordsChecked()).toBe(10 + 30);
	});
});

describe('a right password', () => {
	it('does not count: nine mistakes, the right one, and there is still one try left', async () => {
		await anaSignsUp();
		const laptop = { address: '192.0.2.10', userAgent: 'Firefox on Linux' };
		for (let i = 0; i < 9; i++) await logIn(testDb.db, wrong, laptop);
		expect((await logIn(testDb.db, right, laptop)).ok).toBe(true);
		expect(await logIn(testDb.db, wrong, laptop)).toEqual({ ok: false, reason: 'incorrect' });
		expect(await logIn(testDb.db, right, laptop)).toMatchObject({ ok: false, reason: 'throttled' });
	});

	it('on a known device clears that device’s mistakes (only it could have made them)', async () => {
		const phone = await anaSignsUp();
		const onPhone = { ...anasHome, deviceToken: phone };
		for (let i = 0; i < 9; i++) await logIn(testDb.db, wrong, onPhone);
		expect((await logIn(testDb.db, right, onPhone)).ok).toBe(true);
		const later = tally(await parallel(12, () => logIn(testDb.db, wrong, onPhone)));
		expect(later).toEqual({ incorrect: 10, throttled: 2, signedIn: 0 });
	});

	it('lets the count run out with its window', async () => {
		await anaSignsUp();
		const now = Date.now();
		const stranger = { address: '198.51.100.20', userAgent: 'curl' };
		await parallel(12, () => logIn(testDb.db, wrong, { ...stranger, now }));
		const refused = await logIn(testDb.db, right, { ...stranger, now: now + MINUTE });
		expect(refused).toMatchObject({ ok: false, reason: 'throttled' });
		if (refused.ok || refused.reason !== 'throttled') return;
		expect(refused.retryAfterMs).toBe(14 * MINUTE);
		expect((await logIn(testDb.db, right, { ...stranger, now: now + 15 * MINUTE })).ok).toBe(true);
	});
});

describe('a home network shared by a family', () => {
	const home = { address: '203.0.113.50', userAgent: 'Chrome on Windows' };

	it('takes 60 mistakes across the family’s emails and still lets each of them in', async () => {
		const phone = await anaSignsUp();
		// Someone at home mistypes, again and again, for sixty different emails.
		await parallel(60, (i) => logIn(testDb.db, { email: `guess${i}@example.org`, password: 'a wrong guess' }, home));
		expect(passwordsChecked()).toBe(60);
		expect((await logIn(testDb.db, right, { ...home, userAgent: 'Safari on iPad' })).ok).toBe(true);
		expect((await logIn(testDb.db, right, { ...home, deviceToken: phone })).ok).toBe(true);
	});

	it('stops a flood from that address at 100 checks, and a device used before still gets in', async () => {
		const phone = await anaSignsUp();
		const results = await parallel(150, (i) => logIn(testDb.db, { email: `guess${i}@example.org`, password: 'a wrong guess' }, home));
		expect(passwordsChecked()).toBe(100);
		expect(tally(results)).toEqual({ incorrect: 100, throttled: 50, signedIn: 0 });
		expect((await logIn(testDb.db, right, { ...home, deviceToken: phone })).ok).toBe(true);
		expect(await logIn(testDb.db, right, { ...home, userAgent: 'Safari on iPad' })).toMatchObject({ ok: false, reason: 'throttled' });
	});
});

describe('parallel sign-ups from one address', () => {
	const person = (i: number) => ({ displayName: `Person ${i}`, email: `person${i}@example.org`, password: 'a long passphrase' });
	const one = { address: '198.51.100.30', userAgent: 'curl' };

	it('stop at 10 an hour: 40 at once make 10 accounts and hash 10 passwords', async () => {
		const results = await parallel(40, (i) => signUp(testDb.db, person(i), one));
		expect(results.filter((r) => r.ok)).toHaveLength(10);
		expect(results.filter((r) => !r.ok && r.reason === 'throttled')).toHaveLength(30);
		expect(passwordsHashed()).toBe(10);
		expect(await testDb.value('SELECT COUNT(*) FROM users')).toBe(10);
		// Another address is not held up, and this one may go on after the hour.
		expect((await signUp(testDb.db, person(100), { ...one, address: '198.51.100.31' })).ok).toBe(true);
		expect((await signUp(testDb.db, person(101), { ...one, now: Date.now() + 61 * MINUTE })).ok).toBe(true);
	});

	it('say when to come back', async () => {
		const now = Date.now();
		await parallel(10, (i) => signUp(testDb.db, person(i), { ...one, now }));
		const refused = await signUp(testDb.db, person(10), { ...one, now: now + 20 * MINUTE });
		expect(refused).toEqual({ ok: false, reason: 'throttled', retryAfterMs: 40 * MINUTE });
	});
});

describe('a password reset', () => {
	const newPassword = 'a brand new passphrase';
	const afterReset = { email: ana.email, password: newPassword };
	const strangers = (round: number) => (i: number) => logIn(testDb.db, wrong, { address: `198.51.${round}.${i}`, userAgent: 'curl' });

	/** Ana follows a reset link in the browser with this device token (none: a browser new to Hearth). */
	async function anaResets(deviceToken?: string) {
		const user = testDb.db.selectFrom('users').select('id').where('email', '=', ana.email);
		const { id } = await user.executeTakeFirstOrThrow();
		const token = await issueEmailToken(testDb.db, {
			userId: id,
			purpose: 'reset-password',
			email: ana.email,
			lifetimeMs: RESET_LINK_LIFETIME,
			now: Date.now()
		});
		return resetPassword(testDb.db, token, newPassword, Date.now(), deviceToken);
	}

	it('on a new browser during a flood: that browser is known from then on, and logs in at once, flood or not', async () => {
		await anaSignsUp();
		await parallel(100, strangers(0));
		const mac = { ...anasHome, userAgent: 'Safari on Mac' };
		expect(await logIn(testDb.db, right, mac)).toMatchObject({ ok: false, reason: 'throttled' });

		const reset = await anaResets();
		// The guessing goes on, against the new password now.
		await parallel(100, strangers(1));
		expect((await logIn(testDb.db, afterReset, { ...mac, deviceToken: reset.device.token })).ok).toBe(true);
	});

	it('clears what was counted against the email, so once a flood stops any browser can log in', async () => {
		await anaSignsUp();
		// Someone at home mistyped it ten times, then strangers filled the email's count.
		await parallel(12, () => logIn(testDb.db, wrong, anasHome));
		await parallel(100, strangers(0));
		const ipad = { ...anasHome, userAgent: 'Safari on iPad' };
		expect(await logIn(testDb.db, right, ipad)).toMatchObject({ ok: false, reason: 'throttled' });
		await anaResets();
		expect((await logIn(testDb.db, afterReset, ipad)).ok).toBe(true);
	});

	it('on the phone where she forgot it: her own ten wrong tries there no longer hold her up', async () => {
		const phone = await anaSignsUp();
		const onPhone = { ...anasHome, deviceToken: phone };
		await parallel(12, () => logIn(testDb.db, wrong, onPhone));
		expect(await logIn(testDb.db, right, onPhone)).toMatchObject({ ok: false, reason: 'throttled', knownDevice: true });
		const reset = await anaResets(phone);
		expect(reset.device.token).toBe(phone);
		expect((await logIn(testDb.db, afterReset, onPhone)).ok).toBe(true);
	});
});
