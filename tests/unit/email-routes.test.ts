// The email pages' form actions end to end on the server, with a real SMTP server started in the
// test: /forgot answers the same for an email with and without an account (and the same when
// asked too often), /reset/<token> logs out every device, says so and marks the browser known,
// the sign-up's link confirms the address (and the account page sends a link to one that is not),
// and the account page's name and email forms answer in the one failure shape. (Sign-up itself:
// signup-email-routes.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setHeadersInto } from './support/headers';
import { isActionFailure, isRedirect, type ActionFailure } from '@sveltejs/kit';
import type { FormFailure } from '$lib/forms/failure';
import { startSmtpServer, type TestSmtpServer } from './support/smtp';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';

type Action = (event: unknown) => Promise<unknown>;
type Load = (event: unknown) => Promise<unknown> | unknown;
let smtp: TestSmtpServer;
let routes: {
	signup: Action;
	finish: Action;
	forgot: Action;
	forgotLoad: Load;
	reset: Action;
	resetLoad: Load;
	confirm: Action;
	account: Record<string, Action>;
	accountLoad: Load;
};
let dbModule: typeof import('$lib/server/db');
let sessions: typeof import('$lib/server/auth/sessions');
let accounts: typeof import('$lib/server/auth/accounts');
let app: AppTestDatabase;

beforeAll(async () => {
	app = await useAppDatabase();
	smtp = await startSmtpServer();
	process.env.SMTP_URL = smtp.url;
	process.env.MAIL_FROM = 'Hearth <hearth@hearth.test>';
	process.env.ORIGIN = 'https://hearth.test';
	const forgot = await import('../../src/routes/forgot/+page.server');
	const reset = await import('../../src/routes/reset/[token]/+page.server');
	const confirm = await import('../../src/routes/confirm-email/[token]/+page.server');
	const account = await import('../../src/routes/account/+page.server');
	routes = {
		signup: (await import('../../src/routes/signup/+page.server')).actions.default as Action,
		finish: (await import('../../src/routes/create-account/[token]/+page.server')).actions.finish as Action,
		forgot: forgot.actions.default as Action,
		forgotLoad: forgot.load as Load,
		reset: reset.actions.reset as Action,
		resetLoad: reset.load as Load,
		confirm: confirm.actions.confirm as Action,
		account: account.actions as unknown as Record<string, Action>,
		accountLoad: account.load as Load
	};
	dbModule = await import('$lib/server/db');
	sessions = await import('$lib/server/auth/sessions');
	accounts = await import('$lib/server/auth/accounts');
});

afterAll(async () => {
	await app?.dispose();
	(await import('$lib/server/mail')).getMail()?.mailer.close();
	await smtp.close();
	for (const name of ['SMTP_URL', 'MAIL_FROM', 'ORIGIN']) delete process.env[name];
});

let people = 0;
const newPerson = () => ({ displayName: 'Ana', email: `ana${++people}-${Date.now()}@example.org`, password: 'a long passphrase' });

interface Visitor {
	user: import('$lib/server/auth/sessions').SessionUser | null;
	session: import('$lib/server/auth/sessions').Session | null;
}

function postEvent(
	route: string,
	form: Record<string, string>,
	{ address = '203.0.113.7', params = {}, locals = { user: null, session: null } as Visitor } = {}
) {
	const url = new URL(`https://hearth.test${route}`);
	const headers: Record<string, string> = {};
	const cookies: Array<{ name: string; value: string }> = [];
	const deleted: string[] = [];
	return {
		headers,
		cookies,
		deleted,
		event: {
			locals,
			params,
			url,
			request: new Request(url, {
				method: 'POST',
				body: new URLSearchParams(form),
				headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'vitest' }
			}),
			cookies: {
				get: () => undefined,
				getAll: () => [],
				set: (name: string, value: string) => cookies.push({ name, value }),
				delete: (name: string) => deleted.push(name),
				serialize: () => ''
			},
			getClientAddress: () => address,
			setHeaders: setHeadersInto(headers)
		}
	};
}

async function failureOf(action: Action, event: unknown): Promise<ActionFailure<FormFailure>> {
	const answer = await action(event);
	if (!isActionFailure(answer)) throw new Error(`expected a failure, got ${JSON.stringify(answer)}`);
	return answer as unknown as ActionFailure<FormFailure>;
}

/**
 * Signs a person up through the form, as with email: "check your email", then the link's page and
 * its button. Returns them as the account page's locals would have them.
 */
async function signedUp(person = newPerson()): Promise<Visitor & { person: typeof person }> {
	expect(await routes.signup(postEvent('/signup', person).event)).toEqual({ action: 'signup', sentTo: person.email });
	const [message] = await smtp.waitFor(person.email);
	const token = tokenIn(message!.text, 'create-account');
	const { event, cookies } = postEvent(`/create-account/${token}`, { password: person.password }, { params: { token } });
	try {
		await routes.finish(event);
	} catch (thrown) {
		if (!isRedirect(thrown)) throw thrown;
	}
	const validated = await sessions.validateSessionToken(dbModule.getDb(), cookies[0]!.value);
	return { person, user: validated!.user, session: validated!.session };
}

const tokenIn = (text: string, kind: 'reset' | 'confirm-email' | 'create-account') => new RegExp(`https://hearth\\.test/${kind}/([a-z0-9]+)`).exec(text)![1]!;

describe('/forgot', () => {
	it('says email is set up', async () => {
		expect(await routes.forgotLoad({})).toEqual({ mailEnabled: true });
	});

	it('answers the same whether or not the email has an account; only the account’s address gets a link', async () => {
		const { person } = await signedUp();
		const known = postEvent('/forgot', { email: ` ${person.email.toUpperCase()}` }, { address: '198.51.100.1' });
		const unknown = postEvent('/forgot', { email: ` NOBODY-${person.email.toUpperCase()}` }, { address: '198.51.100.2' });
		const answers = [await routes.forgot(known.event), await routes.forgot(unknown.event)];
		expect(answers[0]).toEqual({ action: 'forgot', sentTo: person.email });
		expect(answers[1]).toEqual({ action: 'forgot', sentTo: `nobody-${person.email}` });
		expect(known.headers).toEqual(unknown.headers);
		const messages = await smtp.waitFor(person.email, 2); // the sign-up's link, then the reset
		expect(messages.map((m) => m.subject).sort()).toEqual(['Finish creating your Hearth account', 'Your Hearth password reset link']);
		expect(smtp.to(`nobody-${person.email}`)).toEqual([]);
	});

	it('refuses asking too often with 429 and Retry-After, in the same words for an email with and without an account', async () => {
		const { person } = await signedUp();
		const failures = [];
		for (const email of [person.email, `nobody-${person.email}`]) {
			for (let i = 0; i < 3; i++) await routes.forgot(postEvent('/forgot', { email }, { address: `198.51.100.${10 + i}` }).event);
			const refused = postEvent('/forgot', { email }, { address: '198.51.100.20' });
			const failure = await failureOf(routes.forgot, refused.event);
			expect(failure.status).toBe(429);
			expect(Number(refused.headers['retry-after'])).toBeGreaterThan(14 * 60);
			failures.push(failure.data);
		}
		expect(failures[0]!.message).toMatch(/^Several reset links were asked for in the last few minutes/);
		expect({ ...failures[0], values: null }).toEqual({ ...failures[1], values: null });
	});

	it('asks for the email when none was given', async () => {
		const failure = await failureOf(routes.forgot, postEvent('/forgot', { email: ' ' }, { address: '198.51.100.30' }).event);
		expect(failure.status).toBe(400);
		expect(failure.data).toEqual({ action: 'forgot', errors: { email: 'Please enter your email address.' }, values: { email: ' ' } });
	});
});

describe('/reset/<token>', () => {
	it('shows the form for a working link, takes the sign-up’s password rules, logs out every device and says how many', async () => {
		const visitor = await signedUp();
		const { person } = visitor;
		const second = await sessions.createSession(dbModule.getDb(), visitor.user!.id, { userAgent: 'phone' });
		await routes.forgot(postEvent('/forgot', { email: person.email }, { address: '198.51.100.40' }).event);
		const message = (await smtp.waitFor(person.email, 2)).find((m) => m.subject === 'Your Hearth password reset link')!;
		const token = tokenIn(message.text, 'reset');

		const headers: Record<string, string> = {};
		const setHeaders = setHeadersInto(headers);
		expect(await routes.resetLoad({ params: { token }, setHeaders })).toEqual({ reset: { email: person.email } });
		expect(headers).toEqual({ 'cache-control': 'no-store' });
		expect(await routes.resetLoad({ params: { token: 'not-a-token' }, setHeaders: setHeadersInto({}) })).toEqual({ reset: null });

		const short = await failureOf(routes.reset, postEvent(`/reset/${token}`, { newPassword: 'short' }, { params: { token } }).event);
		expect(short.status).toBe(400);
		expect(short.data).toEqual({ action: 'reset', errors: { newPassword: 'Please use at least 8 characters (you have 5).' }, values: {} });

		// This browser is logged in to that very account: it is logged out too.
		const done = postEvent(`/reset/${token}`, { newPassword: 'a brand new passphrase' }, { params: { token }, locals: visitor });
		expect(await routes.reset(done.event)).toEqual({ action: 'reset', email: person.email, endedSessions: 2 });
		expect(done.deleted).toEqual(['hearth_session']);
		// ...and known to the account, so logging in next is not held up by guesses at the email.
		expect(done.cookies.map(({ name }) => name)).toEqual(['hearth_device']);
		expect(await sessions.validateSessionToken(dbModule.getDb(), second.token)).toBeNull();

		const again = await failureOf(routes.reset, postEvent(`/reset/${token}`, { newPassword: 'another new passphrase' }, { params: { token } }).event);
		expect(again.status).toBe(404);
		expect(again.data.message).toMatch(/^This link no longer works/);
	});
});

describe('confirming the email', () => {
	it('is done by the sign-up’s link: the account page has nothing to confirm', async () => {
		const visitor = await signedUp();
		const page = (await routes.accountLoad({ locals: visitor, url: new URL('https://hearth.test/account') })) as Record<string, unknown>;
		expect(page).toMatchObject({ email: visitor.person.email, emailConfirmed: true, pendingEmail: null, mailEnabled: true });
	});

	it('an account made before email set up is sent a link from the account page; following it confirms the address', async () => {
		const person = newPerson();
		const made = await accounts.signUp(dbModule.getDb(), person, { address: '198.51.100.90', userAgent: 'vitest' });
		if (!made.ok) throw new Error('sign-up failed');
		const visitor = { user: made.signedIn.user, session: made.signedIn.session };
		const before = (await routes.accountLoad({ locals: visitor, url: new URL('https://hearth.test/account') })) as Record<string, unknown>;
		expect(before).toMatchObject({ email: person.email, emailConfirmed: false, pendingEmail: null, mailEnabled: true });
		await routes.account.resendConfirmation!(postEvent('/account', {}, { locals: visitor }).event);
		const [message] = await smtp.waitFor(person.email);
		const token = tokenIn(message!.text, 'confirm-email');
		expect(await routes.confirm(postEvent(`/confirm-email/${token}`, {}, { params: { token } }).event)).toEqual({
			action: 'confirm',
			email: person.email,
			isChange: false
		});
		const after = (await routes.accountLoad({ locals: visitor, url: new URL('https://hearth.test/account') })) as Record<string, unknown>;
		expect(after).toMatchObject({ emailConfirmed: true });
	});
});

describe('the account page’s name and email', () => {
	it('changes the name, and answers a bad one next to its field with what was typed', async () => {
		const visitor = await signedUp();
		expect(await routes.account.changeName!(postEvent('/account', { displayName: '  Mum ' }, { locals: visitor }).event)).toEqual({
			action: 'changeName',
			success: 'Your name is changed. Your circles see it from now on.'
		});
		const row = dbModule.getDb().selectFrom('users').select('display_name').where('id', '=', visitor.user!.id);
		expect((await row.executeTakeFirstOrThrow()).display_name).toBe('Mum');

		const sneaky = 'Mu\u202Em';
		const failure = await failureOf(routes.account.changeName!, postEvent('/account', { displayName: sneaky }, { locals: visitor }).event);
		expect(failure.status).toBe(400);
		expect(failure.data).toMatchObject({ action: 'changeName', errors: { displayName: expect.any(String) }, values: { displayName: sneaky } });
		expect((await row.executeTakeFirstOrThrow()).display_name).toBe('Mum');
	});

	it('answers a wrong password and a bad address next to their fields, keeps the address, never the password', async () => {
		const visitor = await signedUp();
		const wrong = await failureOf(
			routes.account.changeEmail!,
			postEvent('/account', { newEmail: 'sam@example.org', currentPassword: 'not my password' }, { locals: visitor }).event
		);
		expect(wrong.status).toBe(400);
		expect(wrong.data).toEqual({
			action: 'changeEmail',
			errors: { currentPassword: 'That isn’t your current password. Please try again.' },
			values: { newEmail: 'sam@example.org' }
		});
		const bad = await failureOf(routes.account.changeEmail!, postEvent('/account', { newEmail: 'sam@', currentPassword: '' }, { locals: visitor }).event);
		expect(bad.data).toEqual({
			action: 'changeEmail',
			errors: {
				newEmail: 'That doesn’t look like an email address. It should look like name@example.com.',
				currentPassword: 'Please enter your current password.'
			},
			values: { newEmail: 'sam@' }
		});
		expect(JSON.stringify([wrong.data, bad.data])).not.toContain('not my password');
	});

	it('sends the new address a link; the page shows the move until it is confirmed', async () => {
		const visitor = await signedUp();
		const newEmail = `moved-${visitor.person.email}`;
		const answer = await routes.account.changeEmail!(postEvent('/account', { newEmail, currentPassword: visitor.person.password }, { locals: visitor }).event);
		expect(answer).toEqual({
			action: 'changeEmail',
			success: `We’ve sent a link to ${newEmail}. Once you follow it, that address is the one you log in with; until then it is still ${visitor.person.email}.`
		});
		const [message] = await smtp.waitFor(newEmail);
		expect(message!.subject).toBe('Please confirm your new email for Hearth');
		const page = (await routes.accountLoad({ locals: visitor, url: new URL('https://hearth.test/account') })) as Record<string, unknown>;
		expect(page).toMatchObject({ email: visitor.person.email, pendingEmail: newEmail });
		const again = await routes.account.resendConfirmation!(postEvent('/account', {}, { locals: visitor }).event);
		expect(again).toEqual({ action: 'resendConfirmation', success: `We’ve sent a new link to ${newEmail}. It can take a few minutes to arrive.` });
		await smtp.waitFor(newEmail, 2);
		await routes.account.cancelEmailChange!(postEvent('/account', {}, { locals: visitor }).event);
		expect(await routes.accountLoad({ locals: visitor, url: new URL('https://hearth.test/account') })).toMatchObject({ pendingEmail: null });
	});
});
