// The sign-up that waits for its link (pending-signups.ts), against a real SMTP server started in
// the test: what is stored (and what is not), the link's 24 hours, that it works once, two
// sign-ups for one address (both links work until one makes the account; never a duplicate), an
// address that got an account meanwhile, and the sign-up limit per address still counted first.
// Finishing asks for the password chosen when signing up, so a stranger who signed up with someone
// else's address cannot have them make an account whose password the stranger knows; its tries are
// limited per link.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { signUp } from '$lib/server/auth/accounts';
import { verifyPassword } from '$lib/server/auth/passwords';
import { hashToken } from '$lib/server/auth/tokens';
import * as pendingSignUps from '$lib/server/auth/pending-signups';
import {
	ACCOUNT_MADE_ALREADY,
	deleteExpiredPendingSignUps,
	findPendingSignUp,
	finishSignUp,
	requestSignUp,
	SIGNUP_LINK_LIFETIME,
	SIGNUP_LINK_STOPPED,
	signUpEmailKey
} from '$lib/server/auth/pending-signups';
import { THROTTLE_WINDOW } from '$lib/server/throttle';
import { DEFAULT_SIGNUPS_PER_HOUR } from '$lib/server/auth/signup-throttle';
import type { Mail } from '$lib/server/mail';
import { isRefusal, type Refusal } from '$lib/server/refusal';
import { createTestDatabase, type TestDatabase } from './support/database';
import { startSmtpServer, type CapturedMail, type TestSmtpServer } from './support/smtp';

// The real argon2, watched: each call is one password really checked.
vi.mock('$lib/server/auth/passwords', async (importOriginal) => {
	const real = await importOriginal<typeof import('$lib/server/auth/passwords')>();
	return { ...real, verifyPassword: vi.fn(real.verifyPassword) };
});

// Not on main (so these tests fail there on their own): the words and the limit of a wrong password.
const { WRONG_SIGNUP_PASSWORD, FINISH_TRIES_PER_LINK, finishTriesKey } = pendingSignUps as unknown as {
	WRONG_SIGNUP_PASSWORD: string;
	FINISH_TRIES_PER_LINK: number;
	finishTriesKey: (token: string) => string;
};

const SITE = 'https://hearth.test';
const browser = { userAgent: 'vitest' };

let smtp: TestSmtpServer;
let mail: Mail;
let testDb: TestDatabase;
let people = 0;

beforeAll(async () => {
	smtp = await startSmtpServer();
	mail = smtp.mail(SITE);
});
afterAll(async () => {
	await smtp.close();
});
beforeEach(async () => {
	testDb = await createTestDatabase();
});
afterEach(async () => {
	await testDb.dispose();
});

const newPerson = () => ({ displayName: 'Ana', email: `pending${++people}-${Date.now()}@example.org`, password: 'a long passphrase', redirectTo: '/circles' });

function tokenIn(message: CapturedMail): string {
	const match = new RegExp(`${SITE}/create-account/([a-z0-9]+)`).exec(message.text);
	if (!match) throw new Error(`no sign-up link in: ${message.text}`);
	return match[1]!;
}

/** Asks to sign up and returns the link's token, once its message has arrived. */
async function linkFor(person: ReturnType<typeof newPerson>, { address = '203.0.113.7', now = Date.now() } = {}): Promise<string> {
	const before = smtp.to(person.email).length;
	const asked = await requestSignUp(testDb.db, mail, person, { address, now });
	if (!asked.ok) throw new Error('sign-up refused');
	await asked.sending;
	return tokenIn((await smtp.waitFor(person.email, before + 1)).at(-1)!);
}

async function refusalOf(work: Promise<unknown>): Promise<Refusal> {
	try {
		await work;
	} catch (caught) {
		if (isRefusal(caught)) return caught;
		throw caught;
	}
	throw new Error('expected a refusal');
}

const pendingRows = async () => (await testDb.all('SELECT * FROM pending_signups')) as Array<Record<string, unknown>>;
const usersWith = async (email: string) => (await testDb.all('SELECT * FROM users WHERE email = ?', email)) as Array<{ id: string }>;

describe('a sign-up waiting for its link', () => {
	it('stores the token’s SHA-256, the name and the password’s argon2 hash, never the password or the token', async () => {
		const person = newPerson();
		const token = await linkFor(person);
		const rows = await pendingRows();
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ id: hashToken(token), email: person.email, display_name: 'Ana', password_hash: expect.stringMatching(/^\$argon2id\$/) });
		expect(JSON.stringify(rows)).not.toContain(person.password);
		expect(JSON.stringify(rows)).not.toContain(token);
		expect(await usersWith(person.email)).toEqual([]);
	});

	it('stores nothing for an address that has an account', async () => {
		const person = newPerson();
		await signUp(testDb.db, person, { address: '198.51.100.9', userAgent: 'vitest' });
		const asked = await requestSignUp(testDb.db, mail, { ...person, displayName: 'Someone' }, { address: '203.0.113.7' });
		expect(asked.ok).toBe(true);
		if (asked.ok) await asked.sending;
		expect((await smtp.waitFor(person.email))[0]!.subject).toBe('Someone tried to create a Hearth account with this email');
		expect(await pendingRows()).toEqual([]);
		expect(await usersWith(person.email)).toHaveLength(1);
	});

	it('works once', async () => {
		const person = newPerson();
		const token = await linkFor(person);
		const finished = await finishSignUp(testDb.db, token, person.password, browser);
		expect(finished.signedIn.user.email).toBe(person.email);
		expect(await refusalOf(finishSignUp(testDb.db, token, person.password, browser))).toMatchObject({ reason: 'not-found', message: SIGNUP_LINK_STOPPED });
		expect(await usersWith(person.email)).toHaveLength(1);
		expect(await pendingRows()).toEqual([]);
	});

	it('lets only one of two presses of one link at the same moment through', async () => {
		const person = newPerson();
		const token = await linkFor(person);
		const results = await Promise.allSettled([
			finishSignUp(testDb.db, token, person.password, browser),
			finishSignUp(testDb.db, token, person.password, browser)
		]);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		expect(results.filter((r) => r.status === 'rejected' && isRefusal(r.reason) && r.reason.reason === 'not-found')).toHaveLength(1);
		expect(await usersWith(person.email)).toHaveLength(1);
	});

	it(`stops working after ${SIGNUP_LINK_LIFETIME / 3_600_000} hours, and housekeeping deletes it`, async () => {
		const person = newPerson();
		const asked = Date.now();
		const token = await linkFor(person, { now: asked });
		expect(SIGNUP_LINK_LIFETIME).toBe(24 * 60 * 60 * 1000);
		expect(await findPendingSignUp(testDb.db, token, asked + SIGNUP_LINK_LIFETIME - 1)).toEqual({ email: person.email, displayName: 'Ana' });
		expect(await findPendingSignUp(testDb.db, token, asked + SIGNUP_LINK_LIFETIME)).toBeNull();
		const late = await refusalOf(finishSignUp(testDb.db, token, person.password, { ...browser, now: asked + SIGNUP_LINK_LIFETIME }));
		expect(late.reason).toBe('not-found');
		expect(await usersWith(person.email)).toEqual([]);
		await deleteExpiredPendingSignUps(testDb.db, asked + SIGNUP_LINK_LIFETIME);
		expect(await pendingRows()).toEqual([]);
	});
});

describe('the password chosen when signing up', () => {
	const throttleKeys = async () => (await testDb.column('SELECT key FROM attempt_throttles ORDER BY key')) as string[];
	const triesOf = async (token: string) =>
		(await testDb.value('SELECT failures FROM attempt_throttles WHERE key = ?', finishTriesKey(token))) as number | undefined;

	it('a stranger who signed up with someone else’s address: the owner pressing the link makes nothing, and it still works for whoever signed up', async () => {
		const stranger = { ...newPerson(), displayName: 'Not you', password: 'the stranger’s passphrase' };
		const token = await linkFor(stranger);
		// The owner of the address opens the email and presses on, not knowing the stranger's password.
		for (const guess of ['my own passphrase', 'a long passphrase']) {
			const refused = await refusalOf(finishSignUp(testDb.db, token, guess, browser));
			expect(refused).toMatchObject({ reason: 'invalid', field: 'password', message: WRONG_SIGNUP_PASSWORD });
		}
		expect(await usersWith(stranger.email)).toEqual([]);
		expect(await testDb.value('SELECT COUNT(*) FROM sessions')).toBe(0);
		expect(await findPendingSignUp(testDb.db, token)).toEqual({ email: stranger.email, displayName: 'Not you' });

		const made = await finishSignUp(testDb.db, token, stranger.password, browser);
		expect(made.signedIn.user).toMatchObject({ email: stranger.email, displayName: 'Not you' });
		expect(await usersWith(stranger.email)).toHaveLength(1);
	});

	it('refuses a wrong password on its field and counts it against the link (a key holding only a hash of the token)', async () => {
		const person = newPerson();
		const token = await linkFor(person);
		expect(await triesOf(token)).toBeUndefined();
		const keysBefore = await throttleKeys();
		expect(await refusalOf(finishSignUp(testDb.db, token, 'not the passphrase', browser))).toMatchObject({
			reason: 'invalid',
			field: 'password',
			message: 'That isn’t the password you chose when you signed up. If you didn’t sign up, close this page: nothing is made.'
		});
		expect(await triesOf(token)).toBe(1);
		const keys = (await throttleKeys()).filter((key) => !keysBefore.includes(key));
		expect(keys).toEqual([finishTriesKey(token)]);
		expect(keys[0]).not.toContain(token);
		expect(keys[0]).not.toContain(hashToken(token));
		expect(await pendingRows()).toHaveLength(1);

		// The right one makes the account once; the link's count goes with the link.
		await finishSignUp(testDb.db, token, person.password, browser);
		expect(await usersWith(person.email)).toHaveLength(1);
		expect(await triesOf(token)).toBeUndefined();
	});

	it(`holds parallel wrong tries to ${5} per link: exactly that many are checked, then even the right one waits`, async () => {
		const person = newPerson();
		const token = await linkFor(person);
		const now = Date.now();
		expect(FINISH_TRIES_PER_LINK).toBe(5);
		vi.mocked(verifyPassword).mockClear();
		const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => finishSignUp(testDb.db, token, `wrong guess ${i}`, { ...browser, now })));
		const reasons = results.map((r) => (r.status === 'rejected' && isRefusal(r.reason) ? r.reason.reason : r.status));
		expect(reasons.filter((r) => r === 'invalid')).toHaveLength(FINISH_TRIES_PER_LINK);
		expect(reasons.filter((r) => r === 'throttled')).toHaveLength(20 - FINISH_TRIES_PER_LINK);
		expect(vi.mocked(verifyPassword)).toHaveBeenCalledTimes(FINISH_TRIES_PER_LINK);
		const waiting = results.find((r) => r.status === 'rejected' && isRefusal(r.reason) && r.reason.reason === 'throttled') as PromiseRejectedResult;
		expect((waiting.reason as Refusal).retryAfterMs).toBe(THROTTLE_WINDOW);

		const held = await refusalOf(finishSignUp(testDb.db, token, person.password, { ...browser, now: now + THROTTLE_WINDOW - 1 }));
		expect(held.reason).toBe('throttled');
		expect(vi.mocked(verifyPassword)).toHaveBeenCalledTimes(FINISH_TRIES_PER_LINK);
		expect(await usersWith(person.email)).toEqual([]);

		// Once the window has passed, the link still works for the person who signed up.
		const made = await finishSignUp(testDb.db, token, person.password, { ...browser, now: now + THROTTLE_WINDOW });
		expect(made.signedIn.user.email).toBe(person.email);
		expect(await usersWith(person.email)).toHaveLength(1);
	});

	it('counts each link on its own: wrong tries on one do not hold up another', async () => {
		const person = newPerson();
		const first = await linkFor(person);
		const second = await linkFor(person, { address: '203.0.113.8' });
		for (let i = 0; i < FINISH_TRIES_PER_LINK; i++) await refusalOf(finishSignUp(testDb.db, first, `wrong ${i}`, browser));
		expect((await refusalOf(finishSignUp(testDb.db, first, person.password, browser))).reason).toBe('throttled');
		expect((await finishSignUp(testDb.db, second, person.password, browser)).signedIn.user.email).toBe(person.email);
	});

	it('an unknown or used link is "no longer works" whatever password is given, and counts nothing', async () => {
		const person = newPerson();
		const token = await linkFor(person);
		await finishSignUp(testDb.db, token, person.password, browser);
		const keysBefore = await throttleKeys();
		for (const password of [person.password, 'a wrong one']) {
			expect(await refusalOf(finishSignUp(testDb.db, token, password, browser))).toMatchObject({ reason: 'not-found', message: SIGNUP_LINK_STOPPED });
		}
		expect(await refusalOf(finishSignUp(testDb.db, 'a'.repeat(40), 'anything', browser))).toMatchObject({ reason: 'not-found' });
		expect(await throttleKeys()).toEqual(keysBefore);
		expect(await triesOf(token)).toBeUndefined();
	});
});

describe('two sign-ups for one address', () => {
	it('both links work until one makes the account; then the other no longer works, and there is one account', async () => {
		const person = newPerson();
		const first = await linkFor(person);
		const again = { ...person, displayName: 'Ana again', password: 'another long passphrase' };
		const second = await linkFor(again, { address: '203.0.113.8' });
		expect(await findPendingSignUp(testDb.db, first)).not.toBeNull();
		expect(await findPendingSignUp(testDb.db, second)).not.toBeNull();

		const made = await finishSignUp(testDb.db, second, again.password, browser);
		expect(made.signedIn.user.displayName).toBe('Ana again');
		expect(await findPendingSignUp(testDb.db, first)).toBeNull();
		const late = await refusalOf(finishSignUp(testDb.db, first, person.password, browser));
		expect(late).toMatchObject({ reason: 'not-found', message: SIGNUP_LINK_STOPPED });
		expect(late.message).toContain('the account was made with another link we sent');
		expect(await usersWith(person.email)).toHaveLength(1);
		expect(await pendingRows()).toEqual([]);
	});

	it('followed at the same moment, make one account; the other is told', async () => {
		const person = newPerson();
		const tokens = [await linkFor(person), await linkFor(person, { address: '203.0.113.8' })];
		const results = await Promise.allSettled(tokens.map((token) => finishSignUp(testDb.db, token, person.password, browser)));
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
		expect(isRefusal(refused.reason)).toBe(true);
		expect([SIGNUP_LINK_STOPPED, ACCOUNT_MADE_ALREADY]).toContain((refused.reason as Refusal).message);
		expect(await usersWith(person.email)).toHaveLength(1);
	});

	it('an address that got an account meanwhile (another way in): no duplicate, a clear answer', async () => {
		const person = newPerson();
		const token = await linkFor(person);
		await signUp(testDb.db, person, { address: '198.51.100.9', userAgent: 'vitest' });
		expect(await refusalOf(finishSignUp(testDb.db, token, person.password, browser))).toMatchObject({ reason: 'conflict', message: ACCOUNT_MADE_ALREADY });
		expect(await usersWith(person.email)).toHaveLength(1);
		expect(await pendingRows()).toEqual([]);
	});
});

describe('the limits', () => {
	it('counts the sign-up limit per address first: past it, nothing is counted for the email, stored or sent', async () => {
		const now = Date.now();
		for (let i = 0; i < DEFAULT_SIGNUPS_PER_HOUR; i++) {
			const asked = await requestSignUp(testDb.db, mail, newPerson(), { address: '192.0.2.1', now });
			expect(asked.ok).toBe(true);
			if (asked.ok) await asked.sending;
		}
		const person = newPerson();
		const refused = await requestSignUp(testDb.db, mail, person, { address: '192.0.2.1', now });
		expect(refused).toEqual({ ok: false, reason: 'throttled', limit: 'address', retryAfterMs: 60 * 60 * 1000 });
		const counted = await testDb.value('SELECT COUNT(*) FROM attempt_throttles WHERE key = ?', signUpEmailKey(person.email));
		expect(counted).toBe(0);
		expect((await pendingRows()).filter((row) => row.email === person.email)).toEqual([]);
		expect(smtp.to(person.email)).toEqual([]);
	});
});
