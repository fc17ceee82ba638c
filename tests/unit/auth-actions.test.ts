// The sign-up and log-in actions end to end on the server (form body in, action answer out): the
// one failure shape with `action`, the password never sent back, the taken email on its field, a
// throttled log-in or sign-up as 429 with Retry-After (also for parallel requests), the browser
// remembered as a known device, and where a successful one goes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setHeadersInto } from './support/headers';
import { isActionFailure, isRedirect, type ActionFailure } from '@sveltejs/kit';
import type { FormFailure } from '$lib/forms/failure';
import { useAppDatabase, type AppTestDatabase } from './support/app-database';

type Action = (event: unknown) => Promise<unknown>;
let signupAction: Action;
let loginAction: Action;
let app: AppTestDatabase;

beforeAll(async () => {
	app = await useAppDatabase();
	signupAction = (await import('../../src/routes/signup/+page.server')).actions.default as Action;
	loginAction = (await import('../../src/routes/login/+page.server')).actions.default as Action;
});

afterAll(async () => {
	await app?.dispose();
});

let people = 0;
const newPerson = () => ({ displayName: 'Ana', email: `ana${++people}@example.org`, password: 'a long passphrase' });

interface SetCookie {
	name: string;
	value: string;
	options: { httpOnly?: boolean; sameSite?: string; secure?: boolean; path?: string; expires?: Date };
}

function postEvent(route: '/signup' | '/login', form: Record<string, string>, address = '203.0.113.7', sent: Record<string, string> = {}) {
	const url = new URL(`http://hearth.test${route}`);
	const headers: Record<string, string> = {};
	const cookies: SetCookie[] = [];
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
				get: (name: string) => sent[name],
				getAll: () => Object.entries(sent).map(([name, value]) => ({ name, value })),
				set: (name: string, value: string, options: SetCookie['options']) => cookies.push({ name, value, options }),
				delete() {},
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
		expect(cookies.map(({ name }) => name)).toEqual(['hearth_session', 'hearth_device']);
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
		expect(cookies.map(({ name }) => name)).toEqual(['hearth_session', 'hearth_device']);
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

	it('refuses with 429 and Retry-After in seconds after 10 wrong passwords from one place, even the right one', async () => {
		const person = newPerson();
		await redirectOf(signupAction, postEvent('/signup', person, '192.0.2.1').event);
		for (let i = 0; i < 10; i++) await failureOf(loginAction, postEvent('/login', { email: person.email, password: 'a wrong guess' }, '192.0.2.2').event);
		const { event, headers, cookies } = postEvent('/login', { email: person.email, password: person.password }, '192.0.2.2');
		const failure = await failureOf(loginAction, event);
		expect(failure.status).toBe(429);
		expect(failure.data).toEqual({
			action: 'login',
			message:
				'Too many attempts to log in. For your safety, please wait 15 minutes and try again, or log in on a phone or computer you’ve used with Hearth before.',
			values: { email: person.email }
		});
		const retryAfter = Number(headers['retry-after']);
		expect(retryAfter).toBeGreaterThan(14 * 60);
		expect(retryAfter).toBeLessThanOrEqual(15 * 60);
		expect(cookies).toEqual([]);
	});

	it('counts a burst of parallel wrong logins: of 20 at once, 10 are told the password is wrong and 10 to wait', async () => {
		const person = newPerson();
		await redirectOf(signupAction, postEvent('/signup', person, '192.0.2.3').event);
		const answers = await Promise.all(
			Array.from({ length: 20 }, () => failureOf(loginAction, postEvent('/login', { email: person.email, password: 'a wrong guess' }, '192.0.2.4').event))
		);
		expect(answers.filter((a) => a.status === 400)).toHaveLength(10);
		expect(answers.filter((a) => a.status === 429)).toHaveLength(10);
	});

	it('remembers the browser that signed in (HttpOnly, a year), and lets it in while strangers flood the email', async () => {
		const person = newPerson();
		const signedUp = postEvent('/signup', person, '192.0.2.5');
		await redirectOf(signupAction, signedUp.event);
		const device = signedUp.cookies.find(({ name }) => name === 'hearth_device');
		expect(device?.options).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/', secure: false });
		expect(device!.options.expires!.getTime()).toBeGreaterThan(Date.now() + 364 * 24 * 3600 * 1000);

		await Promise.all(
			Array.from({ length: 40 }, (_, i) =>
				failureOf(loginAction, postEvent('/login', { email: person.email, password: 'a wrong guess' }, `198.51.100.${i}`).event)
			)
		);
		const onKnownDevice = postEvent('/login', { email: person.email, password: person.password }, '192.0.2.5', { hearth_device: device!.value });
		expect(await redirectOf(loginAction, onKnownDevice.event)).toBe('/circles');
		// The same browser token is kept, with its year starting again.
		expect(onKnownDevice.cookies.find(({ name }) => name === 'hearth_device')?.value).toBe(device!.value);

		const onNewDevice = await failureOf(loginAction, postEvent('/login', { email: person.email, password: person.password }, '192.0.2.5').event);
		expect(onNewDevice.status).toBe(429);
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

describe('signing up from one address, many times', () => {
	it('makes 10 accounts an hour: 12 at once give 10 accounts and 2 kind 429s with Retry-After', async () => {
		const attempts = Array.from({ length: 12 }, () => postEvent('/signup', newPerson(), '192.0.2.99'));
		const answers = await Promise.all(attempts.map(({ event }) => signupAction(event).catch((thrown: unknown) => thrown)));
		expect(answers.filter((answer) => isRedirect(answer))).toHaveLength(10);
		const refused = attempts.flatMap(({ headers, cookies }, i) =>
			isActionFailure(answers[i]) ? [{ failure: answers[i] as unknown as ActionFailure<FormFailure>, headers, cookies }] : []
		);
		expect(refused).toHaveLength(2);
		for (const { failure, headers, cookies } of refused) {
			expect(failure.status).toBe(429);
			expect(failure.data).toMatchObject({
				action: 'signup',
				message: 'Many new accounts were made from this internet connection in the last hour. To keep Hearth safe, please wait 60 minutes and try again.'
			});
			expect(Number(headers['retry-after'])).toBeGreaterThan(59 * 60);
			expect(cookies).toEqual([]);
		}
	});
});
