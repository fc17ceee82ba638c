// The sign-up that waits for its link (pending-signups.ts), against a real SMTP server started in
// the test: what is stored (and what is not), the link's 24 hours, that it works once, two
// sign-ups for one address (both links work until one makes the account; never a duplicate), an
// address that got an account meanwhile, and the sign-up limit per address still counted first.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signUp } from '$lib/server/auth/accounts';
import { hashToken } from '$lib/server/auth/tokens';
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
import { DEFAULT_SIGNUPS_PER_HOUR } from '$lib/server/auth/signup-throttle';
import type { Mail } from '$lib/server/mail';
import { isRefusal, type Refusal } from '$lib/server/refusal';
import { createTestDatabase, type TestDatabase } from './support/database';
import { startSmtpServer, type CapturedMail, type TestSmtpServer } from './support/smtp';

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
beforeEach(() => {
	testDb = createTestDatabase();
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

const pendingRows = () => testDb.sqlite.prepare('SELECT * FROM pending_signups').all() as Array<Record<string, unknown>>;
const usersWith = (email: string) => testDb.sqlite.prepare('SELECT * FROM users WHERE email = ?').all(email) as Array<{ id: string }>;

describe('a sign-up waiting for its link', () => {
	it('stores the token’s SHA-256, the name and the password’s argon2 hash, never the password or the token', async () => {
		const person = newPerson();
		const token = await linkFor(person);
		const rows = pendingRows();
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ id: hashToken(token), email: person.email, display_name: 'Ana', password_hash: expect.stringMatching(/^\$argon2id\$/) });
		expect(JSON.stringify(rows)).not.toContain(person.password);
		expect(JSON.stringify(rows)).not.toContain(token);
		expect(usersWith(person.email)).toEqual([]);
	});

	it('stores nothing for an address that has an account', async () => {
		const person = newPerson();
		await signUp(testDb.db, person, { address: '198.51.100.9', userAgent: 'vitest' });
		const asked = await requestSignUp(testDb.db, mail, { ...person, displayName: 'Someone' }, { address: '203.0.113.7' });
		expect(asked.ok).toBe(true);
		if (asked.ok) await asked.sending;
		expect((await smtp.waitFor(person.email))[0]!.subject).toBe('Someone tried to create a Hearth account with this email');
		expect(pendingRows()).toEqual([]);
		expect(usersWith(person.email)).toHaveLength(1);
	});

	it('works once', async () => {
		const person = newPerson();
		const token = await linkFor(person);
		const finished = await finishSignUp(testDb.db, token, browser);
		expect(finished.signedIn.user.email).toBe(person.email);
		expect(await refusalOf(finishSignUp(testDb.db, token, browser))).toMatchObject({ reason: 'not-found', message: SIGNUP_LINK_STOPPED });
		expect(usersWith(person.email)).toHaveLength(1);
		expect(pendingRows()).toEqual([]);
	});

	it('lets only one of two presses of one link at the same moment through', async () => {
		const person = newPerson();
		const token = await linkFor(person);
		const results = await Promise.allSettled([finishSignUp(testDb.db, token, browser), finishSignUp(testDb.db, token, browser)]);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		expect(results.filter((r) => r.status === 'rejected' && isRefusal(r.reason) && r.reason.reason === 'not-found')).toHaveLength(1);
		expect(usersWith(person.email)).toHaveLength(1);
	});

	it(`stops working after ${SIGNUP_LINK_LIFETIME / 3_600_000} hours, and housekeeping deletes it`, async () => {
		const person = newPerson();
		const asked = Date.now();
		const token = await linkFor(person, { now: asked });
		expect(SIGNUP_LINK_LIFETIME).toBe(24 * 60 * 60 * 1000);
		expect(await findPendingSignUp(testDb.db, token, asked + SIGNUP_LINK_LIFETIME - 1)).toEqual({ email: person.email, displayName: 'Ana' });
		expect(await findPendingSignUp(testDb.db, token, asked + SIGNUP_LINK_LIFETIME)).toBeNull();
		const late = await refusalOf(finishSignUp(testDb.db, token, { ...browser, now: asked + SIGNUP_LINK_LIFETIME }));
		expect(late.reason).toBe('not-found');
		expect(usersWith(person.email)).toEqual([]);
		await deleteExpiredPendingSignUps(testDb.db, asked + SIGNUP_LINK_LIFETIME);
		expect(pendingRows()).toEqual([]);
	});
});

describe('two sign-ups for one address', () => {
	it('both links work until one makes the account; then the other no longer works, and there is one account', async () => {
		const person = newPerson();
		const first = await linkFor(person);
		const second = await linkFor({ ...person, displayName: 'Ana again', password: 'another long passphrase' }, { address: '203.0.113.8' });
		expect(await findPendingSignUp(testDb.db, first)).not.toBeNull();
		expect(await findPendingSignUp(testDb.db, second)).not.toBeNull();

		const made = await finishSignUp(testDb.db, second, browser);
		expect(made.signedIn.user.displayName).toBe('Ana again');
		expect(await findPendingSignUp(testDb.db, first)).toBeNull();
		const late = await refusalOf(finishSignUp(testDb.db, first, browser));
		expect(late).toMatchObject({ reason: 'not-found', message: SIGNUP_LINK_STOPPED });
		expect(late.message).toContain('the account was made with another link we sent');
		expect(usersWith(person.email)).toHaveLength(1);
		expect(pendingRows()).toEqual([]);
	});

	it('followed at the same moment, make one account; the other is told', async () => {
		const person = newPerson();
		const tokens = [await linkFor(person), await linkFor(person, { address: '203.0.113.8' })];
		const results = await Promise.allSettled(tokens.map((token) => finishSignUp(testDb.db, token, browser)));
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
		expect(isRefusal(refused.reason)).toBe(true);
		expect([SIGNUP_LINK_STOPPED, ACCOUNT_MADE_ALREADY]).toContain((refused.reason as Refusal).message);
		expect(usersWith(person.email)).toHaveLength(1);
	});

	it('an address that got an account meanwhile (another way in): no duplicate, a clear answer', async () => {
		const person = newPerson();
		const token = await linkFor(person);
		await signUp(testDb.db, person, { address: '198.51.100.9', userAgent: 'vitest' });
		expect(await refusalOf(finishSignUp(testDb.db, token, browser))).toMatchObject({ reason: 'conflict', message: ACCOUNT_MADE_ALREADY });
		expect(usersWith(person.email)).toHaveLength(1);
		expect(pendingRows()).toEqual([]);
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
		const counted = testDb.sqlite.prepare('SELECT COUNT(*) FROM attempt_throttles WHERE key = ?').pluck().get(signUpEmailKey(person.email));
		expect(counted).toBe(0);
		expect(pendingRows().filter((row) => row.email === person.email)).toEqual([]);
		expect(smtp.to(person.email)).toEqual([]);
	});
});
