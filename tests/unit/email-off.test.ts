// Without SMTP_URL and MAIL_FROM Hearth works as before and says, where email would be needed,
// that this Hearth has none set up: /forgot explains what to do instead, the account page has
// nothing to confirm, and a new email is the login email at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isActionFailure, isRedirect, type ActionFailure } from '@sveltejs/kit';
import type { FormFailure } from '$lib/forms/failure';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';

for (const name of ['SMTP_URL', 'MAIL_FROM']) delete process.env[name];

type Action = (event: unknown) => Promise<unknown>;
let forgot: { load: (event: unknown) => unknown; actions: Record<string, Action> };
let account: { load: (event: unknown) => Promise<unknown>; actions: Record<string, Action> };
let signup: Action;
let dbModule: typeof import('$lib/server/db');
let sessions: typeof import('$lib/server/auth/sessions');
let NO_EMAIL_SET_UP: string;
let app: AppTestDatabase;

beforeAll(async () => {
	app = await useAppDatabase();
	forgot = (await import('../../src/routes/forgot/+page.server')) as unknown as typeof forgot;
	account = (await import('../../src/routes/account/+page.server')) as unknown as typeof account;
	signup = (await import('../../src/routes/signup/+page.server')).actions.default as Action;
	dbModule = await import('$lib/server/db');
	sessions = await import('$lib/server/auth/sessions');
	NO_EMAIL_SET_UP = (await import('$lib/server/mail')).NO_EMAIL_SET_UP;
});

afterAll(async () => {
	await app?.dispose();
});

function postEvent(route: string, form: Record<string, string>, locals: unknown = { user: null, session: null }) {
	const url = new URL(`http://hearth.test${route}`);
	const cookies: Array<{ name: string; value: string }> = [];
	return {
		cookies,
		event: {
			locals,
			params: {},
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
			getClientAddress: () => '203.0.113.7',
			setHeaders() {}
		}
	};
}

async function failureOf(action: Action, event: unknown): Promise<ActionFailure<FormFailure>> {
	const answer = await action(event);
	if (!isActionFailure(answer)) throw new Error(`expected a failure, got ${JSON.stringify(answer)}`);
	return answer as unknown as ActionFailure<FormFailure>;
}

describe('without email set up', () => {
	it('/forgot says there is no email here, and its form (posted anyway) says the same', async () => {
		expect(await forgot.load({})).toEqual({ mailEnabled: false });
		const failure = await failureOf(forgot.actions.default!, postEvent('/forgot', { email: 'ana@example.org' }).event);
		expect(failure.status).toBe(409);
		expect(failure.data).toEqual({ action: 'forgot', message: NO_EMAIL_SET_UP, values: { email: 'ana@example.org' } });
	});

	it('signs up as before; the account page has nothing to confirm, and a new email is used at once', async () => {
		const person = { displayName: 'Ana', email: 'ana@example.org', password: 'a long passphrase' };
		const { event, cookies } = postEvent('/signup', person);
		await signup(event).catch((thrown) => {
			if (!isRedirect(thrown)) throw thrown;
		});
		const validated = await sessions.validateSessionToken(dbModule.getDb(), cookies[0]!.value);
		const locals = { user: validated!.user, session: validated!.session };
		const pageUrl = new URL('http://hearth.test/account');
		expect(await account.load({ locals, url: pageUrl })).toMatchObject({ email: person.email, mailEnabled: false, emailConfirmed: false, pendingEmail: null });

		const resend = await failureOf(account.actions.resendConfirmation!, postEvent('/account', {}, locals).event);
		expect(resend.data).toEqual({ action: 'resendConfirmation', message: NO_EMAIL_SET_UP, values: {} });

		const answer = await account.actions.changeEmail!(
			postEvent('/account', { newEmail: 'Ana.New@Example.org', currentPassword: person.password }, locals).event
		);
		expect(answer).toEqual({ action: 'changeEmail', success: 'Your email is changed. From now on you log in with ana.new@example.org.' });
		expect(await account.load({ locals, url: pageUrl })).toMatchObject({ email: 'ana.new@example.org', pendingEmail: null });
	});
});
