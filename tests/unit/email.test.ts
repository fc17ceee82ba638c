// Password reset, email confirmation and change of email against a real SMTP server started in
// the test (support/smtp.ts): what arrives, what the links do, what is stored, and the limits.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signUp } from '$lib/server/auth/accounts';
import { hashToken } from '$lib/server/auth/tokens';
import { verifyPassword } from '$lib/server/auth/passwords';
import { createSession, validateSessionToken, type SessionUser } from '$lib/server/auth/sessions';
import {
	findPasswordReset,
	requestPasswordReset,
	resetPassword,
	RESET_ADDRESS_LIMIT,
	RESET_EMAIL_LIMIT,
	RESET_LINK_LIFETIME,
	RESET_LINK_STOPPED
} from '$lib/server/auth/password-reset';
import {
	ADDRESS_TAKEN_MEANWHILE,
	ALREADY_CONFIRMED,
	cancelEmailChange,
	CONFIRM_LINK_LIFETIME,
	CONFIRM_RESEND_LIMIT,
	confirmEmail,
	emailStatus,
	findEmailConfirmation,
	resendEmailConfirmation,
	sendAccountConfirmation
} from '$lib/server/auth/email-confirmation';
import { changeDisplayName, EMAIL_CHANGE_LIMIT, EMAIL_IN_USE, requestEmailChange, SAME_EMAIL, WRONG_CURRENT_PASSWORD } from '$lib/server/auth/profile';
import { deleteExpiredEmailTokens } from '$lib/server/auth/email-tokens';
import { THROTTLE_WINDOW } from '$lib/server/throttle';
import type { Mail } from '$lib/server/mail';
import { isRefusal, type Refusal } from '$lib/server/refusal';
import { createTestDatabase, type TestDatabase } from './support/database';
import { startSmtpServer, type CapturedMail, type TestSmtpServer } from './support/smtp';
import { expectKindAndPrivate } from './support/mail-content';

const SITE = 'https://hearth.test';
const PASSWORD = 'a long passphrase';
const context = { address: '203.0.113.7', userAgent: 'vitest' };

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

/** A new account (signed up as people do) with its own address; confirmed unless asked not to be. */
async function person({ confirmed = true } = {}): Promise<SessionUser> {
	const email = `person${++people}-${Date.now()}@example.org`;
	const result = await signUp(testDb.db, { displayName: 'Ana', email, password: PASSWORD }, context);
	if (!result.ok) throw new Error('sign-up failed');
	if (confirmed) await testDb.db.updateTable('users').set({ email_confirmed_at: 1 }).where('id', '=', result.signedIn.user.id).execute();
	return result.signedIn.user;
}

/** The token at the end of the only link in a message (/reset/<token> or /confirm-email/<token>). */
function tokenIn(message: CapturedMail, path: 'reset' | 'confirm-email'): string {
	const match = new RegExp(`${SITE}/${path}/([a-z0-9]+)`).exec(message.text);
	if (!match) throw new Error(`no ${path} link in: ${message.text}`);
	return match[1]!;
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

const tokenRows = async () => (await testDb.all('SELECT * FROM email_tokens')) as Array<{ id: string; purpose: string; email: string; user_id: string }>;
const userRow = async (id: string) =>
	(await testDb.row('SELECT email, email_confirmed_at, password_hash FROM users WHERE id = ?', id)) as {
		email: string;
		email_confirmed_at: number | null;
		password_hash: string;
	};

describe('forgot my password', () => {
	it('sends a kind message with one link to the account’s address; only the token’s SHA-256 is stored', async () => {
		const ana = await person();
		const { sending } = await requestPasswordReset(testDb.db, mail, ana.email, context);
		await sending;
		const [message] = await smtp.waitFor(ana.email);
		expect(message!.subject).toBe('Your Hearth password reset link');
		expect(message!.from).toBe('hearth@hearth.test');
		const token = tokenIn(message!, 'reset');
		expectKindAndPrivate(message!, { link: `${SITE}/reset/${token}` });
		expect(message!.html).toContain(`href="${SITE}/reset/${token}"`);
		const rows = await tokenRows();
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ id: hashToken(token), purpose: 'reset-password', email: ana.email, user_id: ana.id });
		expect(JSON.stringify(await testDb.all('SELECT * FROM email_tokens'))).not.toContain(token);
		expect(await findPasswordReset(testDb.db, token)).toEqual({ email: ana.email });
	});

	it('answers an email without an account the same, and sends nothing and stores nothing', async () => {
		const ana = await person();
		const known = await requestPasswordReset(testDb.db, mail, ana.email, context);
		const unknown = await requestPasswordReset(testDb.db, mail, 'nobody-here@example.org', context);
		expect(Object.keys(unknown)).toEqual(Object.keys(known));
		await Promise.all([known.sending, unknown.sending]);
		await smtp.waitFor(ana.email);
		expect(smtp.to('nobody-here@example.org')).toEqual([]);
		expect((await tokenRows()).map((row) => row.email)).toEqual([ana.email]);
	});

	it('sets the new password, ends every session of the account and works only once', async () => {
		const ana = await person();
		const phone = await createSession(testDb.db, ana.id, { userAgent: 'phone' });
		const laptop = await createSession(testDb.db, ana.id, { userAgent: 'laptop' });
		await (
			await requestPasswordReset(testDb.db, mail, ana.email, context)
		).sending;
		const token = tokenIn((await smtp.waitFor(ana.email)).at(-1)!, 'reset');

		const reset = await resetPassword(testDb.db, token, 'a brand new passphrase');
		expect(reset.userId).toBe(ana.id);
		expect(reset.endedSessionIds).toHaveLength(3); // sign-up's, phone's, laptop's
		expect(await validateSessionToken(testDb.db, phone.token)).toBeNull();
		expect(await validateSessionToken(testDb.db, laptop.token)).toBeNull();
		const row = await userRow(ana.id);
		expect(await verifyPassword(row.password_hash, 'a brand new passphrase')).toBe(true);
		expect(await verifyPassword(row.password_hash, PASSWORD)).toBe(false);

		const again = await refusalOf(resetPassword(testDb.db, token, 'yet another passphrase'));
		expect(again).toMatchObject({ reason: 'not-found', message: RESET_LINK_STOPPED });
		expect(await findPasswordReset(testDb.db, token)).toBeNull();
		expect(await verifyPassword((await userRow(ana.id)).password_hash, 'a brand new passphrase')).toBe(true);
	});

	it('lets only one of two uses of one link at the same moment through', async () => {
		const ana = await person();
		await (
			await requestPasswordReset(testDb.db, mail, ana.email, context)
		).sending;
		const token = tokenIn((await smtp.waitFor(ana.email)).at(-1)!, 'reset');
		const results = await Promise.allSettled([
			resetPassword(testDb.db, token, 'first new passphrase'),
			resetPassword(testDb.db, token, 'second new passphrase')
		]);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		expect(results.filter((r) => r.status === 'rejected' && isRefusal(r.reason) && r.reason.reason === 'not-found')).toHaveLength(1);
	});

	it('stops working after 30 minutes', async () => {
		const ana = await person();
		const asked = Date.now();
		await (
			await requestPasswordReset(testDb.db, mail, ana.email, { ...context, now: asked })
		).sending;
		const token = tokenIn((await smtp.waitFor(ana.email)).at(-1)!, 'reset');
		expect(RESET_LINK_LIFETIME).toBe(30 * 60 * 1000);
		expect(await findPasswordReset(testDb.db, token, asked + RESET_LINK_LIFETIME - 1)).toEqual({ email: ana.email });
		expect(await findPasswordReset(testDb.db, token, asked + RESET_LINK_LIFETIME)).toBeNull();
		const late = await refusalOf(resetPassword(testDb.db, token, 'a brand new passphrase', asked + RESET_LINK_LIFETIME));
		expect(late.reason).toBe('not-found');
		await deleteExpiredEmailTokens(testDb.db, asked + RESET_LINK_LIFETIME);
		expect(await tokenRows()).toEqual([]);
	});

	it('goes to an address that was never confirmed too, and using it confirms the address', async () => {
		const ana = await person({ confirmed: false });
		await (
			await requestPasswordReset(testDb.db, mail, ana.email, context)
		).sending;
		const token = tokenIn((await smtp.waitFor(ana.email)).at(-1)!, 'reset');
		expect((await userRow(ana.id)).email_confirmed_at).toBeNull();
		await resetPassword(testDb.db, token, 'a brand new passphrase');
		expect((await userRow(ana.id)).email_confirmed_at).toEqual(expect.any(Number));
	});

	it(`allows ${RESET_EMAIL_LIMIT} links per email in 15 minutes, the same for an email with and without an account`, async () => {
		const ana = await person();
		const now = Date.now();
		for (const email of [ana.email, 'nobody-here@example.org']) {
			for (let i = 0; i < RESET_EMAIL_LIMIT; i++) {
				// From different addresses: this is the per-email limit.
				await requestPasswordReset(testDb.db, mail, email, { address: `198.51.100.${i}`, now });
			}
			const refused = await refusalOf(requestPasswordReset(testDb.db, mail, email, { address: '198.51.100.200', now: now + 1000 }));
			expect(refused.reason).toBe('throttled');
			expect(refused.message).toMatch(/^Several reset links were asked for in the last few minutes/);
			expect(refused.retryAfterMs).toBeGreaterThan(0);
		}
		// After the window, asking works again.
		await expect(requestPasswordReset(testDb.db, mail, ana.email, { ...context, now: now + THROTTLE_WINDOW + 1 })).resolves.toBeDefined();
	});

	it('counts requests that arrive together: of 12 at once for one email, only the limit’s worth send a link', async () => {
		const ana = await person();
		const now = Date.now();
		const results = await Promise.allSettled(
			Array.from({ length: 12 }, (_, i) => requestPasswordReset(testDb.db, mail, ana.email, { address: `198.51.100.${i}`, now }))
		);
		const sent = results.filter((r) => r.status === 'fulfilled');
		expect(sent).toHaveLength(RESET_EMAIL_LIMIT);
		expect(results.filter((r) => r.status === 'rejected' && isRefusal(r.reason) && r.reason.reason === 'throttled')).toHaveLength(12 - RESET_EMAIL_LIMIT);
		await Promise.all(sent.map((r) => (r as PromiseFulfilledResult<{ sending: Promise<void> }>).value.sending));
		expect(await tokenRows()).toHaveLength(RESET_EMAIL_LIMIT);
	});

	it('refuses in the same words whichever count is full, the email’s or the address’s', async () => {
		const now = Date.now();
		for (let i = 0; i < RESET_EMAIL_LIMIT; i++) await requestPasswordReset(testDb.db, mail, 'ana@example.org', { address: `198.51.100.${i}`, now });
		const emailFull = await refusalOf(requestPasswordReset(testDb.db, mail, 'ana@example.org', { address: '192.0.2.50', now }));
		for (let i = 0; i < RESET_ADDRESS_LIMIT; i++) await requestPasswordReset(testDb.db, mail, `someone${i}@example.org`, { address: '192.0.2.60', now });
		const addressFull = await refusalOf(requestPasswordReset(testDb.db, mail, 'sam@example.org', { address: '192.0.2.60', now }));
		expect(emailFull).toMatchObject({ reason: 'throttled', retryAfterMs: THROTTLE_WINDOW });
		expect(addressFull).toMatchObject({ reason: 'throttled', retryAfterMs: THROTTLE_WINDOW });
		expect(addressFull.message).toBe(emailFull.message);
	});

	it(`allows ${RESET_ADDRESS_LIMIT} links per address in 15 minutes, whatever the emails`, async () => {
		const now = Date.now();
		for (let i = 0; i < RESET_ADDRESS_LIMIT; i++) await requestPasswordReset(testDb.db, mail, `someone${i}@example.org`, { ...context, now });
		const refused = await refusalOf(requestPasswordReset(testDb.db, mail, 'someone-else@example.org', { ...context, now }));
		expect(refused).toMatchObject({ reason: 'throttled', message: expect.stringMatching(/^Several reset links were asked for in the last few minutes/) });
		// Another address is not held up.
		await expect(requestPasswordReset(testDb.db, mail, 'someone-else@example.org', { address: '192.0.2.1', now })).resolves.toBeDefined();
	});
});

describe('confirm my email', () => {
	it('sends a new account’s address a link that confirms it, once', async () => {
		const ana = await person({ confirmed: false });
		await (
			await sendAccountConfirmation(testDb.db, mail, ana)
		).sending;
		const [message] = await smtp.waitFor(ana.email);
		expect(message!.subject).toBe('Please confirm your email for Hearth');
		const token = tokenIn(message!, 'confirm-email');
		expectKindAndPrivate(message!, { link: `${SITE}/confirm-email/${token}` });
		expect((await tokenRows())[0]).toMatchObject({ id: hashToken(token), purpose: 'confirm-email', email: ana.email });

		expect(await emailStatus(testDb.db, ana.id)).toEqual({ email: ana.email, confirmed: false, pendingEmail: null });
		expect(await findEmailConfirmation(testDb.db, token)).toEqual({ email: ana.email, isChange: false });
		expect(await confirmEmail(testDb.db, token)).toEqual({ email: ana.email, isChange: false });
		expect(await emailStatus(testDb.db, ana.id)).toEqual({ email: ana.email, confirmed: true, pendingEmail: null });
		expect(await refusalOf(confirmEmail(testDb.db, token))).toMatchObject({ reason: 'not-found' });
	});

	it('stops working after 24 hours', async () => {
		const ana = await person({ confirmed: false });
		const sent = Date.now();
		await (
			await sendAccountConfirmation(testDb.db, mail, ana, sent)
		).sending;
		const token = tokenIn((await smtp.waitFor(ana.email)).at(-1)!, 'confirm-email');
		expect(await findEmailConfirmation(testDb.db, token, sent + CONFIRM_LINK_LIFETIME)).toBeNull();
		expect(await refusalOf(confirmEmail(testDb.db, token, sent + CONFIRM_LINK_LIFETIME))).toMatchObject({ reason: 'not-found' });
		expect((await userRow(ana.id)).email_confirmed_at).toBeNull();
	});

	it('can be sent again (a few times), and not once the address is confirmed', async () => {
		const ana = await person({ confirmed: false });
		const now = Date.now();
		for (let i = 0; i < CONFIRM_RESEND_LIMIT; i++) {
			const again = await resendEmailConfirmation(testDb.db, mail, ana.id, now);
			expect(again.sentTo).toBe(ana.email);
			await again.sending;
		}
		const messages = await smtp.waitFor(ana.email, CONFIRM_RESEND_LIMIT);
		expect(await refusalOf(resendEmailConfirmation(testDb.db, mail, ana.id, now))).toMatchObject({ reason: 'throttled' });
		// Every link sent still works until it expires; the first one used confirms.
		await confirmEmail(testDb.db, tokenIn(messages[0]!, 'confirm-email'));
		expect(await refusalOf(resendEmailConfirmation(testDb.db, mail, ana.id, now + THROTTLE_WINDOW + 1))).toMatchObject({
			reason: 'conflict',
			message: ALREADY_CONFIRMED
		});
	});
});

describe('changing my email', () => {
	it('sends the new address a link and the old one a notice; the old one stays the login email until the link is followed', async () => {
		const ana = await person();
		const newEmail = `new-${ana.email}`;
		// A reset link to the old address, asked for before the change.
		await (
			await requestPasswordReset(testDb.db, mail, ana.email, context)
		).sending;
		const resetToken = tokenIn((await smtp.waitFor(ana.email)).at(-1)!, 'reset');

		const change = await requestEmailChange(testDb.db, mail, ana, { newEmail, currentPassword: PASSWORD });
		expect(change).toMatchObject({ kind: 'pending', pendingEmail: newEmail });
		if (change.kind === 'pending') await change.sending;

		const [confirmation] = await smtp.waitFor(newEmail);
		expect(confirmation!.subject).toBe('Please confirm your new email for Hearth');
		const token = tokenIn(confirmation!, 'confirm-email');
		expectKindAndPrivate(confirmation!, { link: `${SITE}/confirm-email/${token}` });

		const notices = (await smtp.waitFor(ana.email, 2)).filter((m) => m.subject === 'The email of your Hearth account is being changed');
		expect(notices).toHaveLength(1);
		expectKindAndPrivate(notices[0]!, { link: null });
		expect(notices[0]!.text).toContain(`n…@example.org`);

		expect((await userRow(ana.id)).email).toBe(ana.email);
		expect(await emailStatus(testDb.db, ana.id)).toEqual({ email: ana.email, confirmed: true, pendingEmail: newEmail });
		expect(await findEmailConfirmation(testDb.db, token)).toEqual({ email: newEmail, isChange: true });

		expect(await confirmEmail(testDb.db, token)).toEqual({ email: newEmail, isChange: true });
		expect(await userRow(ana.id)).toMatchObject({ email: newEmail, email_confirmed_at: expect.any(Number) });
		expect(await emailStatus(testDb.db, ana.id)).toEqual({ email: newEmail, confirmed: true, pendingEmail: null });
		// The reset link sent to the old address stops working with the move.
		expect(await findPasswordReset(testDb.db, resetToken)).toBeNull();
		expect(await tokenRows()).toEqual([]);
	});

	it('sends nothing to an old address that was never confirmed', async () => {
		const ana = await person({ confirmed: false });
		const newEmail = `new-${ana.email}`;
		const change = await requestEmailChange(testDb.db, mail, ana, { newEmail, currentPassword: PASSWORD });
		if (change.kind === 'pending') await change.sending;
		await smtp.waitFor(newEmail);
		expect(smtp.to(ana.email)).toEqual([]);
	});

	it('needs the current password, and another address', async () => {
		const ana = await person();
		expect(await refusalOf(requestEmailChange(testDb.db, mail, ana, { newEmail: 'x@example.org', currentPassword: 'not it' }))).toMatchObject({
			reason: 'invalid',
			field: 'currentPassword',
			message: WRONG_CURRENT_PASSWORD
		});
		expect(await refusalOf(requestEmailChange(testDb.db, mail, ana, { newEmail: ana.email, currentPassword: PASSWORD }))).toMatchObject({
			reason: 'invalid',
			field: 'newEmail',
			message: SAME_EMAIL
		});
		expect(smtp.to('x@example.org')).toEqual([]);
	});

	it(`is limited to ${EMAIL_CHANGE_LIMIT} tries in 15 minutes (wrong passwords count)`, async () => {
		const ana = await person();
		const now = Date.now();
		for (let i = 0; i < EMAIL_CHANGE_LIMIT; i++) {
			await refusalOf(requestEmailChange(testDb.db, mail, ana, { newEmail: 'x@example.org', currentPassword: 'not it' }, now));
		}
		expect(await refusalOf(requestEmailChange(testDb.db, mail, ana, { newEmail: 'x@example.org', currentPassword: PASSWORD }, now))).toMatchObject({
			reason: 'throttled'
		});
	});

	it('answers the same for an address that has an account; that account hears that nothing changed, and no link goes out', async () => {
		const ana = await person();
		const sam = await person();
		const change = await requestEmailChange(testDb.db, mail, ana, { newEmail: sam.email, currentPassword: PASSWORD });
		expect(change).toMatchObject({ kind: 'pending', pendingEmail: sam.email });
		if (change.kind === 'pending') await change.sending;
		const [notice] = await smtp.waitFor(sam.email);
		expect(notice!.subject).toBe('Someone tried to use this email on Hearth');
		expectKindAndPrivate(notice!, { link: null });
		expect(smtp.to(sam.email)).toHaveLength(1);
		expect(await emailStatus(testDb.db, ana.id)).toMatchObject({ pendingEmail: sam.email });
		// Sending it again sends the notice again, never a link.
		await (
			await resendEmailConfirmation(testDb.db, mail, ana.id)
		).sending;
		expect((await smtp.waitFor(sam.email, 2)).map((m) => m.subject)).toEqual([notice!.subject, notice!.subject]);
	});

	it('refuses a link to an address that became another account’s meanwhile', async () => {
		const ana = await person();
		const newEmail = `wanted-${ana.email}`;
		const change = await requestEmailChange(testDb.db, mail, ana, { newEmail, currentPassword: PASSWORD });
		if (change.kind === 'pending') await change.sending;
		const token = tokenIn((await smtp.waitFor(newEmail))[0]!, 'confirm-email');
		await signUp(testDb.db, { displayName: 'Sam', email: newEmail, password: PASSWORD }, context);
		expect(await refusalOf(confirmEmail(testDb.db, token))).toMatchObject({ reason: 'conflict', message: ADDRESS_TAKEN_MEANWHILE });
		expect((await userRow(ana.id)).email).toBe(ana.email);
	});

	it('keeps one move at a time, and can be called off', async () => {
		const ana = await person();
		const first = `first-${ana.email}`;
		const second = `second-${ana.email}`;
		for (const newEmail of [first, second]) {
			const change = await requestEmailChange(testDb.db, mail, ana, { newEmail, currentPassword: PASSWORD });
			if (change.kind === 'pending') await change.sending;
		}
		const firstToken = tokenIn((await smtp.waitFor(first))[0]!, 'confirm-email');
		expect(await findEmailConfirmation(testDb.db, firstToken)).toBeNull();
		expect(await emailStatus(testDb.db, ana.id)).toMatchObject({ pendingEmail: second });
		await cancelEmailChange(testDb.db, ana.id);
		expect(await emailStatus(testDb.db, ana.id)).toMatchObject({ pendingEmail: null, email: ana.email });
		const secondToken = tokenIn((await smtp.waitFor(second))[0]!, 'confirm-email');
		expect(await refusalOf(confirmEmail(testDb.db, secondToken))).toMatchObject({ reason: 'not-found' });
	});

	it('without email set up, uses the new address at once (unconfirmed), and says when it has an account', async () => {
		const ana = await person();
		const sam = await person();
		expect(await refusalOf(requestEmailChange(testDb.db, null, ana, { newEmail: sam.email, currentPassword: PASSWORD }))).toMatchObject({
			field: 'newEmail',
			message: EMAIL_IN_USE
		});
		const newEmail = `new-${ana.email}`;
		expect(await requestEmailChange(testDb.db, null, ana, { newEmail, currentPassword: PASSWORD })).toEqual({ kind: 'changed', email: newEmail });
		expect(await userRow(ana.id)).toMatchObject({ email: newEmail, email_confirmed_at: null });
		expect(smtp.to(newEmail)).toEqual([]);
	});
});

describe('what the limits keep', () => {
	it('is a hash of each email and account id, never the email or the id', async () => {
		const ana = await person();
		await requestPasswordReset(testDb.db, mail, ana.email, context);
		await refusalOf(requestEmailChange(testDb.db, mail, ana, { newEmail: 'x@example.org', currentPassword: 'not it' }));
		await testDb.db.updateTable('users').set({ email_confirmed_at: null }).where('id', '=', ana.id).execute();
		await resendEmailConfirmation(testDb.db, mail, ana.id);
		const all = (await testDb.column('SELECT key FROM attempt_throttles')) as string[];
		// The email limits' keys (log-in and sign-up keep their own, by address and email hash).
		const keys = all.filter((key) => !key.startsWith('login') && !key.startsWith('signup'));
		expect(keys.map((key) => key.split(':')[0]).sort()).toEqual(['confirm-send', 'email-change', 'reset-email', 'reset-ip']);
		expect(JSON.stringify(all)).not.toContain(ana.email);
		expect(JSON.stringify(all)).not.toContain(ana.id);
		expect(JSON.stringify(keys)).not.toContain(ana.email);
		expect(JSON.stringify(keys)).not.toContain(ana.id);
	});
});

describe('changing my name', () => {
	it('is what the circle sees from the next page on', async () => {
		const ana = await person();
		const session = await createSession(testDb.db, ana.id);
		expect(await changeDisplayName(testDb.db, ana, 'Mum')).toEqual({ displayName: 'Mum' });
		expect((await validateSessionToken(testDb.db, session.token))?.user.displayName).toBe('Mum');
	});
});
