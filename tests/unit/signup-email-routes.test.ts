// Sign-up with email set up, through the routes' form actions and a real SMTP server started in
// the test: the sign-up page answers an address with an account exactly as one without (status,
// body, headers, cookies: nothing signed in), the owner of a taken address is told how to get back
// in, and the link sent to a new one makes the account (once) when its page's button is pressed
// with the password chosen when signing up, and goes on where the person was going. Someone who did
// not sign up (the owner of an address a stranger typed) cannot finish it. README, "Email".
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { setHeadersInto } from './support/headers';
import { isActionFailure, isRedirect, type ActionFailure } from '@sveltejs/kit';
import type { FormFailure } from '$lib/forms/failure';
import { hashPassword, verifyPassword } from '$lib/server/auth/passwords';
import { startSmtpServer, type CapturedMail, type TestSmtpServer } from './support/smtp';
import { expectKindAndPrivate } from './support/mail-content';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';

// The real argon2, watched: each call is one password really hashed.
vi.mock('$lib/server/auth/passwords', async (importOriginal) => {
	const real = await importOriginal<typeof import('$lib/server/auth/passwords')>();
	return { ...real, hashPassword: vi.fn(real.hashPassword) };
});

const SITE = 'https://hearth.test';
type Action = (event: unknown) => Promise<unknown>;
type Load = (event: unknown) => Promise<unknown>;
let smtp: TestSmtpServer;
let signup: Action;
let finish: Action;
let finishLoad: Load;
let dbModule: typeof import('$lib/server/db');
let app: AppTestDatabase;

beforeAll(async () => {
	app = await useAppDatabase();
	smtp = await startSmtpServer();
	process.env.SMTP_URL = smtp.url;
	process.env.MAIL_FROM = 'Hearth <hearth@hearth.test>';
	process.env.ORIGIN = SITE;
	signup = (await import('../../src/routes/signup/+page.server')).actions.default as Action;
	// Not on main: the page a sign-up link opens (imported here, so the tests above it fail on their own).
	const page = '../../src/routes/create-account/[token]/+page.server';
	const createAccount = (await import(/* @vite-ignore */ page).catch(() => ({ actions: {}, load: null }))) as {
		actions: Record<string, Action>;
		load: Load | null;
	};
	finish = createAccount.actions.finish!;
	finishLoad = createAccount.load!;
	dbModule = await import('$lib/server/db');
});

afterAll(async () => {
	await app?.dispose();
	(await import('$lib/server/mail')).getMail()?.mailer.close();
	await smtp.close();
	for (const name of ['SMTP_URL', 'MAIL_FROM', 'ORIGIN']) delete process.env[name];
});

let people = 0;
const newPerson = () => ({ displayName: 'Ana', email: `ana${++people}-${Date.now()}@example.org`, password: 'a long passphrase' });

interface SetCookie {
	name: string;
	value: string;
}

function postEvent(route: string, form: Record<string, string>, { address = '203.0.113.7', params = {} as Record<string, string> } = {}) {
	const url = new URL(`${SITE}${route}`);
	const headers: Record<string, string> = {};
	const cookies: SetCookie[] = [];
	return {
		headers,
		cookies,
		event: {
			locals: { user: null, session: null },
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
				delete() {},
				serialize: () => ''
			},
			getClientAddress: () => address,
			setHeaders: setHeadersInto(headers)
		}
	};
}

/** What an action answered: its value, a redirect's location, or a failure (status and data). */
async function answerOf(action: Action, event: unknown): Promise<{ kind: 'value' | 'redirect' | 'failure'; status?: number; body: unknown }> {
	try {
		const answer = await action(event);
		if (isActionFailure(answer)) {
			const failure = answer as unknown as ActionFailure<FormFailure>;
			return { kind: 'failure', status: failure.status, body: failure.data };
		}
		return { kind: 'value', body: answer };
	} catch (thrown) {
		if (isRedirect(thrown)) return { kind: 'redirect', status: thrown.status, body: thrown.location };
		throw thrown;
	}
}

const users = (email: string) => dbModule.getDb().selectFrom('users').selectAll().where('email', '=', email).execute();
const linkIn = (message: CapturedMail) => {
	const match = new RegExp(`${SITE}/create-account/([a-z0-9]+)`).exec(message.text);
	if (!match) throw new Error(`no sign-up link in: ${message.text}`);
	return { url: match[0], token: match[1]! };
};

/** Signs a person up through the form (email set up) and returns the link that arrived for them. */
async function signUpByForm(person: ReturnType<typeof newPerson>, extra: Record<string, string> = {}, address = '203.0.113.7') {
	const before = smtp.to(person.email).length;
	const answer = await answerOf(signup, postEvent('/signup', { ...person, ...extra }, { address }).event);
	expect(answer).toEqual({ kind: 'value', body: { action: 'signup', sentTo: person.email } });
	const messages = await smtp.waitFor(person.email, before + 1);
	return linkIn(messages.at(-1)!);
}

describe('signing up with email set up', () => {
	it('answers an address with an account exactly as a new one: the same status, body, headers and no cookie', async () => {
		const owner = newPerson();
		await signUpByForm(owner).then(({ token }) =>
			finish(postEvent(`/create-account/${token}`, { password: owner.password }, { params: { token } }).event).catch(() => {})
		);
		expect(await users(owner.email)).toHaveLength(1);

		const stranger = { displayName: 'Someone', email: ` ${owner.email.toUpperCase()} `, password: 'another long passphrase' };
		const fresh = { ...newPerson(), displayName: 'Someone' };
		const taken = postEvent('/signup', stranger, { address: '198.51.100.1' });
		const untaken = postEvent('/signup', { ...fresh, email: ` ${fresh.email.toUpperCase()} ` }, { address: '198.51.100.2' });
		vi.mocked(hashPassword).mockClear();
		const answers = [await answerOf(signup, taken.event), await answerOf(signup, untaken.event)];
		// The same work on both paths: one argon2 hash each, before the answer.
		expect(vi.mocked(hashPassword).mock.calls).toHaveLength(2);
		expect(answers[0]).toEqual({ kind: 'value', body: { action: 'signup', sentTo: owner.email } });
		expect(answers[1]).toEqual({ kind: 'value', body: { action: 'signup', sentTo: fresh.email } });
		expect(taken.headers).toEqual(untaken.headers);
		expect(taken.cookies).toEqual([]);
		expect(untaken.cookies).toEqual([]);
		// Nothing is made yet, and nothing new for the taken address.
		expect(await users(fresh.email)).toEqual([]);
		expect(await users(owner.email)).toHaveLength(1);

		// The owner is told how to get back in; the new address gets its link.
		const [, notice] = await smtp.waitFor(owner.email, 2);
		expect(notice!.subject).toBe('Someone tried to create a Hearth account with this email');
		expect(notice!.text).toContain('If it was you, you already have an account: log in with this address.');
		expectKindAndPrivate(notice!, { link: `${SITE}/forgot` });
		const [finishing] = await smtp.waitFor(fresh.email);
		expect(finishing!.subject).toBe('Finish creating your Hearth account');
		expectKindAndPrivate(finishing!, { link: linkIn(finishing!).url });
	});

	it('makes the account when the link’s button is pressed, confirmed and signed in, and goes where the person was going; the link works once', async () => {
		const person = newPerson();
		const { token } = await signUpByForm(person, { redirectTo: '/join/abcdefghijklmnopqrstuvwxyz234567' });
		// Where they were going is stored sealed: the database alone never holds an invite link's token.
		const stored = JSON.stringify(await dbModule.getDb().selectFrom('pending_signups').selectAll().execute());
		expect(stored).not.toContain('abcdefghijklmnopqrstuvwxyz234567');
		expect(stored).not.toContain(person.password);
		expect(stored).not.toContain(token);

		// Opening the link makes nothing (a mail scanner may follow it): it shows the button.
		const headers: Record<string, string> = {};
		const setHeaders = setHeadersInto(headers);
		expect(await finishLoad({ params: { token }, setHeaders })).toEqual({ pending: { email: person.email, displayName: person.displayName } });
		expect(headers).toEqual({ 'cache-control': 'no-store' });
		expect(await users(person.email)).toEqual([]);

		const pressed = postEvent(`/create-account/${token}`, { password: person.password }, { params: { token } });
		expect(await answerOf(finish, pressed.event)).toEqual({ kind: 'redirect', status: 303, body: '/join/abcdefghijklmnopqrstuvwxyz234567' });
		expect(pressed.cookies.map(({ name }) => name)).toEqual(['hearth_session', 'hearth_device']);
		const [user] = await users(person.email);
		expect(user).toMatchObject({ display_name: person.displayName, email_confirmed_at: expect.any(Number) });
		expect(await verifyPassword(user!.password_hash, person.password)).toBe(true);
		const sessions = await dbModule.getDb().selectFrom('sessions').select('user_id').where('user_id', '=', user!.id).execute();
		expect(sessions).toHaveLength(1);

		// Once.
		expect(await finishLoad({ params: { token }, setHeaders: setHeadersInto({}) })).toEqual({ pending: null });
		const again = await answerOf(finish, postEvent(`/create-account/${token}`, { password: person.password }, { params: { token } }).event);
		expect(again).toMatchObject({ kind: 'failure', status: 404, body: { action: 'finish', message: expect.stringMatching(/^This link no longer works/) } });
		expect(await users(person.email)).toHaveLength(1);
	});

	it('limits the emails one address is sent, the same for an address with an account and one without', async () => {
		const owner = newPerson();
		const { token } = await signUpByForm(owner, {}, '198.51.100.50');
		await answerOf(finish, postEvent(`/create-account/${token}`, { password: owner.password }, { params: { token } }).event);
		expect(await users(owner.email)).toHaveLength(1);
		const fresh = newPerson();
		const refusals = [];
		for (const email of [owner.email, fresh.email]) {
			// From different addresses: this is the per-email limit (the first of the owner's was the sign-up itself).
			const tries = email === owner.email ? 2 : 3;
			for (let i = 0; i < tries; i++) await answerOf(signup, postEvent('/signup', { ...fresh, email }, { address: `198.51.100.${60 + i}` }).event);
			const refused = postEvent('/signup', { ...fresh, email }, { address: '198.51.100.70' });
			const answer = await answerOf(signup, refused.event);
			expect(answer.status).toBe(429);
			expect(Number(refused.headers['retry-after'])).toBeGreaterThan(14 * 60);
			refusals.push(JSON.stringify(answer).replaceAll(email, '<email>'));
		}
		expect(refusals[0]).toBe(refusals[1]);
		expect(refusals[0]).toContain('We’ve sent several emails to <email> in the last few minutes.');
		await smtp.waitFor(fresh.email, 3);
		await smtp.waitFor(owner.email, 3); // the link, and two notices
		expect(smtp.to(fresh.email)).toHaveLength(3);
		expect(smtp.to(owner.email)).toHaveLength(3);
	});

	it('a stranger signed up with someone else’s address: its owner pressing the link makes nothing, told why on the field; the link keeps working', async () => {
		const victim = newPerson();
		const stranger = { ...victim, displayName: 'Not you', password: 'the stranger’s passphrase' };
		const { token } = await signUpByForm(stranger, {}, '198.51.100.80');
		const press = (form: Record<string, string>) => postEvent(`/create-account/${token}`, form, { params: { token } });

		// Without a password: asked for it, nothing used or counted.
		const empty = press({});
		expect(await answerOf(finish, empty.event)).toEqual({
			kind: 'failure',
			status: 400,
			body: { action: 'finish', errors: { password: 'Please enter the password you chose when you signed up.' }, values: {} }
		});
		expect(empty.cookies).toEqual([]);

		// The owner of the address tries their own password: refused on its field, nothing made, nobody signed in.
		const wrong = press({ password: victim.password });
		const answer = await answerOf(finish, wrong.event);
		expect(answer).toEqual({
			kind: 'failure',
			status: 400,
			body: {
				action: 'finish',
				errors: { password: 'That isn’t the password you chose when you signed up. If you didn’t sign up, close this page: nothing is made.' },
				values: {}
			}
		});
		expect(JSON.stringify(answer)).not.toContain(victim.password);
		expect(wrong.cookies).toEqual([]);
		expect(await users(victim.email)).toEqual([]);
		// The page still shows the form: the link works.
		expect(await finishLoad({ params: { token }, setHeaders: setHeadersInto({}) })).toEqual({ pending: { email: victim.email, displayName: 'Not you' } });

		// Only whoever chose the password can finish.
		expect(await answerOf(finish, press({ password: stranger.password }).event)).toEqual({ kind: 'redirect', status: 303, body: '/circles' });
		expect(await users(victim.email)).toHaveLength(1);
	});

	it('limits the tries per link: past 5 wrong passwords, 429 with Retry-After and kind words, and the link is not used up', async () => {
		const person = newPerson();
		const { token } = await signUpByForm(person, {}, '198.51.100.90');
		const press = (password: string) => postEvent(`/create-account/${token}`, { password }, { params: { token } });
		for (let i = 0; i < 5; i++) expect((await answerOf(finish, press(`wrong guess ${i}`).event)).status).toBe(400);
		const held = press(person.password);
		const answer = await answerOf(finish, held.event);
		expect(answer).toMatchObject({ kind: 'failure', status: 429, body: { action: 'finish', message: expect.stringContaining('please wait 15 minutes') } });
		expect((answer.body as FormFailure).message).toContain('sign up again');
		expect(Number(held.headers['retry-after'])).toBeGreaterThan(14 * 60);
		expect(held.cookies).toEqual([]);
		expect(await users(person.email)).toEqual([]);
		expect(await finishLoad({ params: { token }, setHeaders: setHeadersInto({}) })).toEqual({
			pending: { email: person.email, displayName: person.displayName }
		});
	});
});
