// The sign-up and log-in actions end to end on the server (form body in, action answer out): the
// one failure shape with `action`, the password never sent back, the taken email on its field, a
// throttled log-in as 429 with Retry-After, and where a successful one goes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isActionFailure, isRedirect, type ActionFailure } from '@sveltejs/kit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FormFailure } from '$lib/forms/failure';

const dir = mkdtempSync(path.join(tmpdir(), 'hearth-auth-actions-'));
process.env.DATABASE_PATH = path.join(dir, 'hearth.db');

type Action = (event: unknown) => Promise<unknown>;
let signupAction: Action;
let loginAction: Action;
let dbModule: typeof import('$lib/server/db');
let throttle: typeof import('$lib/server/auth/login-throttle');

beforeAll(async () => {
	signupAction = (await import('../../src/routes/signup/+page.server')).actions.default as Action;
	loginAction = (await import('../../src/routes/login/+page.server')).actions.default as Action;
	dbModule = await import('$lib/server/db');
	throttle = await import('$lib/server/auth/login-throttle');
});

afterAll(async () => {
	await dbModule.getDb().destroy();
	rmSync(dir, { recursive: true, force: true });
});

let people = 0;
const newPerson = () => ({ displayName: 'Ana', email: `ana${++people}@example.org`, password: 'a long passphrase' });

function postEvent(route: '/signup' | '/login', form: Record<string, string>, address = '203.0.113.7') {
	const url = new URL(`http://hearth.test${route}`);
	const headers: Record<string, string> = {};
	const cookies: Array<{ name: string; value: string }> = [];
	return {
		headers,
		cookies,
		event: {
			locals: { user: null, session: null },
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
			getClientAddress: () => address,
			setHeaders: (added: Record<string, string>) => Object.assign(headers, added)
		}
	};
}

async function failureOf(action: Action, event: unknown): Promise<ActionFailure<FormFailure>> {
	const answer = await action(event);
	if (!isActionFailure(answer)) throw new Error(`expected a failure, got ${JSON.stringify(answer)}`);
	return answer as unknown as ActionFailure<FormFailure>;
}

async function redirectOf(action: Action, event: unknown): Promise<string> {
	try {
		await action(event);
	} catch (thrown) {
		if (isRedirect(thrown)) return thrown.location;
		throw thrown;
	}
	throw new Error('expected a redirect');
}

describe('signing up with the form', () => {
	it('signs in and goes where the form asked, only ever on this site', async () => {
		const { event, cookies } = postEvent('/signup', { ...newPerson(), redirectTo: '/account' });
		expect(await redirectOf(signupAction, event)).toBe('/account');
		expect(cookies.map(({ name }) => name)).toEqual(['hearth_session']);
		const elsewhere = postEvent('/signup', { ...newPerson(), redirectTo: '//evil.example' });
		expect(await redirectOf(signupAction, elsewhere.event)).toBe('/circles');
	});

	it('answers a bad form with the action, each field’s message and what was typed, but no password', async () => {
		const { event, cookies } = postEvent('/signup', { displayName: '  Maria ', email: 'maria@example', password: 'secret1' });
		const failure = await failureOf(signupAction, event);
		expect(failure.status).toBe(400);
		expect(failure.data).toEqual({
			action: 'signup',
			errors: {
				email: 'That doesn’t look like an email address. It should look like name@example.com.',
				password: 'Please use at least 8 characters (you have 7).'
			},
			values: { displayName: '  Maria ', email: 'maria@example' }
		});
		expect(JSON.stringify(failure.data)).not.toContain('secret1');
		expect(cookies).toEqual([]);
	});

	it('puts a taken email (in any case) on the email field, with 400, and keeps the name', async () => {
		const person = newPerson();
		await redirectOf(signupAction, postEvent('/signup', person).event);
		const { event, cookies } = postEvent('/signup', { ...person, displayName: 'Someone else', email: ` ${person.email.toUpperCase()} ` });
		const failure = await failureOf(signupAction, event);
		expect(failure.status).toBe(400);
		expect(failure.data).toEqual({
			action: 'signup',
			errors: { email: 'There is already an account with this email. Try logging in instead.' },
			values: { displayName: 'Someone else', email: ` ${person.email.toUpperCase()} ` }
		});
		expect(JSON.stringify(failure.data)).not.toContain(person.password);
		expect(cookies).toEqual([]);
	});
});

describe('logging in with the form', () => {
	it('signs in with the right password and goes back where it was asked', async () => {
		const person = newPerson();
		await redirectOf(signupAction, postEvent('/signup', person).event);
		const { event, cookies } = postEvent('/login', { email: person.email, password: person.password, redirectTo: '/circles/abc?x=1' });
		expect(await redirectOf(loginAction, event)).toBe('/circles/abc?x=1');
		expect(cookies.map(({ name }) => name)).toEqual(['hearth_session']);
	});

	it('says the same for a wrong password, keeps the email as typed, and never sends the password back', async () => {
		const person = newPerson();
		await redirectOf(signupAction, postEvent('/signup', person).event);
		const { event, cookies } = postEvent('/login', { email: ` ${person.email}`, password: 'not the password' });
		const failure = await failureOf(loginAction, event);
		expect(failure.status).toBe(400);
		expect(failure.data).toEqual({ action: 'login', message: 'Email or password is incorrect.', values: { email: ` ${person.email}` } });
		expect(JSON.stringify(failure.data)).not.toContain('not the password');
		expect(cookies).toEqual([]);
	});

	it('asks for each missing field', async () => {
		const failure = await failureOf(loginAction, postEvent('/login', { email: ' ', password: '' }).event);
		expect(failure.status).toBe(400);
		expect(failure.data).toEqual({
			action: 'login',
			errors: { email: 'Please enter your email address.', password: 'Please enter your password.' },
			values: { email: ' ' }
		});
	});

	it('refuses a throttled email with 429 and Retry-After in seconds, even with the right password', async () => {
		const person = newPerson();
		await redirectOf(signupAction, postEvent('/signup', person).event);
		const now = Date.now();
		for (let i = 0; i < throttle.EMAIL_POLICY.blockAfter; i++) {
			await throttle.recordLoginFailure(dbModule.getDb(), { email: person.email, address: `198.51.100.${i}` }, now);
		}
		const { event, headers, cookies } = postEvent('/login', { email: person.email, password: person.password });
		const failure = await failureOf(loginAction, event);
		expect(failure.status).toBe(429);
		expect(failure.data).toEqual({
			action: 'login',
			message: 'Too many attempts to log in. For your safety, please wait 15 minutes and try again.',
			values: { email: person.email }
		});
		const retryAfter = Number(headers['retry-after']);
		expect(retryAfter).toBeGreaterThan(14 * 60);
		expect(retryAfter).toBeLessThanOrEqual(15 * 60);
		expect(cookies).toEqual([]);
	});

	it('answers a body that is not a form with the action and a plain message', async () => {
		const url = new URL('http://hearth.test/login');
		const { event } = postEvent('/login', {});
		const broken = { ...event, request: new Request(url, { method: 'POST', body: 'not a form', headers: { 'content-type': 'application/json' } }) };
		const failure = await failureOf(loginAction, broken);
		expect(failure.status).toBe(400);
		expect(failure.data).toEqual({ action: 'login', message: 'We couldn’t read what was sent. Please try again.' });
	});
});
